import type { Logger } from 'pino';
import { closeAll, type ServicePart } from './compose';
import type { Config } from './config';
import { createEventStore, type EventStore } from './eventStore';
import { overriding } from './eventStore/forwarding';
import { AppendWaiters } from './eventStore/waiters';
import { loadPrincipals } from './http/auth';
import { defaultParts } from './parts';
import { createWorkersThreadPart } from './workersThread';

/** The anchorer, the projections, supervision and the log-head committer, running over a store connection of their own. */
export interface RunningWorkers {
  readonly parts: readonly ServicePart[];
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * Subscribes to the heads that whoever appends (the service's thread) reports after each commit:
   * the workers then wake at once, not at their store connection's next poll.
   */
  readonly onAppended?: (listener: (head: number) => void) => void;
}

/** Opens the store and starts the workers in this thread (workers.ts, and the service's worker thread). */
export async function startWorkers({ config, logger, onAppended }: StartWorkersOptions): Promise<RunningWorkers> {
  const opened = await createEventStore({
    eventStore: config.eventStore,
    eventStoreUrl: config.eventStoreUrl,
    eventStoreQueryTimeoutMs: config.eventStoreQueryTimeoutMs,
    dataDir: config.dataDir,
    onBackgroundError: (error) => logger.warn({ err: error }, 'event store connection error'),
  });
  let store = opened;
  if (onAppended) {
    const signals = new AppendWaiters({ head: () => opened.headPosition(), pollIntervalMs: 0 });
    onAppended((head) => signals.notify(head));
    store = wakingOn(signals, opened);
  }
  try {
    const parts = await defaultParts({
      config: { ...config, workers: 'in-process' },
      logger,
      store,
      principals: loadPrincipals(config.principalsPath),
      evaluateSupervision: false,
    });
    // Last, so closed first.
    const all = [...parts, createWorkersThreadPart({ config, logger, role: 'supervision' })];
    return { parts: all, close: () => closeAll(all, store, logger) };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The store with waitForAppend also woken by `signals`: another thread's appends reach this
 * connection's own waiters only at its next poll.
 */
export function wakingOn(signals: AppendWaiters, store: EventStore): EventStore {
  return overriding(store, {
    waitForAppend: (after, timeoutMs) =>
      Promise.race([store.waitForAppend(after, timeoutMs), signals.wait(after, timeoutMs)]),
    close: async () => {
      signals.close();
      await store.close();
    },
  });
}
