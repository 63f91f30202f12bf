'use strict';
// REST intake of a realistic certification mix over keep-alive connections, beside (a) a trivial
// Express 5 JSON POST handler and (b) the raw durable append rate of the same SQLite adapter.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runJobs, summarize, startServer, stopServer, peakRssMiB, fmt, timed, cpuMs } = require('./lib/load');
const { rawClient } = require('./lib/rawClient');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'ledger-service/dist', p);
const TOKEN = 'demo-agency-001';
// Keep-alive connections (requests in flight) of the single-event sweep; both servers get each count.
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? '32,64,128').split(',').map(Number);
const MAX_CONNECTIONS = Math.max(...CONNECTION_COUNTS);
// Bulk requests in flight: a CB's import may send one request after another or a few at once.
const BULK_CONNECTION_COUNTS = [2, 4];
const BULK_ROUNDS = 3;

function certifications(count, prefix) {
  const { initialCertification } = require(dist('testing/scenario.js'));
  return Array.from({ length: count }, (_, i) =>
    initialCertification({
      certificationId: `${prefix}-${i}`,
      appliedOn: '2025-03-01',
      certificateNo: `B${prefix}${String(i).padStart(7, '0')}`,
    }),
  );
}

// What limits these figures; keep it true for the code (profiles: node --cpu-prof on the service under this load).
const LIMITS = [
  "Single-event intake: the service's event loop, one core: about 112-115 µs of its CPU per event at 128 connections in session 12's fastest hour (per-thread /proc figures; 72 µs in an earlier, faster spell of the machine), busy about 83% of the time, plus about 15-20 µs on V8's helper threads and about 30 µs in the writer thread (inserts, the WAL write and its fsync). Against the trivial handler served alike (58 µs of CPU a request, all threads, in that hour), what remains is the intake's own work: in a profile of the event loop under this load the sealing (validation against the .proto schema, normalization (protobufjs), the rule decision, the canonical encoding, two SHA-256 - hash and content digest - and the fold of the new state) takes about 30% of its busy time, spread over many small functions, the JSON body about 5% (the duplicate-member check under 1%), handing commits to the writer thread and back about 5%, garbage collection about 8%, and the HTTP layer (Node http, Express routing, the request log, auth, writing the answer) about a third. The event loop idles about a sixth of the time while every request in flight waits for the commit that holds it. Even if all of it ran in parallel on both cores, the intake's CPU per event (service and load generator, about 175 µs) would allow about 11,400 events/s, about 0.63× the trivial handler's 18,044 req/s in that hour: 0.7× needs less CPU per event, not only more parallelism. Every request also waits for its group commit (about 20 events a commit, about 1 ms with its fsync), so throughput grows with the requests in flight (rows per count). The load generator (about 25 µs a request) and the writer thread share the second core, and other processes on the machine take from both (load row). Served by app.listen, Express 5 sets the prototype of every request and response, after which the per-request work on them runs far slower (measured, not traced into V8): the same intake then took about 140 µs of event-loop CPU per event, and the trivial handler 122 µs of CPU per request; createHttpServer (ledger-service/src/http/server.ts) gives the server request and response classes born with those prototypes. Tried and not kept: committing each request as soon as it arrives (many small commits, about 50 µs more per event on the event loop), one Express layer for the request log and the principal, and the body read inside the route (no measurable change).",
  "Bulk intake: the event loop, one core. Per thread from /proc (session 14, a slow spell of the machine: about 17,000 events/s): the event loop about 50 µs of CPU per event, busy about 85% of the time, the writer thread about 16.5 µs (inserts into three B-trees: the log, the unique eventId that also refuses a retry, the stream's versions, and the commit), V8's helper threads about 10-13 µs (garbage collection); about 80 µs in all, of 2 cores shared with the load generator. In a profile of the event loop under this load: the sealing (validation against the .proto schema, normalization (protobufjs), the rule decision, the canonical encoding, two SHA-256 - the hash and the content digest of the submission, which are over different bytes - and the fold) about 40% of its time, the JSON of the 1,000-event request about 6% and of its answer about 8% with the socket write, garbage collection about 8%, idle about 15% (every request in flight waiting for its commit: more requests in flight close part of that gap, the rows per count). A 1,000-event commit took about 10-20 ms of writing and a WAL fsync; the writer copies its WAL into the database every 10,000 pages (SQLite's default, 1,000, rewrote the log's index pages and synced the database every few commits, about half of each commit's time). Tried and not kept: a larger V8 young generation (--max-semi-space-size 32 and 64: no change).",
  'Raw append: one fsync per commit sequentially; the group committer shares one fsync among all appends waiting.',
  "As `npm start` runs it (the workers' rows): the workers do about as much per event as the API, measured per thread from /proc at 128 connections: about 94 µs of CPU per event on their thread (upserts in the registry, event log, anchors and supervision read models, each certification's facts for supervision, the anchorer's batches and receipts) beside about 84 µs on the API's event loop, and the two V8 heaps' garbage collection about 45 µs on helper threads. With the workers on the API's own thread (in-process) that work stops its event loop: about 285 µs of its CPU per event, hence the ratio between the two rows and the in-process latency. On the thread they keep up at this rate (caught-up row: the read models hold every event a fraction of a second after the last answer).",
];

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

/**
 * The trivial Express 5 JSON POST handler, served as the service serves its app (`service`) or by
 * app.listen (`listen`): `round(requests, connections)` measures one round.
 */
async function trivialServer(served) {
  const { child, port } = await startServer(path.join(__dirname, 'lib/trivialExpress.js'), {
    BENCH_TRIVIAL_SERVER: served,
  });
  const client = rawClient(port, MAX_CONNECTIONS);
  const body = certifications(1, 'T')[0][0];
  await runJobs(
    Array.from({ length: 500 }, () => async () => client.request('POST', '/echo', body)),
    MAX_CONNECTIONS,
  );
  return {
    async round(requests, connections) {
      const jobs = Array.from({ length: requests }, () => async (_w, record) => {
        const { ms } = await timed(() => client.request('POST', '/echo', body));
        record(ms);
      });
      return measured(child.pid, requests, () => runJobs(jobs, connections));
    },
    async stop() {
      client.close();
      await stopServer(child);
    },
  };
}

/** Runs one round; adds the server's and this load generator's CPU per request to the round's figures. */
async function measured(pid, requests, work) {
  const cpu0 = cpuMs(pid);
  const client0 = process.cpuUsage();
  const { latencies, seconds } = await work();
  const client = process.cpuUsage(client0);
  return {
    latencies,
    seconds,
    requests,
    perSecond: requests / seconds,
    serverCpuMs: cpuMs(pid) - cpu0,
    clientCpuMs: (client.user + client.system) / 1000,
  };
}

/** Rounds of one kind summed: median throughput, CPU per request over all rounds, latency over all rounds. */
function summarizeRounds(rounds) {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const latencies = rounds.flatMap((r) => r.latencies);
  const stats = summarize(latencies, 1, latencies.length);
  return {
    perSecond: median(rounds.map((r) => r.perSecond)),
    p50: stats.p50,
    p99: stats.p99,
    cpuUsPerRequest: (rounds.reduce((sum, r) => sum + r.serverCpuMs, 0) * 1000) / requests,
    clientUsPerRequest: (rounds.reduce((sum, r) => sum + r.clientCpuMs, 0) * 1000) / requests,
  };
}

/** The ledger service on a fresh data directory, warmed up with a certification per connection. */
async function ledgerService(extraEnv = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-intake-'));
  const { child, port } = await startServer(dist('main.js'), {
    PORT: '0',
    LEDGER_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...extraEnv,
  });
  const client = rawClient(port, MAX_CONNECTIONS);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const refusals = new Set();
  let refused = 0;
  let batch = 0;
  const postAll = (certs, record) =>
    certs.map((events) => async (_w, recordMs) => {
      for (const event of events) {
        const { certificationId, ...body } = event;
        const { result, ms } = await timed(() =>
          client.request('POST', `/v1/certifications/${certificationId}/events`, body, auth),
        );
        if (result.status !== 201) {
          refused += 1;
          if (refusals.size < 5) refusals.add(`${result.status} ${result.body.slice(0, 300)}`);
        }
        if (record) recordMs(ms);
      }
    });
  await runJobs(postAll(certifications(MAX_CONNECTIONS, 'W'), false), MAX_CONNECTIONS);
  return {
    child,
    refusals,
    get refused() {
      return refused;
    },
    /** Seconds until the read models have every event (what /readyz says of them), polled every 50 ms. */
    async catchUp() {
      const started = process.hrtime.bigint();
      for (;;) {
        const ready = JSON.parse((await client.request('GET', '/readyz', undefined, {})).body);
        const behind = Number(/(\d+) events behind/.exec(ready.checks?.['read-side']?.detail ?? '')?.[1] ?? NaN);
        if (behind === 0) return Number(process.hrtime.bigint() - started) / 1e9;
        if (Number.isNaN(behind)) throw new Error(`no read-side lag in /readyz: ${JSON.stringify(ready)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** Posts `certCount` whole certifications, event by event, `connections` certifications at a time. */
    async round(certCount, connections) {
      const certs = certifications(certCount, `S${batch++}`);
      return measured(child.pid, certCount * 14, () => runJobs(postAll(certs, true), connections));
    },
    /** Bulk import: whole certifications per request (about 1,000 events), `connections` requests in flight. */
    async bulk(bulkCertCount, connections) {
      const bulkCerts = certifications(bulkCertCount, `K${batch++}`);
      // A certification's events must not be split across requests that run concurrently.
      const certsPerRequest = Math.floor(1000 / 14);
      const flat = bulkCerts.flat();
      // The request bodies are serialized before the clock starts and the answers read after it stops:
      // the raw append rate beside this figure has no client cost either.
      const bodies = [];
      const counts = [];
      for (let i = 0; i < bulkCerts.length; i += certsPerRequest) {
        const events = bulkCerts.slice(i, i + certsPerRequest).flat();
        bodies.push(JSON.stringify({ events }));
        counts.push(events.length);
      }
      const answers = new Array(bodies.length);
      const pid = child.pid;
      const cpu0 = cpuMs(pid);
      const client0 = process.cpuUsage();
      const { seconds } = await runJobs(
        bodies.map((body, i) => async () => {
          answers[i] = (await client.request('POST', '/v1/events', body, auth)).body;
        }),
        connections,
      );
      const clientCpu = process.cpuUsage(client0);
      const serverCpuMs = cpuMs(pid) - cpu0;
      let bulkRefused = 0;
      answers.forEach((answer, i) => {
        const parsed = JSON.parse(answer);
        bulkRefused += parsed.refused ?? counts[i];
        for (const r of parsed.results ?? [])
          if (r.status >= 300 && refusals.size < 10)
            refusals.add(`bulk ${r.status} ${JSON.stringify(r.problem).slice(0, 300)}`);
      });
      return {
        connections,
        perSecond: flat.length / seconds,
        refused: bulkRefused,
        serverUsPerEvent: (serverCpuMs * 1000) / flat.length,
        clientUsPerEvent: (clientCpu.user + clientCpu.system) / flat.length,
      };
    },
    async stop() {
      client.close();
      await stopServer(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function rawAppendRate() {
  const { openSqliteEventStore } = require(dist('eventStore/sqlite/sqliteEventStore.js'));
  const { canonicalBytes, sha256Hex, ZERO_HASH } = require(dist('events/canonical.js'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-append-'));
  const store = openSqliteEventStore({ directory: dataDir });
  const newEvent = (streamId, n) => {
    const hashed = {
      eventId: require('node:crypto').randomUUID(),
      certificationId: streamId,
      type: 'ContractSigned',
      version: 0,
      agencyId: 'CNCA-R-2002-001',
      occurredAt: '2026-01-01T00:00:00+08:00',
      prevHash: ZERO_HASH,
      data: { contractNo: `C${n}`, signedAt: '2026-01-01' },
    };
    const canonical = canonicalBytes(hashed);
    return {
      ...hashed,
      streamId: `certification-${streamId}`,
      regionCode: '320106',
      canonical,
      hash: sha256Hex(canonical),
      contentDigest: sha256Hex(canonical),
    };
  };
  try {
    const sequentialCount = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < sequentialCount; i += 1) {
      await store.append({
        streamId: `certification-seq-${i}`,
        expectedVersion: -1,
        events: [newEvent(`seq-${i}`, i)],
      });
    }
    const sequential = sequentialCount / (Number(process.hrtime.bigint() - t0) / 1e9);
    const concurrentCount = 20000;
    const jobs = Array.from(
      { length: concurrentCount },
      (_, i) => async () =>
        store.append({ streamId: `certification-par-${i}`, expectedVersion: -1, events: [newEvent(`par-${i}`, i)] }),
    );
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
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  // Enough certifications a round that every connection posts several whole certifications.
  const certsPerRound = (connections) => Math.max(Number(process.env.BENCH_CERTS ?? 1500) / rounds, connections * 6);
  const loadBefore = os.loadavg()[0];
  log(
    `single-event intake (LEDGER_WORKERS=separate) and the trivial Express 5 handler, ${rounds} alternating rounds at ${CONNECTION_COUNTS.join(', ')} connections…`,
  );
  const trivialHandler = await trivialServer('service');
  const listenedHandler = await trivialServer('listen');
  const service = await ledgerService({ LEDGER_WORKERS: 'separate' });
  const sweep = [];
  try {
    for (const connections of CONNECTION_COUNTS) {
      const trivialRounds = [];
      const listenedRounds = [];
      const intakeRounds = [];
      const certs = certsPerRound(connections);
      for (let r = 0; r < rounds; r += 1) {
        trivialRounds.push(await trivialHandler.round(Math.round(certs * 14), connections));
        intakeRounds.push(await service.round(certs, connections));
        listenedRounds.push(await listenedHandler.round(Math.round(certs * 14), connections));
      }
      sweep.push({
        connections,
        trivial: summarizeRounds(trivialRounds),
        listened: summarizeRounds(listenedRounds),
        single: summarizeRounds(intakeRounds),
      });
    }
  } finally {
    await trivialHandler.stop();
    await listenedHandler.stop();
  }
  const bestOf = (pick) => sweep.reduce((best, point) => (pick(point) > pick(best) ? point : best));
  const intakeBest = bestOf((point) => point.single.perSecond);
  const trivialBest = bestOf((point) => point.trivial.perSecond);
  const listenedBest = bestOf((point) => point.listened.perSecond);
  // CPU and latency compare the servers at the same connection count: the intake's best.
  const { single, trivial, listened } = intakeBest;
  log('bulk intake…');
  const rss = peakRssMiB(service.child.pid);
  await service.stop();
  // Bulk on a service of its own, as a CB's import would find it: the sweep's hundred thousand events
  // and cached streams are not its to carry.
  const bulkService = await ledgerService({ LEDGER_WORKERS: 'separate' });
  const bulkRounds = [];
  // Each round in the other order: the log grows with every round, and neither count should always meet the larger.
  for (let round = 0; round < BULK_ROUNDS; round++)
    for (const connections of round % 2 ? [...BULK_CONNECTION_COUNTS].reverse() : BULK_CONNECTION_COUNTS)
      bulkRounds.push(await bulkService.bulk(Number(process.env.BENCH_BULK_CERTS ?? 3000), connections));
  await bulkService.stop();
  const bulkAt = BULK_CONNECTION_COUNTS.map((connections) => {
    const rounds = bulkRounds.filter((r) => r.connections === connections);
    const middle = median(rounds.map((r) => r.perSecond));
    return { ...rounds.find((r) => r.perSecond === middle), rounds };
  });
  const bulk = bulkAt.reduce((best, point) => (point.perSecond > best.perSecond ? point : best));
  // The service as `npm start` runs it: its workers (anchorer, projections, supervision) on a thread
  // of its own, then on the API's thread; each catching up after the round is timed too.
  const withWorkers = async (mode) => {
    log(`ledger service with its workers (LEDGER_WORKERS=${mode}): single-event intake…`);
    const running = await ledgerService({ LEDGER_WORKERS: mode });
    const summary = summarizeRounds([
      await running.round(Math.round(certsPerRound(intakeBest.connections) * 2), intakeBest.connections),
    ]);
    const catchUpSeconds = await running.catchUp();
    await running.stop();
    return { running, summary, catchUpSeconds };
  };
  const threaded = await withWorkers('thread');
  const inProcess = await withWorkers('in-process');
  const inProcessService = inProcess.running;
  const loadAfter = os.loadavg()[0];
  for (const refusal of [
    ...service.refusals,
    ...bulkService.refusals,
    ...threaded.running.refusals,
    ...inProcessService.refusals,
  ])
    console.error(`   refused: ${refusal}`);
  const ratio = intakeBest.single.perSecond / trivialBest.trivial.perSecond;
  return {
    title: 'REST intake (SQLite, embedded defaults)',
    description:
      `Each certification's 14 events (application to certificate issue) are posted in order over keep-alive connections, one certification per connection at a time, ` +
      `certifications in parallel. Every acknowledged event is committed with synchronous=FULL (fsync'd). The baseline is the trivial handler served the way the service serves its app ` +
      `(createHttpServer: requests born with Express's prototypes, which Express 5 would otherwise set on every request, at a cost that took 60% of the trivial handler's CPU); ` +
      `the same handler served by app.listen, as Express's guide and the issue's figure have it, is given beside it. All three are measured at ` +
      `${CONNECTION_COUNTS.join(', ')} connections (requests in flight), in ${rounds} alternating rounds at each count, started side by side; ` +
      `each count's throughput is its median round. A server's throughput is its best over the counts: all gain from more requests in flight, the intake more, as ` +
      `every intake request waits for a group commit's fsync and its event loop idles while all of them wait (the rows per count show each). ` +
      `CPU and latency compare the servers at the intake's best count, over all its rounds (the machine is shared, see the load row). The load generator is a lean keep-alive HTTP/1.1 client ` +
      `(bench/lib/rawClient.js), the same for all: Node's http client spent 75-110 µs of CPU per request on the 2 cores the servers need. ` +
      `Bulk, on a service of its own: 1,000 events per request (whole certifications), ${BULK_CONNECTION_COUNTS.join(' and ')} requests in flight (connections) in ${BULK_ROUNDS} alternating rounds of ${fmt(Number(process.env.BENCH_BULK_CERTS ?? 3000) * 14)} events, each count's figure its median round, the headline the better count; the request bodies are serialized before the clock starts and the answers parsed after it stops, as the raw append rate has no client cost either.`,
    rows: [
      {
        name: `single-event intake (intake at ${intakeBest.connections} connections, trivial handler at ${trivialBest.connections}: each at its best)`,
        value: fmt(intakeBest.single.perSecond),
        unit: 'events/s',
        baseline: `${fmt(trivialBest.trivial.perSecond)} req/s trivial Express POST, served alike`,
        ratio: `${fmt(ratio, 2)}×`,
        target: '≥ 0.7×',
      },
      {
        name: `the same against the trivial handler served by app.listen (at its best, ${listenedBest.connections} connections)`,
        value: fmt(intakeBest.single.perSecond),
        unit: 'events/s',
        baseline: `${fmt(listenedBest.listened.perSecond)} req/s trivial Express POST, app.listen`,
        ratio: `${fmt(intakeBest.single.perSecond / listenedBest.listened.perSecond, 2)}×`,
      },
      ...sweep.map((point) => ({
        name: `single-event intake at ${point.connections} connections`,
        value: fmt(point.single.perSecond),
        unit: 'events/s',
        baseline: `${fmt(point.trivial.perSecond)} req/s trivial served alike · ${fmt(point.listened.perSecond)} req/s by app.listen`,
        ratio: `${fmt(point.single.perSecond / point.trivial.perSecond, 2)}× · ${fmt(point.single.perSecond / point.listened.perSecond, 2)}×`,
      })),
      {
        name: `server CPU per single-event request (all threads, ${intakeBest.connections} connections)`,
        value: fmt(single.cpuUsPerRequest),
        unit: 'µs',
        baseline: `${fmt(trivial.cpuUsPerRequest)} µs trivial served alike · ${fmt(listened.cpuUsPerRequest)} µs by app.listen`,
        ratio: `${fmt(trivial.cpuUsPerRequest / single.cpuUsPerRequest, 2)}× (trivial ÷ intake)`,
      },
      {
        name: 'load generator CPU per request',
        value: fmt(single.clientUsPerRequest),
        unit: 'µs',
        baseline: `${fmt(trivial.clientUsPerRequest)} µs against the trivial handler`,
      },
      {
        name: `single-event latency p50 / p99 (${intakeBest.connections} connections)`,
        value: `${fmt(single.p50, 2)} / ${fmt(single.p99, 2)}`,
        unit: 'ms',
        baseline: `${fmt(trivial.p50, 2)} / ${fmt(trivial.p99, 2)} ms`,
        ratio: `${fmt(single.p99 / trivial.p99, 1)}× (p99)`,
      },
      {
        name: `single-event intake as \`npm start\` runs it: workers (anchorer, projections, supervision) on a thread of the service (${intakeBest.connections} connections)`,
        value: fmt(threaded.summary.perSecond),
        unit: 'events/s',
        baseline: `${fmt(inProcess.summary.perSecond)} events/s with the workers on the API's own thread (LEDGER_WORKERS=in-process) · ${fmt(trivial.perSecond)} req/s trivial served alike`,
        ratio: `${fmt(threaded.summary.perSecond / inProcess.summary.perSecond, 2)}× · ${fmt(threaded.summary.perSecond / trivial.perSecond, 2)}×`,
      },
      {
        name: 'the same: read models caught up after the last answer (workers on a thread / on the API thread)',
        value: `${fmt(threaded.catchUpSeconds, 2)} / ${fmt(inProcess.catchUpSeconds, 2)}`,
        unit: 's',
      },
      {
        name: 'the same: latency p50 / p99 (workers on a thread / on the API thread)',
        value: `${fmt(threaded.summary.p50, 2)} / ${fmt(threaded.summary.p99, 2)} · ${fmt(inProcess.summary.p50, 2)} / ${fmt(inProcess.summary.p99, 2)}`,
        unit: 'ms',
      },
      {
        name: 'events refused in the run',
        value: String(
          service.refused +
            bulkService.refused +
            bulkRounds.reduce((sum, r) => sum + r.refused, 0) +
            threaded.running.refused +
            inProcessService.refused,
        ),
        unit: '',
        target: '0',
      },
      {
        name: `bulk intake (at its best, ${bulk.connections} requests in flight)`,
        value: fmt(bulk.perSecond),
        unit: 'events/s',
        baseline: `${fmt(raw.grouped)} appends/s raw grouped`,
        ratio: `${fmt(bulk.perSecond / raw.grouped, 2)}×`,
        target: '≥ 20,000 events/s',
      },
      ...bulkAt.map((point) => ({
        name: `bulk intake, ${point.connections} requests in flight (median of ${point.rounds.length} rounds)`,
        value: fmt(point.perSecond),
        unit: 'events/s',
        baseline: `rounds ${point.rounds.map((r) => fmt(r.perSecond)).join(', ')}`,
        ratio: '',
      })),
      {
        name: 'server CPU per bulk event (all threads)',
        value: fmt(bulk.serverUsPerEvent, 1),
        unit: 'µs',
        baseline: `${fmt(bulk.clientUsPerEvent, 1)} µs load generator (sending, reading the answer)`,
      },
      {
        name: 'raw durable append, one commit each',
        value: fmt(raw.sequential),
        unit: 'appends/s',
        baseline: '',
        ratio: '',
      },
      {
        name: 'raw durable append, group commit (64 in flight)',
        value: fmt(raw.grouped),
        unit: 'appends/s',
        baseline: `${fmt(raw.sequential)} one commit each`,
        ratio: `${fmt(raw.grouped / raw.sequential, 1)}×`,
      },
      { name: 'service peak memory (RSS)', value: fmt(rss), unit: 'MiB' },
      {
        name: 'machine load average (1 min) at start / end',
        value: `${fmt(loadBefore, 1)} / ${fmt(loadAfter, 1)}`,
        unit: `on ${os.cpus().length} cores`,
      },
    ],
    limits: LIMITS,
  };
}

module.exports = { run };
if (require.main === module) run({ log: console.error }).then((r) => console.log(JSON.stringify(r, null, 2)));
