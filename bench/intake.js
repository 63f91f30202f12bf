'use strict';
// REST intake of a realistic certification mix over keep-alive connections, beside (a) a trivial
// Express 5 JSON POST handler and (b) the raw durable append rate of the same SQLite adapter.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { request, runJobs, summarize, startServer, stopServer, peakRssMiB, fmt, newAgent, timed, cpuMs } = require('./lib/load');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'ledger-service/dist', p);
const TOKEN = 'demo-agency-001';
const CONNECTIONS = 32;

function certifications(count, prefix) {
  const { initialCertification } = require(dist('testing/scenario.js'));
  return Array.from({ length: count }, (_, i) =>
    initialCertification({ certificationId: `${prefix}-${i}`, appliedOn: '2025-03-01', certificateNo: `B${prefix}${String(i).padStart(7, '0')}` }),
  );
}

async function trivialBaseline(requests) {
  const { child, port } = await startServer(path.join(__dirname, 'lib/trivialExpress.js'));
  try {
    const agent = newAgent(CONNECTIONS);
    const body = certifications(1, 'T')[0][0];
    const warm = Array.from({ length: 500 }, () => async () => request(agent, port, 'POST', '/echo', body));
    await runJobs(warm, CONNECTIONS);
    const jobs = Array.from({ length: requests }, () => async (_w, record) => {
      const { ms } = await timed(() => request(agent, port, 'POST', '/echo', body));
      record(ms);
    });
    const cpu0 = cpuMs(child.pid);
    const { latencies, seconds } = await runJobs(jobs, CONNECTIONS);
    const cpuUsPerRequest = ((cpuMs(child.pid) - cpu0) * 1000) / requests;
    agent.destroy();
    return { ...summarize(latencies, seconds, requests), cpuUsPerRequest };
  } finally {
    await stopServer(child);
  }
}

async function serviceIntake(certCount, bulkCertCount, extraEnv = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-intake-'));
  const { child, port } = await startServer(dist('main.js'), { PORT: '0', LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extraEnv });
  try {
    const agent = newAgent(CONNECTIONS);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const warm = certifications(20, 'W');
    await runJobs(warm.map((events) => async () => { for (const e of events) await request(agent, port, 'POST', `/v1/certifications/${e.certificationId}/events`, e, auth); }), CONNECTIONS);
    const certs = certifications(certCount, 'S');
    let refused = 0;
    const refusals = new Set();
    const jobs = certs.map((events) => async (_w, record) => {
      for (const event of events) {
        const { certificationId, ...body } = event;
        const { result, ms } = await timed(() => request(agent, port, 'POST', `/v1/certifications/${certificationId}/events`, body, auth));
        if (result.status !== 201) {
          refused += 1;
          if (refusals.size < 5) refusals.add(`${result.status} ${result.body.slice(0, 300)}`);
        }
        record(ms);
      }
    });
    const cpu0 = cpuMs(child.pid);
    const single = await runJobs(jobs, CONNECTIONS);
    const singleStats = {
      ...summarize(single.latencies, single.seconds, single.latencies.length),
      cpuUsPerRequest: ((cpuMs(child.pid) - cpu0) * 1000) / single.latencies.length,
    };

    const bulkCerts = certifications(bulkCertCount, 'K');
    // Whole certifications per request (about 1,000 events): a certification's events must not be split
    // across requests that run concurrently.
    const certsPerRequest = Math.floor(1000 / 14);
    const flat = bulkCerts.flat();
    const chunks = [];
    for (let i = 0; i < bulkCerts.length; i += certsPerRequest) chunks.push(bulkCerts.slice(i, i + certsPerRequest).flat());
    let bulkRefused = 0;
    const bulk = await runJobs(
      chunks.map((events) => async (_w, record) => {
        const { result, ms } = await timed(() => request(agent, port, 'POST', '/v1/events', { events }, auth));
        const parsed = JSON.parse(result.body);
        bulkRefused += parsed.refused ?? events.length;
        for (const r of parsed.results ?? []) if (r.status >= 300 && refusals.size < 10) refusals.add(`bulk ${r.status} ${JSON.stringify(r.problem).slice(0, 300)}`);
        record(ms);
      }),
      2,
    );
    agent.destroy();
    for (const refusal of refusals) console.error(`   refused: ${refusal}`);
    return { singleStats, refused, bulkEventsPerSecond: flat.length > 0 ? flat.length / bulk.seconds : NaN, bulkRefused, bulkEvents: flat.length, rss: peakRssMiB(child.pid) };
  } finally {
    await stopServer(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function rawAppendRate() {
  const { openSqliteEventStore } = require(dist('eventStore/sqlite/sqliteEventStore.js'));
  const { canonicalBytes, sha256Hex, ZERO_HASH } = require(dist('events/canonical.js'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-append-'));
  const store = openSqliteEventStore({ directory: dataDir });
  const newEvent = (streamId, n) => {
    const hashed = { eventId: require('node:crypto').randomUUID(), certificationId: streamId, type: 'ContractSigned', version: 0, agencyId: 'CNCA-R-2002-001', occurredAt: '2026-01-01T00:00:00+08:00', prevHash: ZERO_HASH, data: { contractNo: `C${n}`, signedAt: '2026-01-01' } };
    const canonical = canonicalBytes(hashed);
    return { ...hashed, streamId: `certification-${streamId}`, regionCode: '320106', canonical, hash: sha256Hex(canonical), contentDigest: sha256Hex(canonical) };
  };
  try {
    const sequentialCount = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < sequentialCount; i += 1) {
      await store.append({ streamId: `certification-seq-${i}`, expectedVersion: -1, events: [newEvent(`seq-${i}`, i)] });
    }
    const sequential = sequentialCount / (Number(process.hrtime.bigint() - t0) / 1e9);
    const concurrentCount = 20000;
    const jobs = Array.from({ length: concurrentCount }, (_, i) => async () => store.append({ streamId: `certification-par-${i}`, expectedVersion: -1, events: [newEvent(`par-${i}`, i)] }));
    const { seconds } = await runJobs(jobs, 64);
    return { sequential, grouped: concurrentCount / seconds };
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run({ log }) {
  log('raw durable append rate (SQLite adapter, fsync on every commit)…');
  const raw = await rawAppendRate();
  log('trivial Express 5 JSON POST baseline…');
  const trivial = await trivialBaseline(20000);
  log('ledger service, intake only (LEDGER_WORKERS=separate): single-event intake and bulk intake…');
  const certs = Number(process.env.BENCH_CERTS ?? 1500);
  const service = await serviceIntake(certs, Number(process.env.BENCH_BULK_CERTS ?? 3000), { LEDGER_WORKERS: 'separate' });
  log('ledger service with its workers in-process (the default): single-event intake…');
  const inProcess = await serviceIntake(Math.round(certs / 2), 0);
  const ratio = service.singleStats.perSecond / trivial.perSecond;
  return {
    title: 'REST intake (SQLite, embedded defaults)',
    description:
      `${CONNECTIONS} keep-alive connections; each certification's 14 events (application to certificate issue) are posted in order, ` +
      `certifications in parallel. Every acknowledged event is committed with synchronous=FULL (fsync'd). Bulk: 1,000 events per request, 2 connections.`,
    rows: [
      { name: 'single-event intake', value: fmt(service.singleStats.perSecond), unit: 'events/s', baseline: `${fmt(trivial.perSecond)} req/s trivial Express POST`, ratio: `${fmt(ratio, 2)}×`, target: '≥ 0.7×' },
      { name: 'server CPU per single-event request', value: fmt(service.singleStats.cpuUsPerRequest), unit: 'µs', baseline: `${fmt(trivial.cpuUsPerRequest)} µs trivial Express POST`, ratio: `${fmt(trivial.cpuUsPerRequest / service.singleStats.cpuUsPerRequest, 2)}× (trivial ÷ intake)` },
      { name: 'single-event latency p50 / p99', value: `${fmt(service.singleStats.p50, 2)} / ${fmt(service.singleStats.p99, 2)}`, unit: 'ms', baseline: `${fmt(trivial.p50, 2)} / ${fmt(trivial.p99, 2)} ms`, ratio: `${fmt(service.singleStats.p99 / trivial.p99, 1)}× (p99)` },
      { name: 'single-event intake, anchorer and projections in the same process', value: fmt(inProcess.singleStats.perSecond), unit: 'events/s', baseline: `${fmt(trivial.perSecond)} req/s trivial Express POST`, ratio: `${fmt(inProcess.singleStats.perSecond / trivial.perSecond, 2)}×` },
      { name: 'events refused in the run', value: String(service.refused + service.bulkRefused + inProcess.refused), unit: '', target: '0' },
      { name: 'bulk intake', value: fmt(service.bulkEventsPerSecond), unit: 'events/s', baseline: `${fmt(raw.grouped)} appends/s raw grouped`, ratio: `${fmt(service.bulkEventsPerSecond / raw.grouped, 2)}×`, target: '≥ 20,000 events/s' },
      { name: 'raw durable append, one commit each', value: fmt(raw.sequential), unit: 'appends/s', baseline: '', ratio: '' },
      { name: 'raw durable append, group commit (64 in flight)', value: fmt(raw.grouped), unit: 'appends/s', baseline: `${fmt(raw.sequential)} one commit each`, ratio: `${fmt(raw.grouped / raw.sequential, 1)}×` },
      { name: 'service peak memory (RSS)', value: fmt(service.rss), unit: 'MiB' },
    ],
    limits: [
      'Single-event intake: Express routing, JSON parsing and pino-http per request, plus reading and folding the stream, protobuf encoding and SHA-256 per event; with group commit the fsync is shared, so CPU on 2 cores (client and server share them) is the limit.',
      'Bulk intake: one transaction per request; validation, rule decisions, encoding and hashing per event are the limit.',
      'Raw append: one fsync per commit sequentially; the group committer shares one fsync among all appends waiting.',
    ],
  };
}

module.exports = { run };
if (require.main === module) run({ log: console.error }).then((r) => console.log(JSON.stringify(r, null, 2)));
