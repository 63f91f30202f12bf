#!/usr/bin/env node
'use strict';
// Anchoring on the real Fabric network (scripts/fabric/network-up.sh): events/s anchored and
// anchor lag (p50/p99) for batched anchoring beside one transaction per event, in the same run,
// and the lag at 1,000 events/s offered. Uses the service's own fabric backend (compiled by
// `npx tsc -b`). Brings the network up when it is not up, and takes it down again afterwards.
//
// Environment: FABRIC_CONNECTION, BENCH_ANCHOR_BATCH (events per batch, 1000, the anchorer's default),
// BENCH_ANCHOR_INFLIGHT (batches in flight, 4), BENCH_ANCHOR_EVENTS (batched events, 20000),
// BENCH_ANCHOR_SINGLE_EVENTS (one-per-transaction events, 1000), BENCH_ANCHOR_SINGLE_INFLIGHT (64),
// BENCH_ANCHOR_OFFERED_RATE (1000), BENCH_ANCHOR_OFFERED_SECONDS (10), BENCH_ANCHOR_FLUSH_MS (100),
// BENCH_ANCHOR_AGENCY_INFLIGHT (batches in flight per agency at the offered rate, 2),
// BENCH_ANCHOR_LOW_RATE (a second offered rate, within a small machine's capacity, 250).
const { cpuSpeedProbeMs } = require('./lib/cpuSpeed');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const dist = (p) => path.join(ROOT, 'ledger-service', 'dist', 'anchoring', 'fabric', p);
const AGENCIES = ['CNCA-R-2002-001', 'CNCA-R-2002-002'];
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

const settings = () => ({
  batchSize: num('BENCH_ANCHOR_BATCH', 1000),
  inflight: num('BENCH_ANCHOR_INFLIGHT', 4),
  batchedEvents: num('BENCH_ANCHOR_EVENTS', 20000),
  singleEvents: num('BENCH_ANCHOR_SINGLE_EVENTS', 1000),
  singleInflight: num('BENCH_ANCHOR_SINGLE_INFLIGHT', 64),
  offeredRate: num('BENCH_ANCHOR_OFFERED_RATE', 1000),
  lowRate: num('BENCH_ANCHOR_LOW_RATE', 250),
  offeredSeconds: num('BENCH_ANCHOR_OFFERED_SECONDS', 10),
  flushMs: num('BENCH_ANCHOR_FLUSH_MS', 100),
  agencyInflight: num('BENCH_ANCHOR_AGENCY_INFLIGHT', 2),
  eventsPerStream: 5,
});

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const sortNum = (xs) => [...xs].sort((a, b) => a - b);
const round = (x, d = 0) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);
const now = () => performance.now();

/** Streams of `per` chained events each, owned by alternating agencies. */
function makeStreams(SyntheticStream, count, per) {
  return Array.from({ length: count }, (_, i) => {
    const stream = new SyntheticStream();
    return { agencyId: AGENCIES[i % AGENCIES.length], events: Array.from({ length: per }, () => stream.next()) };
  });
}

async function pool(jobs, width) {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
}

/** Saturation: batches of whole streams, `inflight` transactions at a time. */
async function batchedSaturation(backend, h, s) {
  const streamsPerBatch = Math.max(1, Math.floor(s.batchSize / s.eventsPerStream));
  const batches = [];
  for (let made = 0; made < s.batchedEvents; made += streamsPerBatch * s.eventsPerStream) {
    const agencyId = AGENCIES[batches.length % AGENCIES.length];
    const streams = makeStreams(h.SyntheticStream, streamsPerBatch, s.eventsPerStream);
    batches.push(h.batchOf(agencyId, streams.flatMap((x) => x.events)));
  }
  const lags = [];
  let events = 0;
  const started = now();
  await pool(
    batches.map((batch) => async () => {
      const t0 = now();
      await backend.anchor(batch);
      lags.push(now() - t0);
      events += batch.events.length;
    }),
    s.inflight,
  );
  const seconds = (now() - started) / 1000;
  return { events, seconds, rate: events / seconds, txs: batches.length, lags: sortNum(lags) };
}

/** Baseline: one transaction per event; a stream's events go one after another. */
async function perEvent(backend, h, s) {
  const streams = makeStreams(h.SyntheticStream, Math.ceil(s.singleEvents / s.eventsPerStream), s.eventsPerStream);
  const lags = [];
  let events = 0;
  const started = now();
  await pool(
    streams.map((stream) => async () => {
      for (const event of stream.events) {
        const t0 = now();
        await backend.anchor(h.batchOf(stream.agencyId, [event]));
        lags.push(now() - t0);
        events += 1;
      }
    }),
    Math.ceil(s.singleInflight / 1),
  );
  const seconds = (now() - started) / 1000;
  return { events, seconds, rate: events / seconds, lags: sortNum(lags) };
}

/**
 * Open loop: events arrive at `rate`/s spread over many streams. Per agency, a batcher like the
 * anchorer's sends the waiting events (up to `batchSize`) when it has a full batch or its oldest
 * event has waited `flushMs`, with at most `agencyInflight` batches in flight; an event whose
 * stream already has a batch in flight waits for the next one (that batch must be committed
 * first). Lag = event arrival → its batch committed on every peer.
 */
async function offered(backend, h, s) {
  const total = s.offeredRate * s.offeredSeconds;
  const streams = makeStreams(h.SyntheticStream, Math.max(100, Math.ceil(total / s.eventsPerStream)), s.eventsPerStream);
  const order = [];
  for (let v = 0; v < s.eventsPerStream; v += 1) for (const st of streams) order.push({ st, event: st.events[v] });
  const arrivals = order.slice(0, total);
  const queues = new Map(AGENCIES.map((a) => [a, []]));
  const inflightOf = new Map(AGENCIES.map((a) => [a, 0]));
  const busy = new Set();
  const lags = [];
  const txLags = [];
  const pending = new Set();
  let failures = 0;
  let arrived = 0;
  const started = now();

  const send = (agencyId) => {
    const queue = queues.get(agencyId);
    const items = [];
    const kept = [];
    const inBatch = new Set();
    for (const item of queue) {
      const id = item.event.streamId;
      if (items.length < s.batchSize && !busy.has(id) && !inBatch.has(id)) {
        items.push(item);
        inBatch.add(id);
      } else kept.push(item);
    }
    if (items.length === 0) return;
    queues.set(agencyId, kept);
    for (const id of inBatch) busy.add(id);
    inflightOf.set(agencyId, inflightOf.get(agencyId) + 1);
    const t0 = now();
    const p = backend
      .anchor(h.batchOf(agencyId, items.map((i) => i.event)))
      .then(() => {
        const t1 = now();
        txLags.push(t1 - t0);
        for (const i of items) lags.push(t1 - i.at);
      })
      .catch(() => {
        failures += 1;
      })
      .finally(() => {
        for (const id of inBatch) busy.delete(id);
        inflightOf.set(agencyId, inflightOf.get(agencyId) - 1);
        pending.delete(p);
        pump();
      });
    pending.add(p);
  };
  const pump = () => {
    const t = now();
    for (const agencyId of AGENCIES) {
      while (inflightOf.get(agencyId) < s.agencyInflight) {
        const queue = queues.get(agencyId);
        if (queue.length === 0) break;
        const full = queue.length >= s.batchSize;
        const due = t - queue[0].at >= s.flushMs;
        if (!full && !due) break;
        send(agencyId);
        if (queues.get(agencyId) === queue) break; // nothing could be sent
      }
    }
  };

  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((now() - started) / 1000) * s.offeredRate));
      const t = now();
      while (arrived < due) {
        const item = arrivals[arrived++];
        queues.get(item.st.agencyId).push({ ...item, at: t });
      }
      pump();
      if (arrived >= total && [...queues.values()].every((q) => q.length === 0)) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  await Promise.all([...pending]);
  const seconds = (now() - started) / 1000;
  return { events: lags.length, seconds, rate: lags.length / seconds, lags: sortNum(lags), txLags: sortNum(txLags), failures };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (ms) of every process in each of the network's process groups (.fabric/pids), from /proc. */
function networkCpuMs() {
  const pidsDir = path.join(path.dirname(connectionFile()), 'pids');
  const groups = new Map();
  for (const file of fs.existsSync(pidsDir) ? fs.readdirSync(pidsDir) : []) {
    if (file.endsWith('.pid') && !file.startsWith('ca-')) groups.set(Number(fs.readFileSync(path.join(pidsDir, file), 'utf8')), file.slice(0, -4));
  }
  const cpu = Object.fromEntries([...groups.values()].map((name) => [name, 0]));
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const name = groups.get(Number(fields[2]));
      if (name) cpu[name] += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // the process ended between the listing and the read
    }
  }
  const self = process.cpuUsage();
  cpu['this client'] = (self.user + self.system) / 1000;
  return cpu;
}

/** µs of CPU per event for each process between two networkCpuMs() readings. */
function cpuPerEvent(before, after, events) {
  const per = Object.fromEntries(Object.keys(after).map((name) => [name, ((after[name] - (before[name] ?? 0)) * 1000) / events]));
  per.total = Object.values(per).reduce((a, b) => a + b, 0);
  return per;
}

function connectionFile() {
  return process.env.FABRIC_CONNECTION ? path.resolve(process.env.FABRIC_CONNECTION) : path.join(ROOT, '.fabric', 'connection.json');
}

async function runAnchoringBench(options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const s = { ...settings(), ...(options.settings ?? {}) };
  let startedNetwork = false;
  if (!fs.existsSync(connectionFile())) {
    log('no Fabric network: bringing it up (scripts/fabric/network-up.sh)');
    execFileSync(path.join(ROOT, 'scripts', 'fabric', 'network-up.sh'), { stdio: ['ignore', 'inherit', 'inherit'] });
    startedNetwork = true;
  }
  const { openFabricBackend } = require(dist('index.js'));
  const h = require(dist('testing.js'));
  const backend = openFabricBackend({ connection: connectionFile() });
  try {
    const loadBefore = os.loadavg()[0];
    const probeBefore = cpuSpeedProbeMs();
    log('warm-up');
    await perEvent(backend, h, { ...s, singleEvents: 20, singleInflight: 4 });
    log(`one transaction per event: ${s.singleEvents} events, ${s.singleInflight} in flight`);
    const single = await perEvent(backend, h, s);
    log(`  ${round(single.rate, 1)} events/s, p50 ${round(percentile(single.lags, 50))} ms, p99 ${round(percentile(single.lags, 99))} ms`);
    log(`batched: ${s.batchedEvents} events, ${s.batchSize} per batch, ${s.inflight} in flight`);
    const cpuBefore = networkCpuMs();
    const batched = await batchedSaturation(backend, h, s);
    const cpu = cpuPerEvent(cpuBefore, networkCpuMs(), batched.events);
    log(`  ${round(batched.rate)} events/s, p50 ${round(percentile(batched.lags, 50))} ms, p99 ${round(percentile(batched.lags, 99))} ms per batch`);
    log(`offered ${s.offeredRate} events/s for ${s.offeredSeconds} s: batches of up to ${s.batchSize}, flushed after ${s.flushMs} ms, ${s.agencyInflight} in flight per agency`);
    const open = await offered(backend, h, s);
    log(`  ${round(open.rate)} events/s anchored, lag p50 ${round(percentile(open.lags, 50))} ms, p99 ${round(percentile(open.lags, 99))} ms, ${open.failures} failed batches`);

    log(`offered ${s.lowRate} events/s for ${s.offeredSeconds} s (within this machine's capacity)`);
    const low = await offered(backend, h, { ...s, offeredRate: s.lowRate });
    log(`  ${round(low.rate)} events/s anchored, lag p50 ${round(percentile(low.lags, 50))} ms, p99 ${round(percentile(low.lags, 99))} ms, ${low.failures} failed batches`);
    const ratio = batched.rate / single.rate;
    const loadAfter = os.loadavg()[0];
    const probeAfter = cpuSpeedProbeMs();
    const rows = [
      { name: 'batched anchoring: events/s anchored', value: round(batched.rate), unit: 'events/s', baseline: `${round(single.rate, 1)} events/s (one tx per event)`, ratio: `${round(ratio, 1)}×`, target: '≥ 5,000 events/s; ≥ 20×' },
      { name: `batched anchoring: batch lag p50 / p99 (submit → commit, ${s.batchSize} events, ${s.inflight} in flight)`, value: `${round(percentile(batched.lags, 50))} / ${round(percentile(batched.lags, 99))}`, unit: 'ms' },
      {
        name: `batched anchoring: CPU per anchored event (${Object.keys(cpu).filter((n) => n !== 'total').join(', ')})`,
        value: Object.entries(cpu).filter(([n]) => n !== 'total').map(([, us]) => round(us)).join(' / '),
        unit: `µs (total ${round(cpu.total)} µs: at most ${round((os.cpus().length * 1e6) / cpu.total)} events/s on this machine's ${os.cpus().length} cores with nothing else running)`,
      },
      { name: `one tx per event: lag p50 / p99 (submit → commit, ${s.singleInflight} in flight)`, value: `${round(percentile(single.lags, 50))} / ${round(percentile(single.lags, 99))}`, unit: 'ms' },
      { name: `offered ${s.offeredRate} events/s: anchored rate`, value: round(open.rate), unit: 'events/s', note: `${open.failures} failed batches` },
      { name: `offered ${s.offeredRate} events/s: event lag p50 / p99 (arrival → commit; flush at ${s.batchSize} events or ${s.flushMs} ms, ${s.agencyInflight} batches in flight per agency)`, value: `${round(percentile(open.lags, 50))} / ${round(percentile(open.lags, 99))}`, unit: 'ms', target: 'p99 < 2,000 ms' },
      { name: `offered ${s.offeredRate} events/s: transaction lag p50 / p99 (submit → commit)`, value: `${round(percentile(open.txLags, 50))} / ${round(percentile(open.txLags, 99))}`, unit: 'ms' },
      { name: `offered ${s.lowRate} events/s: event lag p50 / p99 (arrival → commit, same batcher)`, value: `${round(percentile(low.lags, 50))} / ${round(percentile(low.lags, 99))}`, unit: 'ms', note: `${round(low.rate)} events/s anchored, ${low.failures} failed batches` },
      { name: 'machine load average (1 min) at start / end', value: `${round(loadBefore, 1)} / ${round(loadAfter, 1)}`, unit: `on ${os.cpus().length} cores` },
      { name: 'CPU-speed probe at start / end: CPU time of a fixed integer loop (lower is faster; absolute figures of two runs compare only at like probes)', value: `${round(probeBefore)} / ${round(probeAfter)}`, unit: 'ms' },
    ];
    return {
      title: 'Anchoring on the real Fabric network',
      description:
        'Two peers (RegulatorOrg, CBOrg) with an AND endorsement policy, one etcdraft orderer, the TypeScript chaincode as a service, all as processes on this machine; ' +
        'batches carry whole streams of chained event digests and are submitted through the service\'s fabric backend with the agency\'s own CA identity, waiting for commit. ' +
        'The baseline is the same backend with one transaction per event, in the same run.',
      rows,
      limits: [
        "CPU: everything shares the machine's cores (both peers, each org's Node chaincode service, the orderer, this client) with whatever else runs (the load average row). The CPU row is each process's own CPU time over the batched run divided by the events anchored; its total bounds the batched rate on this machine even when nothing else runs. Other work on the machine takes the rest: the batched rate is what was left.",
        'Chaincode services: the contract makes 3 state calls per stream in a batch (read the stream head, write it, write the stream\'s run of digests) and 2 per batch (the batch record), 0.6 per event with five-event streams; each is a round trip between the Node chaincode process and its peer, on both peers. Those round trips (gRPC, protobuf, the shim) are most of each chaincode service\'s CPU; the contract\'s own code is about 13 µs per event.',
        'Peers: they spend their time serving those state calls (LevelDB reads of the heads) and decoding, checking and writing each transaction (about 500 bytes per event: the batch as runs, the write set) at endorsement, validation and commit. They and the orderer run with GOMAXPROCS=1 (GO_MAXPROCS in network-config/network.env): sharing 2 cores with everything else, a peer allowed more Go threads than there are free cores spent about a fifth more CPU per event handing goroutines between threads.',
        "Machine speed: absolute rates follow the speed of this shared VM's CPUs, which varied by about 1.8× within one day (the probe row: the same loop took 694 to 1,261 ms of CPU); the ratio to the one-tx baseline of the same run does not. Rates of two runs compare only at like probes.",
        'Latency: the backend names both orgs, so the gateway endorses on both peers at once; a batch then waits for the orderer\'s batch timeout (BATCH_TIMEOUT in network-config/network.env, 100 ms) and for the commit on both peers. At the offered rates, batches are cut by the flush delay, not by size.',
      ],
      raw: { settings: s, cpuPerEventUs: cpu, single: { ...single, lags: undefined }, batched: { ...batched, lags: undefined }, offered: { ...open, lags: undefined, txLags: undefined }, low: { ...low, lags: undefined, txLags: undefined } },
    };
  } finally {
    await backend.close();
    if (startedNetwork) execFileSync(path.join(ROOT, 'scripts', 'fabric', 'network-down.sh'), { stdio: 'inherit' });
  }
}

module.exports = { run: runAnchoringBench, runAnchoringBench };

if (require.main === module) {
  runAnchoringBench()
    .then((result) => {
      console.log(`\n${result.title}\n`);
      for (const row of result.rows) console.log(`- ${row.name}: ${row.value} ${row.unit ?? ''}${row.baseline ? ` (baseline ${row.baseline}, ${row.ratio})` : ''}`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
