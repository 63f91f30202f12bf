import { sharedWhileRunning } from './sharedWhileRunning';

/** A check whose calls stay running until the test settles them. */
function heldCheck() {
  const calls: { key: string; resolve: (ok: boolean) => void; reject: (error: Error) => void }[] = [];
  const check = (key: string) =>
    new Promise<boolean>((resolve, reject) => {
      calls.push({ key, resolve, reject });
    });
  return { check, calls };
}

describe('sharedWhileRunning', () => {
  it('runs one check per key for the callers that ask while it runs, and gives each its key’s result', async () => {
    const { check, calls } = heldCheck();
    const shared = sharedWhileRunning(check);
    const answers = [
      ...Array.from({ length: 50 }, () => shared('A')),
      ...Array.from({ length: 50 }, () => shared('B')),
    ];
    expect(calls.map((call) => call.key)).toEqual(['A', 'B']);
    calls[0]!.resolve(true);
    calls[1]!.resolve(false);
    const results = await Promise.all(answers);
    expect(results.slice(0, 50).every((ok) => ok)).toBe(true);
    expect(results.slice(50).every((ok) => !ok)).toBe(true);
  });

  it('keeps nothing once a check settles: the next caller starts a new one', async () => {
    const { check, calls } = heldCheck();
    const shared = sharedWhileRunning(check);
    const first = shared('A');
    calls[0]!.resolve(true);
    await first;
    const second = shared('A');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(false);
    await expect(second).resolves.toBe(false);
  });

  it('gives a failure to every caller that shared the check, and does not remember it', async () => {
    const { check, calls } = heldCheck();
    const shared = sharedWhileRunning(check);
    const waiting = [shared('A'), shared('A')];
    calls[0]!.reject(new Error('ledger unreachable'));
    for (const answer of waiting) await expect(answer).rejects.toThrow('ledger unreachable');
    const retry = shared('A');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve(true);
    await expect(retry).resolves.toBe(true);
  });
});
