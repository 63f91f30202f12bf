'use strict';
const http = require('node:http');
const { goLoad, goLoadgen, startCpuProbe } = require('./goLoad');

/** A server that counts the paths it was asked for; `answer` decides status, body and delay per path. */
function countingServer(answer) {
  const seen = new Map();
  const server = http.createServer((req, res) => {
    seen.set(req.url, (seen.get(req.url) ?? 0) + 1);
    const { status = 200, body = '{"ok":true}', delayMs = 0 } = answer(req.url);
    // With its Content-Length, as Express sends JSON: the generator reads answers by it.
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    setTimeout(() => res.writeHead(status, headers).end(body), delayMs);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, seen })));
}

describe('the Go load generator', () => {
  let target;
  afterEach(() => target?.server.close());

  it('is built from bench/loadgen with the machine’s Go toolchain', () => {
    expect(goLoadgen()).toMatch(/certledger-loadgen/);
  });

  it('sends rate × seconds requests in an open loop, the paths in turn, and reads every answer', async () => {
    target = await countingServer(() => ({ body: 'x'.repeat(100) }));
    const paths = ['/a', '/b', '/c', '/d'];
    const result = await goLoad(target.server.address().port, paths, { rate: 2000, seconds: 1, connections: 8 });
    expect(result.count).toBe(2000);
    expect(result.failures).toBe(0);
    expect(result.bodyBytes).toBe(100);
    // The connections' warm-up requests come on top: one per connection, before the clock.
    expect([...target.seen.values()].reduce((a, b) => a + b, 0)).toBe(2000 + 8);
    for (const p of paths) expect(target.seen.get(p)).toBeGreaterThanOrEqual(500);
    // Requests are spread over the second, not sent at once.
    expect(result.seconds).toBeGreaterThan(0.99);
  });

  it('counts latency from when a request was due, so a stalled server shows in every request it held up', async () => {
    let stalled = false;
    target = await countingServer((url) => {
      if (url === '/stall' && !stalled) {
        stalled = true;
        return { delayMs: 300 };
      }
      return {};
    });
    // One connection: while the stall holds it, the requests due meanwhile wait in the client.
    const paths = ['/warm', ...Array.from({ length: 99 }, (_, i) => (i === 10 ? '/stall' : `/p${i}`))];
    const result = await goLoad(target.server.address().port, paths, {
      rate: 500,
      seconds: 1,
      connections: 1,
      latencies: true,
    });
    expect(result.count).toBe(500);
    expect(result.max).toBeGreaterThanOrEqual(300);
    // About 150 requests fell due during the 300 ms stall: more than 1% of 500 waited behind it,
    // counted as queued (no free connection), not as the generator's own lateness.
    expect(result.p99).toBeGreaterThan(100);
    expect(result.queued).toBeGreaterThan(100);
    expect(result.lateP99).toBeLessThan(100);
    // Every request's latency, in order, for pooling rounds.
    expect(result.latencies).toHaveLength(500);
    expect(result.latencies.filter((ms) => ms > 100).length).toBeGreaterThan(100);
    expect([...result.latencies].every((ms, i, all) => i === 0 || all[i - 1] <= ms)).toBe(true);
    expect(result.latencies[499]).toBeCloseTo(result.max, 3);
  });

  it('runs a closed loop of a given count and counts answers other than 200 as failures', async () => {
    target = await countingServer((url) => (url === '/missing' ? { status: 404 } : {}));
    const result = await goLoad(target.server.address().port, ['/ok', '/missing'], { count: 1000, connections: 4 });
    expect(result.count).toBe(1000);
    expect(result.failures).toBe(500);
  });
});

describe('the CPU-speed probe', () => {
  it('samples the thread CPU time of its fixed work every 50 ms until stopped', async () => {
    const probe = startCpuProbe();
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const to = Date.now();
    await probe.stop();
    const { samples } = probe;
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(samples.every((s, i) => s.us > 0 && (i === 0 || samples[i - 1].atMs < s.atMs))).toBe(true);
    const sorted = samples.map((s) => s.us).sort((a, b) => a - b);
    expect(probe.workUs(from, to)).toBe(sorted[Math.floor(sorted.length / 2)]);
    expect(probe.workUs(to + 60_000, to + 120_000)).toBeNaN();
    // Stopped: no sample comes after.
    const count = samples.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(samples).toHaveLength(count);
  });
});
