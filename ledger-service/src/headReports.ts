import type { ServicePart } from './compose';
import type { EventStore } from './eventStore';

/**
 * Reports each new head of the store's log until `stopped` settles: whoever follows the log from
 * another thread or process (the workers) then wakes at once, not at its connection's next poll.
 */
async function forwardHeads(store: EventStore, report: (head: number) => void, stopped: Promise<void>): Promise<void> {
  let running = true;
  void stopped.then(() => (running = false));
  let head = await store.headPosition().catch(() => 0);
  while (running) {
    await Promise.race([store.waitForAppend(head, 1_000), stopped]);
    if (!running) return;
    const next = await store.headPosition().catch(() => head);
    if (next > head) {
      head = next;
      report(head);
    } else {
      // Nothing new: a timeout, or a store that answers at once because it is closed or down.
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 5)), stopped]);
    }
  }
}

/** Forwarding as a part of the service: to the workers thread, or to the process running the workers (LEDGER_API_PROCESSES). */
export function createHeadReportPart(store: EventStore, report: (head: number) => void): ServicePart {
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const forwarding = forwardHeads(store, report, stopped);
  return {
    name: 'head-reports',
    async close(): Promise<void> {
      stop();
      await forwarding;
    },
  };
}
