interface Waiter {
  readonly afterPosition: number;
  readonly wake: () => void;
}

export interface AppendWaitersOptions {
  /** Reads the current head; used before waiting and by the polling fallback. */
  readonly head: () => Promise<number>;
  /** How often to look for appends made elsewhere (other processes); 0 disables polling. */
  readonly pollIntervalMs: number;
}

/** Wakes waitForAppend callers on appends notified in-process, on a poll, or on timeout. */
export class AppendWaiters {
  private readonly waiters = new Set<Waiter>();
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: AppendWaitersOptions) {}

  notify(head: number): void {
    for (const waiter of this.waiters) if (head > waiter.afterPosition) waiter.wake();
  }

  /** Registers first, then reads the head, so an append between the two is never missed. */
  wait(afterPosition: number, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        afterPosition,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          this.updatePolling();
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
      this.waiters.add(waiter);
      this.updatePolling();
      this.options.head().then(
        (head) => this.notify(head),
        () => undefined,
      );
    });
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters) waiter.wake();
  }

  private updatePolling(): void {
    if (this.waiters.size > 0 && !this.pollTimer && this.options.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    } else if (this.waiters.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  private poll(): void {
    this.options.head().then(
      (head) => this.notify(head),
      () => undefined,
    );
  }
}
