'use strict';
// Read side: 1,000,000 certificates in the registry read model (SQLite). Lookups/s of
// GET /v1/certificates/{no} beside a trivial Express GET handler measured in the same run, p99 at
// half that rate (open loop), rebuild speed, and time from append to visible in the registry.
// `node bench/readside.js serve <read-store-file>` is the lookup server this module starts.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createHash, randomUUID } = require('node:crypto');
const { execFile, spawnSync } = require('node:child_process');
const { promisify } = require('node:util');
const { gcProbe } = require('./lib/gcProbe');
const { rawClient } = require('./lib/rawClient');
const { clustered } = require('./lib/clustered');
const { goLoad, goLoadgen, startCpuProbe } = require('./lib/goLoad');
const {
  request,
  runJobs,
  summarize,
  startServer,
  stopServer,
  fmt,
  newAgent,
  timed,
  percentile,
  cpuMs,
  storageReadBytes,
} = require('./lib/load');

const root = path.resolve(__dirname, '..');
const projectionsDist = () => require(path.join(root, 'projections/dist'));
const serviceDist = (p) => require(path.join(root, 'ledger-service/dist', p));
const CERTIFICATES = Number(process.env.BENCH_READ_CERTIFICATES ?? 1_000_000);
const CONNECTIONS = 32;
const LOOKUPS = Number(process.env.BENCH_READ_LOOKUPS ?? 500_000);
const OPEN_ROUNDS = 5;
// The lookups are measured again with each server on this many processes (LEDGER_API_PROCESSES).
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? os.cpus().length);
/** Room for every certificate's answer (about 3 KB each as the cache counts them). */
const ANSWER_CACHE_MB = Number(
  process.env.BENCH_ANSWER_CACHE_MB ?? Math.max(64, Math.ceil((CERTIFICATES * 4096) / 2 ** 20)),
);
const AGENCIES = ['CNCA-R-2002-001', 'CNCA-R-2003-002', 'CNCA-R-2010-015', 'CNCA-RF-2012-003'];
const silent = () => require('pino')({ level: 'silent' });

const certificateNo = (i) => `BQ${String(i).padStart(8, '0')}`;

/** 2 events per certificate (application, issue) and a suspension for every 20th: generated on demand, never held in memory. */
function syntheticFeed(certificates) {
  const issued = certificates * 2;
  const suspensions = Math.floor(certificates / 20);
  const total = issued + suspensions;
  const base = (p, i, version) => ({
    position: p,
    eventId: `00000000-0000-4000-8000-${String(p).padStart(12, '0')}`,
    streamId: `certification-C${i}`,
    certificationId: `C${i}`,
    agencyId: AGENCIES[i % AGENCIES.length],
    regionCode: `32${String(1 + (i % 13)).padStart(2, '0')}06`,
    recordedAt: '2025-06-01T00:00:00.000Z',
    hash: 'a'.repeat(64),
    prevHash: version === 0 ? '0'.repeat(64) : 'a'.repeat(64),
    version,
  });
  const make = (p) => {
    if (p > issued) {
      const i = (p - issued - 1) * 20;
      return {
        ...base(p, i, 2),
        type: 'CertificateSuspended',
        occurredAt: '2025-09-01T10:00:00+08:00',
        data: { reason: 'surveillance overdue', until: '2026-03-01' },
      };
    }
    const i = Math.floor((p - 1) / 2);
    if ((p - 1) % 2 === 0) {
      return {
        ...base(p, i, 0),
        type: 'ApplicationSubmitted',
        occurredAt: '2025-01-10T10:00:00+08:00',
        data: {
          client: {
            name: `示例企业${i}有限公司`,
            creditCode: `91320${String(i).padStart(12, '0')}X`,
            regionCode: '320106',
            address: 'x',
            employees: 50,
          },
          scheme: 'QMS',
          standard: 'ISO 9001:2015',
          scope: '电子元器件的设计和生产',
          sectors: [19],
        },
      };
    }
    return {
      ...base(p, i, 1),
      type: 'CertificateIssued',
      occurredAt: '2025-03-01T10:00:00+08:00',
      data: {
        certificateNo: certificateNo(i),
        issuedAt: '2025-03-01',
        validUntil: '2028-02-28',
        scope: '电子元器件的设计和生产',
        sectors: [19],
      },
    };
  };
  return {
    total,
    readAll: async (after, limit) => {
      const out = [];
      for (let p = after + 1; p <= Math.min(total, after + limit); p += 1) out.push(make(p));
      return out;
    },
    waitForAppend: async () => undefined,
    headPosition: async () => total,
  };
}

const BATCH = 500;

/**
 * The anchor feed over the synthetic log: every event committed in batches of 500 consecutive
 * events, and for each event its receipt built by the service's own receipt function (receiptFrom,
 * what GET /v1/events/{id}/receipt serves) from real protobuf canonical bytes and the batch's real
 * RFC 6962 tree. Only certificate events (the proofs the registry needs) get real bytes; the others
 * keep the synthetic feed's placeholder hash as their leaf.
 */
function syntheticAnchorFeed(feed) {
  const { canonicalBytes, sha256Hex } = serviceDist('events/canonical.js');
  const { receiptFrom } = serviceDist('anchoring/receipts.js');
  const { merkleRootOfHexLeaves } = require(path.join(root, 'chaincode/dist'));
  const stored = (event) => {
    if (!event.type.startsWith('Certificate')) return { ...event, canonical: new Uint8Array(0) };
    const { eventId, certificationId, type, version, agencyId, occurredAt, prevHash, data } = event;
    const canonical = canonicalBytes({ eventId, certificationId, type, version, agencyId, occurredAt, prevHash, data });
    return { ...event, canonical, hash: sha256Hex(canonical) };
  };
  let current;
  const batchOf = async (position) => {
    const start = Math.floor((position - 1) / BATCH) * BATCH;
    if (current?.start === start) return current;
    const events = (await feed.readAll(start, BATCH)).map(stored);
    const digests = events.map((e) => ({
      eventId: e.eventId,
      streamId: e.streamId,
      version: e.version,
      type: e.type,
      hash: e.hash,
      prevHash: e.prevHash,
      occurredAt: e.occurredAt,
    }));
    const batchId = createHash('sha256')
      .update(digests.map((d) => d.hash).join(''))
      .digest('hex');
    const batch = {
      batchId,
      agencyId: AGENCIES[0],
      root: merkleRootOfHexLeaves(digests.map((d) => d.hash)),
      events: digests,
    };
    const commit = {
      batchId,
      root: batch.root,
      backend: 'embedded',
      channel: 'certledger',
      chaincode: 'certledger',
      transactionId: batchId.slice(0, 64),
      blockNumber: 1 + start / BATCH,
      replayed: false,
    };
    current = {
      start,
      events,
      stored: {
        batch,
        positions: events.map((e) => e.position),
        oldestRecordedAt: events[0].recordedAt,
        seq: 1 + start / BATCH,
        status: 'committed',
        plannedAt: '2025-06-01T00:00:01.000Z',
        commit,
      },
    };
    return current;
  };
  return {
    readCommits: async (after, limit) => {
      const notices = [];
      for (let p = after + 1; p <= Math.min(feed.total, after + limit); p += 1) {
        const { start, events, stored: found } = await batchOf(p);
        const event = events[p - 1 - start];
        const anchor = { eventId: event.eventId, batchId: found.batch.batchId, leafIndex: p - 1 - start, position: p };
        let receipt;
        notices.push({
          seq: p,
          batchId: found.batch.batchId,
          eventIds: [event.eventId],
          backend: 'embedded',
          channel: 'certledger',
          chaincode: 'certledger',
          transactionId: found.commit.transactionId,
          blockNumber: found.commit.blockNumber,
          committedAt: found.plannedAt,
          eventType: event.type,
          certificationId: event.certificationId,
          get receipt() {
            receipt ??= receiptFrom(event, { anchor, batch: found });
            return receipt;
          },
        });
      }
      return notices;
    },
    waitForCommit: async () => undefined,
    headSeq: async () => feed.total,
  };
}

async function buildRegistry(file, log) {
  const P = projectionsDist();
  const feed = syntheticFeed(CERTIFICATES);
  const store = P.createSqliteReadStore({ file });
  const runner = P.createProjectionRunner({
    store,
    events: feed,
    anchors: syntheticAnchorFeed(feed),
    models: [P.registryModel, P.anchorsModel],
    logger: silent(),
  });
  const started = process.hrtime.bigint();
  let last = 0;
  const applied = await runner.rebuild('registry', ({ position }) => {
    if (position - last >= 500_000) {
      last = position;
      log(`registry rebuild at ${fmt(position)} / ${fmt(feed.total)}`);
    }
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  log('anchors read model: settled receipts of the certificate events');
  const anchorsStarted = process.hrtime.bigint();
  const anchored = await runner.rebuild('anchors');
  const anchorsSeconds = Number(process.hrtime.bigint() - anchorsStarted) / 1e9;
  const rows = await store.get('SELECT COUNT(*) AS n FROM reg_certificates');
  const receipts = await store.get('SELECT COUNT(*) AS n FROM anc_receipts');
  await store.close();
  return { applied, seconds, certificates: Number(rows.n), anchored, anchorsSeconds, receipts: Number(receipts.n) };
}

/** NewEvents with real canonical bytes and hashes, as the intake makes them. */
function realEvents(certificationId, i, agencyId, specs) {
  const { canonicalBytes, sha256Hex, ZERO_HASH } = serviceDist('events/canonical.js');
  let prevHash = ZERO_HASH;
  return specs.map(([type, occurredAt, data], version) => {
    const envelope = { eventId: randomUUID(), certificationId, type, version, agencyId, occurredAt, prevHash, data };
    const canonical = canonicalBytes(envelope);
    const hash = sha256Hex(canonical);
    prevHash = hash;
    return {
      eventId: envelope.eventId,
      streamId: `certification-${certificationId}`,
      certificationId,
      type,
      version,
      agencyId,
      regionCode: '320106',
      occurredAt,
      canonical,
      hash,
      prevHash: envelope.prevHash,
      contentDigest: createHash('sha256').update(hash).digest('hex'),
    };
  });
}

function issueSpecs(i) {
  return [
    [
      'ApplicationSubmitted',
      '2025-01-10T10:00:00+08:00',
      {
        client: {
          name: `示例企业${i}有限公司`,
          creditCode: `91320${String(i).padStart(12, '0')}X`,
          regionCode: '320106',
          address: '江苏省南京市鼓楼区示例路1号',
          employees: 50,
          sites: [],
        },
        scheme: 'QMS',
        standard: 'ISO 9001:2015',
        scope: '电子元器件的设计和生产',
        sectors: [19],
        managementSystem: {
          operatingSince: '2024-01-01',
          lastInternalAudit: '2024-11-01',
          lastManagementReview: '2024-12-01',
        },
      },
    ],
    ['ApplicationReviewed', '2025-01-13T10:00:00+08:00', { outcome: 'accepted', reason: 'ok', requiredAuditDays: 5 }],
    [
      'CertificationDecided',
      '2025-02-25T10:00:00+08:00',
      { auditId: 'A2', decision: 'grant', decisionMaker: { personId: 'DM-1', name: '赵决定' } },
    ],
    [
      'CertificateIssued',
      '2025-03-01T10:00:00+08:00',
      {
        certificateNo: `R${String(i).padStart(9, '0')}`,
        issuedAt: '2025-03-01',
        validUntil: '2028-02-28',
        scope: '电子元器件的设计和生产',
        sectors: [19],
      },
    ],
  ];
}

/** A real SQLite event store with `certifications` × 4 events; projections rebuilt from it (decode + registry + event log). */
async function rebuildFromEventStore(dir, certifications, log) {
  const { openSqliteEventStore } = serviceDist('eventStore/index.js');
  const { eventFeedOf } = serviceDist('http/read/wiring.js');
  const P = projectionsDist();
  const store = openSqliteEventStore({ directory: path.join(dir, 'events') });
  const requests = Array.from({ length: certifications }, (_, i) => {
    const events = realEvents(`R-${i}`, i, AGENCIES[i % AGENCIES.length], issueSpecs(i));
    return { streamId: events[0].streamId, expectedVersion: -1, events };
  });
  for (let i = 0; i < requests.length; i += 500) await store.appendEach(requests.slice(i, i + 500));
  const head = await store.headPosition();
  log(`event store: ${fmt(head)} events`);
  const readStore = P.createSqliteReadStore({ file: path.join(dir, 'rebuild.sqlite') });
  const runner = P.createProjectionRunner({
    store: readStore,
    events: eventFeedOf(store),
    models: [P.registryModel, P.eventLogModel],
    logger: silent(),
  });
  const t0 = process.hrtime.bigint();
  const registry = await runner.rebuild('registry');
  const t1 = process.hrtime.bigint();
  const eventlog = await runner.rebuild('eventlog');
  const t2 = process.hrtime.bigint();
  await readStore.close();
  return {
    store,
    registry: registry / (Number(t1 - t0) / 1e9),
    eventlog: eventlog / (Number(t2 - t1) / 1e9),
    events: head,
  };
}

/** Appends a new certification and waits until the registry answers for it, many times. */
async function appendToVisible(dir, store, samples) {
  const { eventFeedOf } = serviceDist('http/read/wiring.js');
  const P = projectionsDist();
  const readStore = P.createSqliteReadStore({ file: path.join(dir, 'follow.sqlite') });
  const projections = P.createProjections({
    events: eventFeedOf(store),
    store: readStore,
    agencies: new Map(),
    logger: silent(),
  });
  await projections.runner.catchUp();
  await projections.runner.start();
  const latencies = [];
  try {
    for (let n = 0; n < samples; n += 1) {
      const i = 10_000_000 + n;
      const events = realEvents(`V-${i}`, i, AGENCIES[0], issueSpecs(i));
      const no = `R${String(i).padStart(9, '0')}`;
      const t0 = process.hrtime.bigint();
      await store.append({ streamId: events[0].streamId, expectedVersion: -1, events });
      for (;;) {
        if (await projections.queries.certificate(no)) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    await projections.close();
    await readStore.close();
  }
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples };
}

/**
 * Freshness through the service as `npm start` runs it (workers on their thread): for each of
 * `samples` certifications, from the 201 of its CertificateIssued to the first lookup that finds the
 * certificate, and from the 201 of a suspension to the first lookup that says suspended. Lookups
 * follow one another on one keep-alive connection.
 */
async function visibleThroughService(samples, apiProcesses = 1) {
  const { initialCertification } = serviceDist('testing/scenario.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-visible-'));
  const { child, port } = await startServer(
    path.join(root, 'ledger-service/dist/main.js'),
    { PORT: '0', LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'info', LEDGER_API_PROCESSES: String(apiProcesses) },
    [],
    // On several, the first process says so once every API process listens.
    apiProcesses > 1 ? /"port":(\d+),"apiProcesses":\d+,"msg":"listening"/ : undefined,
  );
  // On several API processes, the primary hands the writer's connection and the reader's to two
  // different ones (in turn), so that what one takes in must reach the other's answers.
  const writer = rawClient(port, 1);
  const client = rawClient(port, 1);
  const auth = { authorization: 'Bearer demo-agency-001' };
  const post = async (event) => {
    const { certificationId, ...body } = event;
    const answer = await writer.request('POST', `/v1/certifications/${certificationId}/events`, body, auth);
    if (answer.status !== 201) throw new Error(`${event.type}: ${answer.status} ${answer.body.slice(0, 300)}`);
    return process.hrtime.bigint();
  };
  const msUntil = async (since, certificateNo, seen) => {
    for (;;) {
      const answer = await client.request('GET', `/v1/certificates/${certificateNo}`);
      if (answer.status === 200 && seen(JSON.parse(answer.body))) return Number(process.hrtime.bigint() - since) / 1e6;
    }
  };
  // Degraded (200) until the workers run: wait for every check to pass.
  const isReady = (answer) => answer.status === 200 && JSON.parse(answer.body).status === 'ready';
  const issued = [];
  const suspended = [];
  try {
    // Its workers' thread starts after the API listens; so may a second API process.
    for (const each of [writer, client])
      while (!isReady(await each.request('GET', '/readyz'))) await new Promise((r) => setTimeout(r, 50));
    for (let n = 0; n < samples; n += 1) {
      const certificateNo = `VIS${String(n).padStart(7, '0')}`;
      const events = initialCertification({ certificationId: `VIS-${n}`, appliedOn: '2025-03-01', certificateNo });
      for (const event of events.slice(0, -1)) await post(event);
      issued.push(await msUntil(await post(events.at(-1)), certificateNo, () => true));
      const suspension = {
        certificationId: `VIS-${n}`,
        eventId: randomUUID(),
        type: 'CertificateSuspended',
        occurredAt: '2025-09-01T10:00:00+08:00',
        data: { reason: '未按期接受监督审核', until: '2025-12-01' },
      };
      suspended.push(await msUntil(await post(suspension), certificateNo, (body) => body.status === 'suspended'));
    }
  } finally {
    writer.close();
    client.close();
    await stopServer(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const summary = (values) => {
    const sorted = Float64Array.from(values).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  return { issued: summary(issued), suspended: summary(suspended), samples };
}

/** The share of the files' bytes in the OS page cache (util-linux's fincore), or undefined without fincore. */
function pageCacheShare(files) {
  let resident = 0;
  let size = 0;
  for (const file of files) {
    const out = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES,SIZE', file], { encoding: 'utf8' });
    if (out.status !== 0) return undefined;
    const [res, bytes] = out.stdout.trim().split(/\s+/).map(Number);
    resident += res;
    size += bytes;
  }
  return size > 0 ? resident / size : undefined;
}

/** Reads the files through once, so that the OS page cache holds them, as a server with the memory for them keeps them. */
function readIntoPageCache(files) {
  const buffer = Buffer.allocUnsafe(8 << 20);
  for (const file of files) {
    const fd = fs.openSync(file, 'r');
    try {
      while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

const percentOf = (share) => (share === undefined ? 'not measured (no fincore)' : `${(share * 100).toFixed(0)}%`);

/** Closed loop from the Go generator when the machine can build it, else from the Node client. */
async function closedLoop(port, pathOf, count, offset = 0, pid = undefined) {
  if (!goLoadgen()) return closedLoopNode(port, pathOf, count, offset, pid);
  const paths = Array.from({ length: count }, (_, k) => pathOf(offset + k * 7919));
  await goLoad(port, paths.slice(0, 1000), { count: 1000, connections: CONNECTIONS });
  const cpu0 = pid ? cpuMs(pid) : 0;
  const read0 = pid ? storageReadBytes(pid) : 0;
  const result = await goLoad(port, paths, { count, connections: CONNECTIONS });
  return {
    perSecond: count / result.seconds,
    p50: result.p50,
    p99: result.p99,
    count,
    seconds: result.seconds,
    failures: result.failures,
    cpuUsPerRequest: pid ? ((cpuMs(pid) - cpu0) * 1000) / count : NaN,
    readKiBPerRequest: pid ? (storageReadBytes(pid) - read0) / 1024 / count : NaN,
    bodyBytes: result.bodyBytes,
    clientCpuUsPerRequest: result.cpuUsPerRequest,
  };
}

async function closedLoopNode(port, pathOf, count, offset = 0, pid = undefined) {
  const client = rawClient(port, CONNECTIONS);
  await runJobs(
    Array.from({ length: 1000 }, (_, k) => async () => client.request('GET', pathOf(offset + k))),
    CONNECTIONS,
  );
  let failures = 0;
  let bytes = 0;
  const cpu0 = pid ? cpuMs(pid) : 0;
  const read0 = pid ? storageReadBytes(pid) : 0;
  const jobs = Array.from({ length: count }, (_, k) => async (_w, record) => {
    const { result, ms } = await timed(() => client.request('GET', pathOf(offset + k * 7919)));
    if (result.status !== 200) failures += 1;
    bytes += Buffer.byteLength(result.body);
    record(ms);
  });
  const { latencies, seconds } = await runJobs(jobs, CONNECTIONS);
  const cpuUsPerRequest = pid ? ((cpuMs(pid) - cpu0) * 1000) / count : NaN;
  const readKiBPerRequest = pid ? (storageReadBytes(pid) - read0) / 1024 / count : NaN;
  client.close();
  return {
    ...summarize(latencies, seconds, count),
    failures,
    cpuUsPerRequest,
    readKiBPerRequest,
    bodyBytes: bytes / count,
  };
}

/** Open loop: requests start on a fixed schedule; latency counts from the scheduled start (no coordinated omission). */
async function openLoop(port, pathOf, rate, seconds) {
  // Up to 256 requests in flight; a request due while all are busy waits in the client, and its
  // latency still counts from when it was due.
  const client = rawClient(port, 256);
  // Connections opened before the clock starts, so that no scheduled request waits for a handshake.
  await Promise.all(Array.from({ length: 64 }, (_, k) => client.request('GET', pathOf(k * 7))));
  const total = Math.floor(rate * seconds);
  const latencies = [];
  const lateness = [];
  let failures = 0;
  const start = process.hrtime.bigint();
  const pending = [];
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      const due = Math.min(total, Math.floor((elapsedMs / 1000) * rate));
      while (sent < due) {
        const scheduled = start + BigInt(Math.round((sent / rate) * 1e9));
        // How late the load generator itself starts the request: its share of the latency.
        lateness.push(Number(process.hrtime.bigint() - scheduled) / 1e6);
        const k = sent;
        sent += 1;
        pending.push(
          client.request('GET', pathOf(k * 104729)).then((result) => {
            if (result.status !== 200) failures += 1;
            latencies.push(Number(process.hrtime.bigint() - scheduled) / 1e6);
          }),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  client.close();
  const sorted = Float64Array.from(latencies).sort();
  const late = Float64Array.from(lateness).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lateP50: percentile(late, 50),
    lateP99: percentile(late, 99),
    count: total,
    failures,
  };
}

/**
 * Formats rounds' CPU speeds (the probe's work time in each, from openLoopInChild) relative to the
 * fastest of `all`: 1.00 is that round; `.fastest` is its work time in µs.
 */
function speedsAgainstFastest(all) {
  const fastest = Math.min(...all.map((r) => r.probeWorkUs));
  const speeds = (list) => list.map((r) => (fastest / r.probeWorkUs).toFixed(2)).join(', ');
  speeds.fastest = fastest;
  return speeds;
}

/** The share of a round's requests that fell due while every connection waited for an answer. */
const queuedShare = (round) =>
  round.queued === undefined ? 'n/a' : `${((100 * round.queued) / round.count).toFixed(1)}%`;

/** Every latency of the rounds in one sorted array, or undefined when the generator gave none. */
function pooledLatencies(rounds) {
  if (rounds.some((round) => !round.latencies)) return undefined;
  const all = new Float64Array(rounds.reduce((n, round) => n + round.latencies.length, 0));
  let at = 0;
  for (const round of rounds) {
    all.set(round.latencies, at);
    at += round.latencies.length;
  }
  return all.sort();
}

const OPEN_LOOP_PATHS = {
  lookup: (k) => `/v1/certificates/${certificateNo(k % CERTIFICATES)}`,
  item: (k) => `/item/${k}`,
};

/**
 * The open loop run from a process of its own: the Go generator when the machine can build it (its
 * timers keep the schedule within about a millisecond, where Node's fired in 1 ms bursts), else this
 * file's Node loop in a fresh process, as this one holds the read model's build in its heap, whose
 * garbage collection would delay the schedule. Adds what the server read from storage meanwhile.
 */
async function openLoopInChild(port, kind, rate, seconds, pid, probe = undefined) {
  const read0 = storageReadBytes(pid);
  if (goLoadgen()) {
    const paths = Array.from({ length: Math.floor(rate * seconds) }, (_, k) => OPEN_LOOP_PATHS[kind](k * 104729));
    const [from, cpu0] = [Date.now(), cpuMs(pid)];
    const result = await goLoad(port, paths, { rate, seconds, connections: 64, latencies: true });
    return {
      ...result,
      readKiBPerRequest: (storageReadBytes(pid) - read0) / 1024 / result.count,
      serverCpuUsPerRequest: ((cpuMs(pid) - cpu0) * 1000) / result.count,
      probeWorkUs: probe ? probe.workUs(from, Date.now()) : NaN,
    };
  }
  const { stdout } = await promisify(execFile)(process.execPath, [
    __filename,
    'open-loop',
    String(port),
    kind,
    String(rate),
    String(seconds),
  ]);
  const result = JSON.parse(stdout);
  return { ...result, readKiBPerRequest: (storageReadBytes(pid) - read0) / 1024 / result.count };
}

/**
 * The lookups again with the servers on API_PROCESSES processes each, as LEDGER_API_PROCESSES
 * serves the service (clustered.js): the lookup server with every answer kept (each process fills
 * its own cache before it listens) and the trivial handler, both served alike; closed-loop rounds,
 * then the open loop at half the lookups' rate with the CPU-speed probe, as above.
 */
async function onSeveralProcesses(file, log) {
  const env = { BENCH_PROCESSES: String(API_PROCESSES) };
  log(
    `on ${API_PROCESSES} processes: each lookup process fills its answer cache with all ${fmt(CERTIFICATES)} certificates`,
  );
  const trivial = await startServer(path.join(__dirname, 'lib/trivialExpress.js'), {
    ...env,
    BENCH_TRIVIAL_SERVER: 'service',
  });
  const { result: server, ms: fillMs } = await timed(() =>
    startServer(__filename, { ...env, BENCH_ANSWER_CACHE_MB: String(ANSWER_CACHE_MB) }, ['serve', file]),
  );
  const probe = startCpuProbe();
  try {
    const pathOf = OPEN_LOOP_PATHS.lookup;
    const perRound = Math.ceil(LOOKUPS / 5);
    // The processes are new: an unmeasured round each first, as their code warms up.
    await closedLoop(trivial.port, (k) => `/item/${k}`, perRound, 7, trivial.child.pid);
    await closedLoop(server.port, pathOf, perRound, 7, server.child.pid);
    const base = [];
    const look = [];
    for (let round = 0; round < 5; round += 1) {
      base.push(await closedLoop(trivial.port, (k) => `/item/${k}`, perRound, round * 1_000_003, trivial.child.pid));
      look.push(await closedLoop(server.port, pathOf, perRound, round * 1_000_003, server.child.pid));
      log(
        `on ${API_PROCESSES} processes, round ${round + 1}: ${fmt(look[round].perSecond)} lookups/s (${fmt(look[round].cpuUsPerRequest)} µs) vs ${fmt(base[round].perSecond)} req/s (${fmt(base[round].cpuUsPerRequest)} µs)`,
      );
    }
    const median = (list, key) => list.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const lookRate = median(look, 'perSecond');
    const baseRate = median(base, 'perSecond');
    const half = Math.floor(lookRate / 2);
    log(`on ${API_PROCESSES} processes: open loop at ${fmt(half)} lookups/s, and the trivial handler at the same rate`);
    await openLoopInChild(trivial.port, 'item', half, 3, trivial.child.pid);
    await openLoopInChild(server.port, 'lookup', half, 3, server.child.pid);
    const openRounds = [];
    const openBaseRounds = [];
    for (let round = 0; round < OPEN_ROUNDS; round += 1) {
      openBaseRounds.push(await openLoopInChild(trivial.port, 'item', half, 6, trivial.child.pid, probe));
      openRounds.push(await openLoopInChild(server.port, 'lookup', half, 6, server.child.pid, probe));
      const [lookup, trivialOpen] = [openRounds[round], openBaseRounds[round]];
      log(
        `on ${API_PROCESSES} processes, open loop round ${round + 1}: p50/p99 ${lookup.p50.toFixed(2)}/${lookup.p99.toFixed(2)} ms (${queuedShare(lookup)} queued) vs trivial ${trivialOpen.p50.toFixed(2)}/${trivialOpen.p99.toFixed(2)} ms (${queuedShare(trivialOpen)}); CPU probe ${lookup.probeWorkUs} µs`,
      );
    }
    const pooled = pooledLatencies(openRounds);
    const pooledBase = pooledLatencies(openBaseRounds);
    const pair = (sorted) => `${percentile(sorted, 50).toFixed(2)} / ${percentile(sorted, 99).toFixed(2)}`;
    const failures = [...look, ...openRounds].reduce((n, r) => n + r.failures, 0);
    const rows = [
      {
        name: `the same lookups on ${API_PROCESSES} processes (LEDGER_API_PROCESSES=${API_PROCESSES}: the service's API served by that many processes sharing the port), every answer kept in each (each process filled its cache itself before it listened, ${(fillMs / 1000).toFixed(0)} s), median of 5 alternating rounds (${failures} non-200)`,
        value: `${fmt(lookRate)} lookups/s, ${fmt(median(look, 'cpuUsPerRequest'))} µs`,
        unit: '',
        baseline: `${fmt(baseRate)} req/s, ${fmt(median(base, 'cpuUsPerRequest'))} µs trivial Express GET on ${API_PROCESSES} processes, served alike`,
        ratio: (lookRate / baseRate).toFixed(2),
        target: '≥ 0.8×',
        note: `rounds ${look.map((r) => fmt(r.perSecond)).join(', ')} vs ${base.map((r) => fmt(r.perSecond)).join(', ')}`,
      },
    ];
    if (pooled) {
      const speeds = speedsAgainstFastest([...openRounds, ...openBaseRounds]);
      rows.push({
        name: `lookup latency on ${API_PROCESSES} processes at half their rate (${fmt(half)}/s, open loop, p50 / p99 of all ${fmt(pooled.length)} lookups of the ${openRounds.length} rounds)`,
        value: pair(pooled),
        unit: 'ms',
        baseline: `${pair(pooledBase)} ms trivial Express GET on ${API_PROCESSES} processes, same rate`,
        ratio: (percentile(pooled, 99) / percentile(pooledBase, 99)).toFixed(2),
        target: 'p99 < 5 ms',
        note: `p99 of the rounds ${openRounds.map((r) => r.p99.toFixed(2)).join(', ')} ms (trivial ${openBaseRounds.map((r) => r.p99.toFixed(2)).join(', ')}); share of the requests due while all 64 connections waited, per round ${openRounds.map(queuedShare).join(', ')} (trivial ${openBaseRounds.map(queuedShare).join(', ')}); the machine's CPU speed per round ${speeds(openRounds)} (trivial ${speeds(openBaseRounds)}); server CPU per lookup ${openRounds.map((r) => r.serverCpuUsPerRequest.toFixed(1)).join(', ')} µs; p99.9 ${percentile(pooled, 99.9).toFixed(2)} ms`,
      });
    }
    return rows;
  } finally {
    await probe?.stop();
    await stopServer(server.child);
    await stopServer(trivial.child);
  }
}

async function run({ log = () => undefined } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-readside-'));
  const file = path.join(dir, 'registry.sqlite');
  const rows = [];
  try {
    log(`building the registry read model: ${fmt(CERTIFICATES)} certificates`);
    const built = await buildRegistry(file, log);
    const rebuildRate = built.applied / built.seconds;
    rows.push({ name: `certificates in the registry read model`, value: fmt(built.certificates), unit: '' });
    rows.push({
      name: `registry rebuild from position 0 (${fmt(built.applied)} generated events, pre-serialised certificate fields included)`,
      value: fmt(rebuildRate),
      unit: 'events/s',
      target: '≥ 20,000 events/s',
      note: `${built.seconds.toFixed(1)} s`,
    });
    rows.push({
      name: `anchors read model rebuild (${fmt(built.anchored)} notices, ${fmt(built.receipts)} certificate-event receipts built and kept)`,
      value: fmt(built.anchored / built.anchorsSeconds),
      unit: 'events/s',
      note: `${built.anchorsSeconds.toFixed(1)} s`,
    });

    log('rebuild from a real SQLite event store (canonical bytes decoded)');
    const real = await rebuildFromEventStore(dir, Number(process.env.BENCH_READ_REAL_CERTS ?? 15_000), log);
    rows.push({
      name: `registry rebuild from the SQLite event store (${fmt(real.events)} events, protobuf decode included)`,
      value: fmt(real.registry),
      unit: 'events/s',
      target: '≥ 20,000 events/s',
    });
    rows.push({
      name: 'event log (audit trail, trace) rebuild from the SQLite event store',
      value: fmt(real.eventlog),
      unit: 'events/s',
    });

    // Both servers run side by side; measurement rounds alternate between them so that whatever
    // else the machine is doing weighs on both alike. Each figure is the median of its rounds.
    log('lookups over the registry, alternating with the trivial Express GET baseline');
    const trivial = await startServer(path.join(__dirname, 'lib/trivialExpress.js'), {
      BENCH_TRIVIAL_SERVER: 'service',
    });
    const listened = await startServer(path.join(__dirname, 'lib/trivialExpress.js'), {
      BENCH_TRIVIAL_SERVER: 'listen',
    });
    // The lookup servers keep answers in memory (answerCache.ts) with room for every certificate's,
    // as a registry of this size would be configured (PROJECTIONS_ANSWER_CACHE_MB); a third reads
    // the store for every lookup, as with the cache off.
    const cacheMb = String(ANSWER_CACHE_MB);
    const server = await startServer(__filename, { BENCH_ANSWER_CACHE_MB: cacheMb }, ['serve', file]);
    const uncached = await startServer(__filename, { BENCH_ANSWER_CACHE_MB: '0' }, ['serve', file]);
    const inApp = await startServer(__filename, { BENCH_ANSWER_CACHE_MB: cacheMb }, ['serve', file, 'app']);
    try {
      const pathOf = (k) => `/v1/certificates/${certificateNo(k % CERTIFICATES)}`;
      const sample = JSON.parse((await request(newAgent(1), server.port, 'GET', pathOf(20))).body);
      if (
        sample.status !== 'suspended' ||
        sample.proofs.length !== 2 ||
        sample.proofs.some((p) => p.receipt?.status !== 'anchored')
      )
        throw new Error(`unexpected lookup answer: ${JSON.stringify(sample).slice(0, 500)}`);
      for (const other of [inApp, uncached]) {
        const otherSample = JSON.parse((await request(newAgent(1), other.port, 'GET', pathOf(20))).body);
        if (JSON.stringify(otherSample) !== JSON.stringify(sample)) throw new Error('the servers answer differently');
      }
      const median = (list, key) => list.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
      const perRound = Math.ceil(LOOKUPS / 5);
      const trivialRound = (round) =>
        closedLoop(trivial.port, (k) => `/item/${k}`, perRound, round * 1_000_003, trivial.child.pid);
      const lookupRound = (round) => closedLoop(server.port, pathOf, perRound, round * 1_000_003, server.child.pid);

      // First as the build left the page cache (this VM drops file pages left unused for a while,
      // whatever memory is free), while the lookup server's own cache fills.
      const files = [file, `${file}-wal`].filter((f) => fs.existsSync(f));
      const residentAfterBuild = pageCacheShare(files);
      const coldBase = [];
      const cold = [];
      for (let round = 0; round < 3; round += 1) {
        coldBase.push(await trivialRound(100 + round));
        cold.push(await lookupRound(100 + round));
      }
      log(
        `as the build left the page cache (${percentOf(residentAfterBuild)} resident): ${fmt(median(cold, 'perSecond'))} lookups/s vs ${fmt(median(coldBase, 'perSecond'))} req/s`,
      );
      // A first lookup of every certificate fills the answer caches.
      log(`a first lookup of each of the ${fmt(CERTIFICATES)} certificates`);
      const fill = await closedLoop(server.port, pathOf, CERTIFICATES, 0, server.child.pid);
      await closedLoop(inApp.port, pathOf, CERTIFICATES, 0, inApp.child.pid);
      const memoryOf = async (port) => JSON.parse((await request(newAgent(1), port, 'GET', '/_bench/memory')).body);
      const filled = await memoryOf(server.port);
      const uncachedMemory = await memoryOf(uncached.port);
      readIntoPageCache(files);
      const residentBefore = pageCacheShare(files);

      const rounds = 5;
      const base = [];
      const look = [];
      const lookApp = [];
      const lookUncached = [];
      const baseListened = [];
      for (let round = 0; round < rounds; round += 1) {
        base.push(await trivialRound(round));
        baseListened.push(
          await closedLoop(listened.port, (k) => `/item/${k}`, perRound, round * 1_000_003, listened.child.pid),
        );
        look.push(await lookupRound(round));
        lookApp.push(await closedLoop(inApp.port, pathOf, perRound, round * 1_000_003 + 500_000, inApp.child.pid));
        lookUncached.push(
          await closedLoop(uncached.port, pathOf, perRound, round * 1_000_003 + 250_000, uncached.child.pid),
        );
        log(
          `round ${round + 1}: ${fmt(look[round].perSecond)} lookups/s (${fmt(look[round].cpuUsPerRequest)} µs), in the service's app ${fmt(lookApp[round].perSecond)} (${fmt(lookApp[round].cpuUsPerRequest)} µs), without the answer cache ${fmt(lookUncached[round].perSecond)} (${fmt(lookUncached[round].cpuUsPerRequest)} µs) vs ${fmt(base[round].perSecond)} req/s (${fmt(base[round].cpuUsPerRequest)} µs)`,
        );
      }
      const residentAfter = pageCacheShare(files);
      const baseRate = median(base, 'perSecond');
      const lookRate = median(look, 'perSecond');
      const failures = look.reduce((n, r) => n + r.failures, 0);
      const after = await memoryOf(server.port);
      rows.push({
        name: `GET /v1/certificates/{no}, random certificates, ${CONNECTIONS} keep-alive connections, every answer kept in memory (answer cache of ${fmt(ANSWER_CACHE_MB)} MB, after a first lookup of each certificate; median of ${rounds} alternating rounds; ${failures} non-200)`,
        value: fmt(lookRate),
        unit: 'lookups/s',
        baseline: `${fmt(baseRate)} req/s trivial Express GET, served alike`,
        ratio: (lookRate / baseRate).toFixed(2),
        target: '≥ 0.8×',
        note: `${failures} non-200; bodies ${fmt(median(look, 'bodyBytes'))} vs ${fmt(median(base, 'bodyBytes'))} bytes; rounds ${look.map((r) => fmt(r.perSecond)).join(', ')} vs ${base.map((r) => fmt(r.perSecond)).join(', ')}`,
      });
      const listenedRate = median(baseListened, 'perSecond');
      rows.push({
        name: 'the same against the trivial handler served by app.listen',
        value: fmt(lookRate),
        unit: 'lookups/s',
        baseline: `${fmt(listenedRate)} req/s, ${fmt(median(baseListened, 'cpuUsPerRequest'))} µs trivial Express GET, app.listen`,
        ratio: (lookRate / listenedRate).toFixed(2),
      });
      const uncachedRate = median(lookUncached, 'perSecond');
      rows.push({
        name: `the same without the answer cache (PROJECTIONS_ANSWER_CACHE_MB=0): each lookup reads its row from reg_answers, the read model in the page cache (${lookUncached.reduce((n, r) => n + r.failures, 0)} non-200)`,
        value: `${fmt(uncachedRate)} lookups/s, ${fmt(median(lookUncached, 'cpuUsPerRequest'))} µs`,
        unit: '',
        baseline: `${fmt(baseRate)} req/s trivial Express GET, served alike`,
        ratio: (uncachedRate / baseRate).toFixed(2),
        note: `rounds ${lookUncached.map((r) => fmt(r.perSecond)).join(', ')}; storage read ${median(lookUncached, 'readKiBPerRequest').toFixed(2)} KiB per lookup`,
      });
      rows.push({
        name: `the first lookup of each of the ${fmt(CERTIFICATES)} certificates, which fills the answer cache (the read model in the page cache as the rounds before it left it)`,
        value: `${fmt(fill.perSecond)} lookups/s, ${fmt(fill.cpuUsPerRequest)} µs`,
        unit: '',
        note: `${fill.failures} non-200; storage read ${fill.readKiBPerRequest.toFixed(2)} KiB per lookup`,
      });
      rows.push({
        name: 'the lookup server with every answer kept: resident memory, and the answers kept',
        value: `${fmt(filled.rssBytes / 2 ** 20)} MB`,
        unit: '',
        baseline: `${fmt(uncachedMemory.rssBytes / 2 ** 20)} MB without the answer cache`,
        note: `${fmt(filled.cache.entries)} answers, ${fmt(filled.cache.bytes / 2 ** 20)} MB counted; after the rounds ${fmt(after.cache.hits)} hits, ${fmt(after.cache.misses)} misses`,
      });
      rows.push({
        name: `the read model in the OS page cache: before the rounds (read through once) / after them`,
        value: `${percentOf(residentBefore)} / ${percentOf(residentAfter)}`,
        unit: '',
        baseline: `storage read during the rounds: ${median(look, 'readKiBPerRequest').toFixed(2)} KiB per lookup`,
      });
      const coldRate = median(cold, 'perSecond');
      const coldBaseRate = median(coldBase, 'perSecond');
      rows.push({
        name: `the first lookups, before those rounds: the lookup server's cache filling, the page cache as the build left it (${percentOf(residentAfterBuild)} of the read model in it; median of ${cold.length} alternating rounds)`,
        value: `${fmt(coldRate)} lookups/s, ${fmt(median(cold, 'cpuUsPerRequest'))} µs`,
        unit: '',
        baseline: `${fmt(coldBaseRate)} req/s, ${fmt(median(coldBase, 'cpuUsPerRequest'))} µs trivial Express GET`,
        ratio: (coldRate / coldBaseRate).toFixed(2),
        note: `storage read ${median(cold, 'readKiBPerRequest').toFixed(2)} KiB per lookup`,
      });
      const baseCpu = median(base, 'cpuUsPerRequest');
      const lookCpu = median(look, 'cpuUsPerRequest');
      rows.push({
        name: `load generator: ${goLoadgen() ? 'bench/loadgen (Go)' : 'bench/lib/rawClient.js (Node; no Go toolchain on this machine)'}, CPU per request in the closed loop`,
        value: goLoadgen() ? fmt(median(look, 'clientCpuUsPerRequest')) : 'n/a',
        unit: goLoadgen() ? 'µs' : '',
        baseline: goLoadgen() ? `${fmt(median(base, 'clientCpuUsPerRequest'))} µs against the trivial handler` : '',
      });
      rows.push({
        name: 'server CPU per request (user + system, median of rounds)',
        value: fmt(lookCpu),
        unit: 'µs',
        baseline: `${fmt(baseCpu)} µs trivial Express GET`,
        ratio: (baseCpu / lookCpu).toFixed(2),
        note: `ratio = the throughput ratio a server-bound run would show; steadier than wall-clock rates on a shared machine. Without the answer cache ${fmt(median(lookUncached, 'cpuUsPerRequest'))} µs (${(baseCpu / median(lookUncached, 'cpuUsPerRequest')).toFixed(2)})`,
      });
      const appRate = median(lookApp, 'perSecond');
      const appCpu = median(lookApp, 'cpuUsPerRequest');
      const appFailures = lookApp.reduce((n, r) => n + r.failures, 0);
      rows.push({
        name: `the same lookups in the service's app (createApp: request log, principal, intake, health and stream routes ahead of the read router; ${appFailures} non-200)`,
        value: `${fmt(appRate)} lookups/s, ${fmt(appCpu)} µs`,
        unit: '',
        baseline: `${fmt(baseRate)} req/s, ${fmt(baseCpu)} µs trivial Express GET`,
        ratio: `${(appRate / baseRate).toFixed(2)} (CPU ${(baseCpu / appCpu).toFixed(2)})`,
        note: `rounds ${lookApp.map((r) => fmt(r.perSecond)).join(', ')}`,
      });
      rows.push({
        name: 'lookup latency, closed loop (median p50 / p99)',
        value: `${median(look, 'p50').toFixed(2)} / ${median(look, 'p99').toFixed(2)}`,
        unit: 'ms',
        baseline: `${median(base, 'p50').toFixed(2)} / ${median(base, 'p99').toFixed(2)} ms`,
      });
      const half = Math.floor(lookRate / 2);
      log(`open loop at ${fmt(half)} lookups/s, and the trivial handler at the same rate`);
      const gcOf = async (port) => JSON.parse((await request(newAgent(1), port, 'GET', '/_bench/gc')).body);
      // The lookup server answers from memory, so its open loop needs no read-through of the read
      // model; the server without the cache gets one below. Five alternating rounds: the p99 row pools
      // every request of them, the garbage-collection and lateness rows give the round with the
      // median p99. A first round after a change of phase was slow for both servers in every run, so
      // each first takes an unmeasured round of 3 s at the same rate.
      // The CPU-speed probe runs through the rounds: this VM's cores slow down by a fifth or more
      // for tens of seconds at a time with nothing of ours running, and a round's p99 follows them.
      const probe = startCpuProbe();
      await openLoopInChild(trivial.port, 'item', half, 3, trivial.child.pid);
      await openLoopInChild(server.port, 'lookup', half, 3, server.child.pid);
      const residentBeforeOpen = pageCacheShare(files);
      const openRounds = [];
      const openBaseRounds = [];
      for (let round = 0; round < OPEN_ROUNDS; round += 1) {
        await gcOf(trivial.port);
        const trivialOpen = await openLoopInChild(trivial.port, 'item', half, 6, trivial.child.pid, probe);
        openBaseRounds.push({ ...trivialOpen, gc: await gcOf(trivial.port) });
        await gcOf(server.port);
        const lookupOpen = await openLoopInChild(server.port, 'lookup', half, 6, server.child.pid, probe);
        openRounds.push({ ...lookupOpen, gc: await gcOf(server.port) });
        log(
          `open loop round ${round + 1}: p50/p99 ${lookupOpen.p50.toFixed(2)}/${lookupOpen.p99.toFixed(2)} ms (${queuedShare(lookupOpen)} due while every connection waited on the server) vs trivial ${trivialOpen.p50.toFixed(2)}/${trivialOpen.p99.toFixed(2)} ms (${queuedShare(trivialOpen)}); storage ${lookupOpen.readKiBPerRequest.toFixed(2)} KiB per lookup; CPU probe ${lookupOpen.probeWorkUs} µs (trivial's round ${trivialOpen.probeWorkUs} µs); server CPU ${lookupOpen.serverCpuUsPerRequest.toFixed(1)} µs per lookup (trivial ${trivialOpen.serverCpuUsPerRequest.toFixed(1)} µs)`,
        );
      }
      const uncachedHalf = Math.floor(uncachedRate / 2);
      log(`open loop without the answer cache at ${fmt(uncachedHalf)} lookups/s`);
      // The closed-loop rounds took minutes, long enough for this VM to drop pages of the read model
      // again: it is read in once more, as before those rounds.
      readIntoPageCache(files);
      await openLoopInChild(uncached.port, 'lookup', uncachedHalf, 3, uncached.child.pid);
      const openUncachedRounds = [];
      for (let round = 0; round < OPEN_ROUNDS; round += 1) {
        openUncachedRounds.push(
          await openLoopInChild(uncached.port, 'lookup', uncachedHalf, 6, uncached.child.pid, probe),
        );
      }
      await probe?.stop();
      const residentAfterOpen = pageCacheShare(files);
      const byP99 = (a, b) => a.p99 - b.p99;
      const medianRound = (list) => [...list].sort(byP99)[Math.floor(list.length / 2)];
      const open = medianRound(openRounds);
      const openUncached = medianRound(openUncachedRounds);
      const openBase = medianRound(openBaseRounds);
      // Every request of the rounds together (the Go generator returns each latency): the p99 a
      // user of the service would see over those 30 s, stalls of the machine included.
      const pooled = pooledLatencies(openRounds);
      const pooledBase = pooledLatencies(openBaseRounds);
      const pooledUncached = pooledLatencies(openUncachedRounds);
      const { gc } = open;
      const gcBase = openBase.gc;
      rows.push({
        name: 'response body (average)',
        value: fmt(median(look, 'bodyBytes')),
        unit: 'bytes',
        baseline: `${fmt(median(base, 'bodyBytes'))} bytes trivial Express GET`,
      });
      const pair = (a, b) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
      rows.push({
        name: `lookup latency at half that rate (${fmt(half)}/s, open loop, p50 / p99${pooled ? ` of all ${fmt(pooled.length)} lookups of the ${openRounds.length} rounds` : ''})`,
        value: pooled ? pair(percentile(pooled, 50), percentile(pooled, 99)) : pair(open.p50, open.p99),
        unit: 'ms',
        baseline: `${pooledBase ? pair(percentile(pooledBase, 50), percentile(pooledBase, 99)) : pair(openBase.p50, openBase.p99)} ms trivial Express GET, same rate`,
        ratio: pooled
          ? (percentile(pooled, 99) / percentile(pooledBase, 99)).toFixed(2)
          : (open.p99 / openBase.p99).toFixed(2),
        target: 'p99 < 5 ms',
        note: `p99 of the rounds ${openRounds.map((r) => r.p99.toFixed(2)).join(', ')} ms (trivial ${openBaseRounds.map((r) => r.p99.toFixed(2)).join(', ')}); share of the requests due while all 64 connections waited on the server, per round ${openRounds.map(queuedShare).join(', ')} (trivial ${openBaseRounds.map(queuedShare).join(', ')}); p99.9 ${pooled ? percentile(pooled, 99.9).toFixed(2) : 'n/a'} ms; ${openRounds.reduce((n, r) => n + r.failures, 0)} non-200 of ${fmt(openRounds.reduce((n, r) => n + r.count, 0))}; read model in the page cache ${percentOf(residentBeforeOpen)} before, ${percentOf(residentAfterOpen)} after`,
      });
      rows.push({
        name: `without the answer cache, at half its own rate (${fmt(uncachedHalf)}/s, p50 / p99${pooledUncached ? ' of all lookups of the rounds' : ''})`,
        value: pooledUncached
          ? pair(percentile(pooledUncached, 50), percentile(pooledUncached, 99))
          : pair(openUncached.p50, openUncached.p99),
        unit: 'ms',
        note: `p99 of the rounds ${openUncachedRounds.map((r) => r.p99.toFixed(2)).join(', ')} ms; storage read ${openUncached.readKiBPerRequest.toFixed(2)} KiB per lookup`,
      });
      if (probe) {
        const speeds = speedsAgainstFastest([...openRounds, ...openBaseRounds, ...openUncachedRounds]);
        const cpus = (list) => list.map((r) => r.serverCpuUsPerRequest.toFixed(1)).join(', ');
        rows.push({
          name: "the machine's CPU speed in each open-loop round above (an independent probe times the same integer work in its own thread's CPU time every 50 ms; 1.00 is the run's fastest round), and the server's CPU per request in the round",
          value: speeds(openRounds),
          unit: '',
          baseline: `${speeds(openBaseRounds)} in the trivial handler's rounds`,
          note: `server CPU per request (all its threads), lookup rounds ${cpus(openRounds)} µs; trivial ${cpus(openBaseRounds)} µs; without the cache, speeds ${speeds(openUncachedRounds)} and ${cpus(openUncachedRounds)} µs; fastest round's probe ${speeds.fastest} µs`,
        });
      }
      rows.push({
        name: 'open loop: how late the load generator (a process of its own) starts a request that has a free connection waiting (p50 / p99; its timers and its scheduling, the median round)',
        value: `${open.lateP50.toFixed(2)} / ${open.lateP99.toFixed(2)}`,
        unit: 'ms',
        baseline: `${openBase.lateP50.toFixed(2)} / ${openBase.lateP99.toFixed(2)} ms while loading the trivial handler`,
      });
      rows.push({
        name: 'garbage collection in the server during the open loop',
        value: `${gc.count} pauses, longest ${gc.maxMs.toFixed(2)} ms, ${((gc.totalMs * 1000) / open.count).toFixed(1)} µs per lookup`,
        unit: '',
        baseline: `${gcBase.count} pauses, longest ${gcBase.maxMs.toFixed(2)} ms, ${((gcBase.totalMs * 1000) / openBase.count).toFixed(1)} µs per request trivial Express GET`,
      });
      rows.push({
        name: 'storage read by the lookup server during the open loop (page-cache misses)',
        value: open.readKiBPerRequest.toFixed(2),
        unit: 'KiB per lookup',
        baseline: `${openBase.readKiBPerRequest.toFixed(2)} KiB per request trivial Express GET`,
      });
    } finally {
      await stopServer(inApp.child);
      await stopServer(uncached.child);
      await stopServer(server.child);
      await stopServer(trivial.child);
      await stopServer(listened.child);
    }

    if (API_PROCESSES > 1) rows.push(...(await onSeveralProcesses(file, log)));

    log('append to visible in the registry');
    const visible = await appendToVisible(dir, real.store, 300);
    rows.push({
      name: `append → visible in the registry (in-process runner, ${visible.samples} samples, p50 / p99)`,
      value: `${visible.p50.toFixed(2)} / ${visible.p99.toFixed(2)}`,
      unit: 'ms',
    });
    log('append to visible through the service as npm start runs it');
    const service = await visibleThroughService(Number(process.env.BENCH_VISIBLE_SAMPLES ?? 200));
    rows.push({
      name: `issue → certificate found by GET /v1/certificates/{no}, through the service as \`npm start\` runs it (workers on their thread; ${service.samples} certifications, p50 / p99, from the 201)`,
      value: `${service.issued.p50.toFixed(2)} / ${service.issued.p99.toFixed(2)}`,
      unit: 'ms',
    });
    rows.push({
      name: 'suspension → GET /v1/certificates/{no} says suspended, the same way (p50 / p99)',
      value: `${service.suspended.p50.toFixed(2)} / ${service.suspended.p99.toFixed(2)}`,
      unit: 'ms',
      target: 'within a second (the issue: the verification page changes within a second of a suspension)',
    });
    if (API_PROCESSES > 1) {
      log(`append to visible through the service on ${API_PROCESSES} API processes`);
      const clustered = await visibleThroughService(Number(process.env.BENCH_VISIBLE_SAMPLES ?? 200), API_PROCESSES);
      rows.push({
        name: `the same on ${API_PROCESSES} API processes (LEDGER_API_PROCESSES=${API_PROCESSES}; the workers in the first process, the events posted to one API process and the certificate asked of another; issue → found / suspension → says suspended, p50 / p99)`,
        value: `${clustered.issued.p50.toFixed(2)} / ${clustered.issued.p99.toFixed(2)} · ${clustered.suspended.p50.toFixed(2)} / ${clustered.suspended.p99.toFixed(2)}`,
        unit: 'ms',
        target: 'within a second',
      });
    }
    await real.store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'Read side: certificate registry, lookups, rebuild, freshness',
    description:
      "SQLite read store. Every certificate's answer is kept as its final text (reg_answers: its fields, QR code URL and the settled receipts of the events its status rests on, around the status and the CB, which are decided when asked); the receipts are built by the service's own receipt function (receiptFrom, what GET /v1/events/{id}/receipt serves) over anchor batches of 500 events with real protobuf bytes and Merkle paths, and reach the read model through the anchors projection as in the service. Lookups hit random certificates through the real read router (Express 5) mounted alone in an Express app, as the trivial handler is, from a load generator in Go (bench/loadgen, built by the run with the machine's Go toolchain; raw HTTP/1.1 over keep-alive connections, about 12 µs of CPU per request where the Node client of the intake benchmark, bench/lib/rawClient.js, took about 25 µs and Node's http client as much as the servers, all on the same 2 cores; without Go the run falls back to rawClient.js and says so in the load generator row); the headline server keeps answers in memory (the answer cache, sized to hold every certificate's, filled by a first lookup of each certificate before the rounds), a second reads the store for every lookup (the cache off), and a third server mounts the same router, with the cache, in the service's own app (createApp: its request log, principal resolution and the intake, health and stream routes ahead of the read router) and takes the same rounds. The lookup servers and the trivial handler are served the way the service serves its app (createHttpServer: requests born with Express's prototypes, which Express 5 would otherwise set on every request, at a cost that took more than half of a lookup's CPU); the trivial handler served by app.listen, as Express's guide has it, is given beside them. The lookup servers have no event or anchor store: a lookup that needed receipts per request (asOf, ?verify, an unsettled proof) would fail and count as non-200; none did. The rounds run with the read model in the OS page cache (the file is read through once before them): this VM drops file pages left unused for a while whatever memory is free, so the rounds before that, as the build left the page cache, are given as well, with what was read from the disk. The open loop (the same generator, requests due on a fixed schedule, each request's latency counted from when it was due, 64 connections, one thread) follows an unmeasured 3 s round per server, then five measured rounds alternate between the lookup server and the trivial handler; the row gives p50 and p99 over every request of the five rounds (the generator returns each latency), and each round's p99 in its note; the server without the cache then takes five rounds at half its own rate, after a read-through of the read model (the lookup server with the cache needs none). All servers run as child processes; the load generator shares the 2 cores. Then the lookup server with every answer kept and the trivial handler (served alike) run again on as many processes each as the machine has cores (BENCH_API_PROCESSES; bench/lib/clustered.js shares the port as LEDGER_API_PROCESSES does for the service): each lookup process fills its own cache before it listens, as the primary hands connections to the processes in turn; an unmeasured round each, five alternating closed-loop rounds, and the open loop at half the lookups' rate as above, with the CPU-speed probe; CPU figures sum the processes. Last, the time from append to visible through the service on that many API processes, the events posted to one of them and the certificate asked of another.",
    rows,
    limits: [
      "Lookups with the answer cache: the answer is found in a Map by certificate number and its bytes (~2.4 KB, kept as the UTF-8 sent) go out with setHeader/end; before that, one PRAGMA data_version asks SQLite whether anything was committed since the last lookup (nothing is during the rounds; when something is, the changed answers are dropped, see projections/README.md). What remains against the trivial handler is the async route and store call and the writing of a 2.4 KB body instead of 34 bytes. The price is memory: every answer kept took the resident size of the lookup server from about 60 MB to about 2.6 GB for a million certificates (the row above); the service's default of 256 MB holds about 100,000 answers, enough for the certificates people actually scan, and a registry this size sets PROJECTIONS_ANSWER_CACHE_MB to hold them all. The answers are kept as bytes in segments of 16 MB with one Map from certificate number to slot (answerSegments.ts): kept as an object and a Buffer each, a million answers made a 380 MB heap whose full collections stopped the event loop for up to 440 ms (V8's --trace-gc); in segments the heap is under 100 MB and its full collections pause 7-21 ms.",
      "Without the cache a lookup is one row read (reg_answers, as column values without a row object), five strings joined (status, fields, CB, the rest) and a send; the SQLite read costs about 20 µs between HTTP requests against 8-11 µs when the same reads run back to back (most likely because between two lookups the HTTP work evicts SQLite's pages and code from the CPU caches), and it is the whole gap to the cached lookup. The reader keeps the B-trees' interior pages and the certificate-number index in its 64 MB cache, so that a lookup reads one page from the OS, its row; the file is not memory-mapped: SQLite maps 2 GB at most and each first touch of a mapped page cost a fault. The first lookup of each certificate, which fills the cache, costs more again: the read model had partly left the page cache by then (the storage row) and each answer is copied once into memory of its own. Served by app.listen, Express 5 sets the prototype of every request and response, after which the per-request work on them runs far slower (measured, not traced into V8): a lookup then took about 105-125 µs of CPU and the trivial handler about 85-100 µs.",
      "In the service's app the same lookup costs more: the request log (a request id, a finish listener) and the intake, health and stream routes that Express tries before the read router add about 10-15 µs per request (the row above gives this run); they would cost the trivial handler the same if it were mounted there. The intake's routes come first on purpose (they take the write traffic).",
      "Latency at half rate: the load generator is in Go because the Node one measured itself. It fired from a 1 ms timer in bursts of a dozen requests, its p50 was 1.4 ms even for the trivial handler, and at 12,000 requests/s its 25 µs of CPU per request and its own garbage collection put both servers' p99 at 10-17 ms. The Go generator starts a request whose connection is free within about a millisecond of its time (Go's timers sleep in whole milliseconds when nothing else wakes them: the lateness row), costs about 10 µs of CPU per request, and runs on one thread: on two it competed with the server for both cores. What raises a round's p99 is the server not answering for tens of milliseconds: requests fall due while all 64 connections wait for answers (the share in the note of the p99 row), and their latency counts from when they fell due. The trivial handler has such rounds as often as the lookup server, and its garbage-collection pauses stay under about 3 ms (the row above): something else holds the event loop. Part of it is the machine: this VM's cores change speed by a fifth or more within a minute with nothing of ours running (the probe's fixed work, timed in its thread's CPU time, went from 460 to 558 µs in one idle minute), and in the rounds where the probe ran slowest the servers needed 15-35% more CPU per request (the CPU-speed row), which saturates an event loop that runs 55-65% of the time at half rate. Not all of it: some rounds at full speed stalled as well, for a shorter time. Ad hoc on this VM: a process sleeping 1 ms in a loop for 60 s never woke more than 5 ms late, also beside two processes spinning on both cores; pinning the generator and the server to a core each did not remove the stalls, nor did V8's thread pool cut to one thread; a one-thread Go HTTP server at 27,000 requests/s ran 8 rounds of 6 s with a p99 of 1.6 ms and no stall, so they look specific to Node servers under this load; and they come in some runs and not in others (the trivial handler alone at 27,000/s: 24 rounds with one stall in one run, 4 of 6 in another). Without the cache, this VM's page-out adds to it: its kernel runs a DAMON reclaim scheme (/sys/kernel/mm/damon/admin/kdamonds/0: sampling every 0.5 s, page-out of regions seen idle for 60 s, up to 128 MB/s, anonymous and mapped pages exempt, file pages in the page cache only). Sampling one page per region, it takes a 7 GB file read at random as idle, so some of the read model is paged out seconds after a full read-through, and a lookup whose row is gone reads it from the disk while its event loop waits. The answers the cache keeps are anonymous memory, which that scheme leaves alone. The lookup server here runs the read router only; in the service the workers (projection runner, anchorer, log-head ticks) run on a thread of its process.",
      "On several processes (the rows on 2 processes): one event loop at half its top rate is busy 55-65% of the time, so a slow spell of the machine (the CPU-speed row) or a burst fills it and requests queue. With the lookups spread over one process per core, the machine's top rate is bounded by all its cores (the load generator's share included), and at half of it each event loop has room for those spells: the p99 stays at a few milliseconds where one process, in the same run, queued. The price is memory (each process keeps its own answers: about 2.6 GB each for a million certificates) and a fill of each cache. The service does the same with LEDGER_API_PROCESSES (ledger-service/src/apiProcesses.ts): its first process runs the workers and forks the API processes, which report their commits to it so that the read models and every process's answers follow within milliseconds (the last row).",
    ],
  };
}

/**
 * The lookup server: the read router over a built registry file; with `app`, mounted in the
 * service's own app (createApp: request log, principal resolution, and the intake, health and
 * stream routes ahead of it) with an event store and intake that fail if touched.
 */
async function serve(file, mode) {
  const express = require('express');
  const P = projectionsDist();
  const { createReadRouter } = serviceDist('http/read/index.js');
  const { principalOf } = serviceDist('http/auth.js');
  const store = P.createSqliteReadStore({ file });
  // The service's default (PROJECTIONS_ANSWER_CACHE_MB) unless the run sets the size.
  const cacheMb = Number(process.env.BENCH_ANSWER_CACHE_MB ?? P.readStoreConfigFromEnv({}).answerCacheMb);
  const answerCache = cacheMb > 0 ? P.createAnswerCache({ store, maxBytes: cacheMb * 2 ** 20 }) : undefined;
  const queries = P.createReadQueries({ store, agencies: P.loadAgencies(), ...(answerCache ? { answerCache } : {}) });
  const untouched = async () => {
    throw new Error('the benchmark keeps no event or anchor store: every answer must come from the read model');
  };
  // Every certificate's proofs are settled in the anchors read model, so lookups never ask for a
  // receipt per request; one that did would fail here and count as a non-200 answer.
  const router = createReadRouter({
    queries,
    anchorReceipts: { receiptOf: untouched, verify: untouched },
    principalOf,
    publicBaseUrl: 'http://127.0.0.1',
    qrSecret: 'bench-secret-bench-secret-bench-secret',
  });
  let app;
  if (mode === 'app') {
    const { createApp } = serviceDist('http/app.js');
    app = createApp({
      logger: require('pino')({ level: 'info' }),
      principals: new Map(),
      store: {},
      intake: {},
      bodyLimit: '256kb',
      bulkBodyLimit: '16mb',
      anchorStatusOf: untouched,
      readiness: untouched,
      routers: [router],
    });
  } else {
    app = express();
    app.disable('x-powered-by');
    gcProbe(app);
    app.get('/_bench/memory', (_req, res) =>
      res.json({ rssBytes: process.memoryUsage().rss, cache: answerCache?.stats() ?? null }),
    );
    app.use(router);
    app.use((error, _req, res, _next) => res.status(error.status ?? 500).json({ code: error.code ?? 'internal' }));
  }
  // Served as the service serves its app (main.ts), on BENCH_PROCESSES processes when that is
  // above 1 (clustered.js), each of which then fills its own answer cache before it listens: the
  // primary hands connections to them in turn, so a first lookup over HTTP would fill each with a
  // part of the certificates only.
  const { createHttpServer } = serviceDist('http/server.js');
  clustered(async (announce) => {
    if (answerCache && Number(process.env.BENCH_PROCESSES ?? 1) > 1) {
      for (let k = 0; k < CERTIFICATES; k += 1) await queries.certificateAnswer(certificateNo(k));
    }
    const server = createHttpServer(app).listen(0, '127.0.0.1', () => announce(server.address().port));
    process.on('SIGTERM', () => server.close(() => store.close().then(() => process.exit(0))));
  });
}

module.exports = { run, buildRegistry, syntheticFeed, syntheticAnchorFeed, visibleThroughService };

if (require.main === module) {
  if (process.argv[2] === 'serve') serve(process.argv[3], process.argv[4]);
  else if (process.argv[2] === 'open-loop') {
    const [port, kind, rate, seconds] = process.argv.slice(3);
    openLoop(Number(port), OPEN_LOOP_PATHS[kind], Number(rate), Number(seconds)).then((result) =>
      console.log(JSON.stringify(result)),
    );
  } else
    run({ log: (line) => process.stderr.write(`${line}\n`) }).then((result) =>
      console.log(JSON.stringify(result, null, 2)),
    );
}
