'use strict';
// Supervision's evaluation (the early warnings) over the demo's certifications, as the workers'
// supervision thread runs it each minute: a tick that keeps facts and outcomes between ticks,
// beside the baseline of a tick that evaluates from scratch (what every tick did before).
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');
const pino = require('pino');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'ledger-service/dist', p);
const CERTIFICATIONS = Number(process.env.BENCH_SUPERVISION_CERTIFICATIONS ?? 20_000);
/** Certifications changed between two ticks (a minute of a busy province's CBs, generously). */
const CHANGED = 100;
const ROUNDS = 5;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const settle = () => new Promise((resolve) => setImmediate(resolve));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;
const ratio = (value, baseline) => `${(value / baseline).toFixed(3)}×`;
const chinaDay = (date) => new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** A digest of the auditors' audit rows and the reporting tallies an evaluation recorded. */
async function recordedRows(readStore) {
  const hash = crypto.createHash('sha256');
  for (const row of await readStore.all(
    'SELECT auditor_id, certification_id, audit_id, row_data, start_date FROM sv_auditor_audits ORDER BY auditor_id, certification_id, audit_id',
  ))
    hash.update(JSON.stringify(row));
  for (const row of await readStore.all('SELECT * FROM sv_reporting ORDER BY agency_id, region_code'))
    hash.update(JSON.stringify(row));
  return hash.digest('hex');
}

/** Suspends `count` certificates valid at `day`, one per certification, through the intake's rules. */
async function suspendSome({ readStore, intake, count, day, skip }) {
  const rows = await readStore.all('SELECT agency_id, facts FROM sv_certifications ORDER BY certification_id');
  const candidates = [];
  for (const row of rows) {
    const facts = JSON.parse(row.facts);
    const last = facts.certificates.at(-1);
    if (!last || last.validUntil <= day || last.history.at(-1)?.status !== 'valid') continue;
    if (skip.has(facts.certificationId)) continue;
    candidates.push({ agencyId: row.agency_id, certificationId: facts.certificationId });
    if (candidates.length === count) break;
  }
  const until = new Date(Date.parse(`${day}T00:00:00Z`) + 90 * 86_400_000).toISOString().slice(0, 10);
  const refusals = [];
  let stored = 0;
  for (const { agencyId, certificationId } of candidates) {
    skip.add(certificationId);
    const [outcome] = await intake.submitBulk(agencyId, [
      {
        certificationId,
        eventId: crypto.randomUUID(),
        type: 'CertificateSuspended',
        occurredAt: new Date().toISOString(),
        expectedVersion: undefined,
        data: { reason: 'surveillance audit not carried out', until },
      },
    ]);
    if (outcome.ok) stored += 1;
    else refusals.push(`${outcome.error.code}: ${outcome.error.message}`);
  }
  if (stored < count)
    throw new Error(`only ${stored} of ${count} suspensions stored: ${refusals.slice(0, 3).join('; ')}`);
  return stored;
}

async function run({ log }) {
  const { openSqliteEventStore } = require(dist('eventStore'));
  const { createDemoPlan, DEMO_AGENCIES } = require(dist('demo/plan'));
  const { storeSink, writePlan } = require(dist('demo/sinks'));
  const { createIntake } = require(dist('intake/intake'));
  const { defaultRulesConfig } = require(dist('certification'));
  const { eventFeedOf } = require(dist('http/read/wiring'));
  const { supervisionService } = require(dist('http/supervision/part'));
  const { createSqliteReadStore } = require(path.join(root, 'projections/dist/store'));
  const { createProjectionRunner } = require(path.join(root, 'projections/dist/runner'));
  const { supervisionModel } = require(path.join(root, 'projections/dist/supervision'));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-supervision-'));
  const logger = pino({ level: 'silent' });
  const eventStore = openSqliteEventStore({ directory: dir });
  const readStore = createSqliteReadStore({ file: path.join(dir, 'projections.sqlite') });
  try {
    const now = new Date();
    const today = chinaDay(now);
    let started = Date.now();
    const plan = createDemoPlan({ today, certifications: CERTIFICATIONS, agencies: DEMO_AGENCIES, seed: 20260101 });
    const written = await writePlan(plan, storeSink({ store: eventStore }), () => undefined);
    const events = await eventStore.headPosition();
    log(`demo data: ${plan.certifications.length} certifications, ${events} events in ${Date.now() - started} ms`);
    started = Date.now();
    const runner = createProjectionRunner({
      store: readStore,
      events: eventFeedOf(eventStore),
      models: [supervisionModel],
      logger,
    });
    await runner.init();
    await runner.catchUp();
    log(`supervision read model projected in ${Date.now() - started} ms`);

    const evaluator = () => supervisionService({ readStore, logger });
    const fromScratch = [];
    for (let round = 0; round < 3; round += 1) {
      const { ms: took, result } = await timed(() => evaluator().tick(now));
      fromScratch.push(took);
      log(`from scratch: ${ms(took)} (${result.open} open warnings)`);
    }
    const baseline = median(fromScratch);

    let kept = evaluator();
    const first = await timed(() => kept.tick(now));
    log(`kept, first tick: ${ms(first.ms)}`);

    const unchanged = [];
    for (let round = 0; round < ROUNDS; round += 1) unchanged.push((await timed(() => kept.tick(now))).ms);
    log(`kept, nothing changed: ${unchanged.map(ms).join(', ')}`);

    const intake = createIntake({ store: eventStore, rules: defaultRulesConfig, clock: () => new Date() });
    const suspended = new Set();
    const changed = [];
    let checked = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const stored = await suspendSome({ readStore, intake, count: CHANGED, day: today, skip: suspended });
      await runner.catchUp();
      const { ms: took, result } = await timed(() => kept.tick(now));
      changed.push(took);
      checked = result.checked;
      log(`kept, ${stored} certifications changed: ${ms(took)}, ${result.checked} checked again`);
    }
    const keptRows = await recordedRows(readStore);
    const check = await timed(() => evaluator().tick(now));
    if (check.result.raised !== 0 || check.result.cleared !== 0 || (await recordedRows(readStore)) !== keptRows)
      throw new Error(`a tick from scratch disagreed with the kept one: ${JSON.stringify(check.result)}`);

    const tomorrow = new Date(now.getTime() + 86_400_000);
    const newDay = await timed(() => kept.tick(tomorrow));
    log(`kept, the next day: ${ms(newDay.ms)}`);
    // What the kept evaluator holds: the heap with it, less the heap once it can be collected.
    // (after the microtasks of the last tick have run, or they may still hold an evaluator)
    await settle();
    const withKept = heapMb();
    kept = undefined;
    await settle();
    const retainedMb = withKept - heapMb();
    log(`kept in memory: ${retainedMb.toFixed(0)} MiB`);

    return {
      title: `Supervision evaluation over ${plan.certifications.length.toLocaleString('en-US')} certifications (SQLite)`,
      description:
        `The demo's certifications (\`npm run demo:data\`, ${events.toLocaleString('en-US')} events with ${plan.supervision.length.toLocaleString('en-US')} regulators' supervision events, written through the intake's rules) projected into the supervision read model, then evaluated as the workers' supervision thread does every minute (\`Supervision.tick\`: read the facts, run every check, record warnings, auditors' audits and reporting tallies). ` +
        `The baseline is a tick from scratch: a new evaluator that reads and checks every certification and rewrites every row, as every tick did before facts and outcomes were kept between ticks, and as the first tick after a start still does (median of 3). ` +
        `The kept evaluator reads only the rows written since its last tick, checks those certifications again (all of them on a new day) and runs the checks across certifications over all; ${CHANGED} certifications are changed (a suspension through the intake) before each of ${ROUNDS} ticks (median). ` +
        `A tick from scratch at the end must find nothing to raise or clear and rewrite the auditors' rows and reporting tallies the same, or the section fails.`,
      rows: [
        { name: 'tick from scratch (baseline)', value: ms(baseline) },
        {
          name: `tick, ${CHANGED} certifications changed since the last`,
          value: ms(median(changed)),
          baseline: `${ms(baseline)} from scratch`,
          ratio: ratio(median(changed), baseline),
          note: `${checked} checked again`,
        },
        {
          name: 'tick, nothing changed',
          value: ms(median(unchanged)),
          baseline: `${ms(baseline)} from scratch`,
          ratio: ratio(median(unchanged), baseline),
        },
        {
          name: 'tick on a new day (every certification checked again, facts kept)',
          value: ms(newDay.ms),
          baseline: `${ms(baseline)} from scratch`,
          ratio: ratio(newDay.ms, baseline),
        },
        { name: 'facts and outcomes kept in memory', value: `${retainedMb.toFixed(0)} MiB` },
        { name: 'warnings open', value: String(check.result.open) },
        {
          name: 'events refused while writing the demo data',
          value: String(written.certifications.refused + written.supervision.refused),
        },
      ],
      limits: [
        "A tick from scratch: reading and parsing every certification's facts (JSON in sv_certifications) is about half, running every check over them most of the rest, with the rewrite of every auditor-audit row.",
        "A kept tick: the checks across certifications (one auditor on two audits at once over every auditor's audits, spot checks, withdrawal triggers, one company's certificates in conflict) run over all certifications every tick, and the warnings are compared with the stored ones; reading the changed rows and checking those certifications again is a small part.",
        "One Node thread; the workers' supervision thread runs it beside the API and the other workers, which lengthen it alike.",
      ],
    };
  } finally {
    await readStore.close();
    await eventStore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
