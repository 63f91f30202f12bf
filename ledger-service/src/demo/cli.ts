import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chinaDayAt } from '@certledger/projections';
import { createEventStore, eventStoreConfigFromEnv } from '../eventStore';
import { createDemoPlan, DEMO_AGENCIES, type DemoPlan } from './plan';
import { httpSink, storeSink, writePlan } from './sinks';

/** The demo principals' tokens (ledger-service/demo/principals.json); refused by a production service anyway. */
export const DEMO_TOKENS = Object.freeze({
  agencies: Object.freeze({ 'CNCA-R-2002-001': 'demo-agency-001', 'CNCA-R-2002-002': 'demo-agency-002' }) as Readonly<
    Record<string, string>
  >,
  regulator: 'demo-regulator-32',
});

const USAGE = `npm run demo:data -- [options]

Generates realistic certification data for Jiangsu CBs (with planted problems) and writes it
through the ledger's rules.

  --url URL             the running service's REST intake (default http://localhost:8080)
  --data-dir DIR        write into the event store under DIR instead (the service must not run on it)
  --certifications N    how many certifications (default 2400)
  --today YYYY-MM-DD    the day the data ends, exclusive (default: today, China time)
  --seed N              random seed (default 20260101)
  --manifest FILE       where to write the list of planted cases (default demo-manifest.json)
Tokens for --url: DEMO_AGENCY_TOKENS='{"CNCA-R-2002-001":"…"}', DEMO_REGULATOR_TOKEN (default the demo principals).`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      certifications: { type: 'string' },
      today: { type: 'string' },
      seed: { type: 'string' },
      manifest: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const today = values.today ?? chinaDayAt(new Date());
  const count = Number(values.certifications ?? 2400);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || !Number.isInteger(count) || count < 100) {
    process.stderr.write(`${USAGE}\n\n--today must be YYYY-MM-DD and --certifications at least 100\n`);
    return 2;
  }
  const direct = values['data-dir'] !== undefined;
  const tokens: Record<string, string> = process.env.DEMO_AGENCY_TOKENS
    ? (JSON.parse(process.env.DEMO_AGENCY_TOKENS) as Record<string, string>)
    : { ...DEMO_TOKENS.agencies };
  const agencies = direct ? DEMO_AGENCIES : DEMO_AGENCIES.filter((a) => tokens[a.agencyId]);
  if (agencies.length === 0) throw new Error('no agency has a token; set DEMO_AGENCY_TOKENS');
  const plan: DemoPlan = createDemoPlan({
    today,
    certifications: count,
    agencies,
    seed: Number(values.seed ?? 20260101),
  });
  const events = plan.certifications.reduce((n, c) => n + c.events.length, 0);
  process.stdout.write(
    `planned ${plan.certifications.length} certifications (${events} events) at ${agencies.length} CBs, ${plan.supervision.length} supervision events, ${plan.planted.length} planted problems\n`,
  );
  const started = Date.now();
  let result;
  if (direct) {
    const dataDir = path.resolve(values['data-dir']!);
    const store = await createEventStore({ ...eventStoreConfigFromEnv({ ...process.env, LEDGER_DATA_DIR: dataDir }) });
    try {
      result = await writePlan(plan, storeSink({ store }), (m) => process.stdout.write(`${m}\n`));
    } finally {
      await store.close();
    }
  } else {
    const baseUrl = values.url ?? 'http://localhost:8080';
    result = await writePlan(
      plan,
      httpSink({
        baseUrl,
        agencyTokens: tokens,
        regulatorToken: process.env.DEMO_REGULATOR_TOKEN ?? DEMO_TOKENS.regulator,
      }),
      (m) => process.stdout.write(`${m}\n`),
    );
  }
  const manifest = path.resolve(values.manifest ?? 'demo-manifest.json');
  fs.writeFileSync(
    manifest,
    `${JSON.stringify({ today, seed: Number(values.seed ?? 20260101), agencies: agencies.map((a) => a.agencyId), planted: plan.planted }, null, 2)}\n`,
  );
  for (const problem of [...result.certifications.problems, ...result.supervision.problems].slice(0, 10)) {
    process.stdout.write(
      `refused ${problem.type} ${problem.certificationId ?? ''}: ${problem.code} ${problem.detail}\n`,
    );
  }
  process.stdout.write(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s; planted cases listed in ${manifest}\n`,
  );
  return result.certifications.refused + result.supervision.refused === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
