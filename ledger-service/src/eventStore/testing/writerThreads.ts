import diagnostics from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';

/** The worker threads started while watching (Node announces each one), to terminate them in a test. */
export function watchWorkerThreads(): { readonly started: Worker[]; stop(): void } {
  const started: Worker[] = [];
  const onStart = (message: unknown): void => {
    started.push((message as { worker: Worker }).worker);
  };
  diagnostics.subscribe('worker_threads', onStart);
  return { started, stop: () => diagnostics.unsubscribe('worker_threads', onStart) };
}

/** Polls `check` until it holds, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
