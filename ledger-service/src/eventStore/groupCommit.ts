/** What one request of a committed batch came to: its result, or the error it alone failed with. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<R, T> {
  /** Commits a batch in one transaction; throws when the whole batch failed (nothing written, or not known: an unconfirmed commit). */
  readonly commit: (batch: readonly R[]) => Promise<readonly Outcome<T>[]>;
  readonly maxBatch: number;
}

interface Pending<R, T> {
  readonly request: R;
  readonly resolve: (outcome: Outcome<T>) => void;
}

/**
 * Gathers requests that arrive while a commit is running (or within the same turn of the event
 * loop) and commits them together, so each one is durable while the fsync is shared.
 */
export class GroupCommitter<R, T> {
  private readonly queue: Pending<R, T>[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly options: GroupCommitOptions<R, T>) {}

  submit(request: R): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      this.queue.push({ request, resolve });
      this.draining ??= this.drainSoon();
    });
  }

  /** Resolves once every request submitted so far is settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drainSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        const outcomes = await this.commitSafely(batch.map((pending) => pending.request));
        batch.forEach((pending, index) => pending.resolve(outcomes[index]));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async commitSafely(requests: readonly R[]): Promise<readonly Outcome<T>[]> {
    try {
      const outcomes = await this.options.commit(requests);
      if (outcomes.length !== requests.length) throw new Error('a batch commit returned the wrong number of outcomes');
      return outcomes;
    } catch (error) {
      return requests.map(() => ({ ok: false, error }));
    }
  }
}
