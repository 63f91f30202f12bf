/**
 * Calls that ask for the same key while one is running share its result: a storm of scans of one
 * certificate's QR code checks its history against the ledger once per check, not once per scan.
 * Nothing is kept once the call settles, so every answer comes from a check that was running when
 * it was asked, and a failure is not remembered.
 */
export function sharedWhileRunning<T>(run: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key) => {
    const current = running.get(key);
    if (current) return current;
    const started = run(key).finally(() => running.delete(key));
    running.set(key, started);
    return started;
  };
}
