import { GroupCommitter, Outcome } from './groupCommit';

function recordingCommitter(maxBatch: number, fail?: (batch: readonly number[]) => boolean) {
  const batches: number[][] = [];
  const committer = new GroupCommitter<number, number>({
    maxBatch,
    commit: async (batch) => {
      batches.push([...batch]);
      if (fail?.(batch)) throw new Error('disk full');
      return batch.map((n): Outcome<number> => (n < 0 ? { ok: false, error: `refused ${n}` } : { ok: true, value: n * 10 }));
    },
  });
  return { committer, batches };
}

describe('GroupCommitter', () => {
  it('commits requests submitted together in one batch, each with its own outcome', async () => {
    const { committer, batches } = recordingCommitter(100);
    const outcomes = await Promise.all([1, -2, 3].map((n) => committer.submit(n)));
    expect(batches).toEqual([[1, -2, 3]]);
    expect(outcomes).toEqual([
      { ok: true, value: 10 },
      { ok: false, error: 'refused -2' },
      { ok: true, value: 30 },
    ]);
  });

  it('gathers what arrives during a commit into the next batch, and splits at maxBatch', async () => {
    const { committer, batches } = recordingCommitter(2);
    const first = committer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => committer.submit(n));
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('fails every request of a batch whose commit failed, and keeps serving afterwards', async () => {
    const { committer } = recordingCommitter(10, (batch) => batch.includes(99));
    const failed = await Promise.all([5, 99].map((n) => committer.submit(n)));
    expect(failed.map((outcome) => outcome.ok)).toEqual([false, false]);
    expect(await committer.submit(6)).toEqual({ ok: true, value: 60 });
    await committer.idle();
  });
});
