import type { AnchorCommitNotice, AnchorFeed, EventFeed, LogEvent } from './types';

/** An in-memory log for tests and benchmarks: append positions events, followers are woken at once. */
export interface MemoryFeed extends EventFeed {
  append(events: readonly Omit<LogEvent, 'position'>[]): LogEvent[];
  readonly events: readonly LogEvent[];
}

function waiters() {
  let pending: Array<() => void> = [];
  return {
    wait(ready: () => boolean, timeoutMs: number): Promise<void> {
      if (ready()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          pending = pending.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        pending.push(done);
      });
    },
    wake(): void {
      for (const w of [...pending]) w();
    },
  };
}

export function createMemoryFeed(): MemoryFeed {
  const log: LogEvent[] = [];
  const signal = waiters();
  return {
    events: log,
    append(events) {
      const stored = events.map((event, i) => ({ ...event, position: log.length + i + 1 }) as LogEvent);
      log.push(...stored);
      signal.wake();
      return stored;
    },
    readAll: async (after, limit) => log.slice(after, after + limit),
    waitForAppend: (after, timeoutMs) => signal.wait(() => log.length > after, timeoutMs),
    headPosition: async () => log.length,
  };
}

export interface MemoryAnchorFeed extends AnchorFeed {
  commit(notice: Omit<AnchorCommitNotice, 'seq'>): AnchorCommitNotice;
}

export function createMemoryAnchorFeed(): MemoryAnchorFeed {
  const commits: AnchorCommitNotice[] = [];
  const signal = waiters();
  return {
    commit(notice) {
      const stored = { ...notice, seq: commits.length + 1 };
      commits.push(stored);
      signal.wake();
      return stored;
    },
    readCommits: async (after, limit) => commits.slice(after, after + limit),
    waitForCommit: (after, timeoutMs) => signal.wait(() => commits.length > after, timeoutMs),
    headSeq: async () => commits.length,
  };
}
