#!/usr/bin/env node
/**
 * The projections as their own process.
 *   node projections/dist/cli.js run                 follow the log until SIGINT/SIGTERM
 *   node projections/dist/cli.js rebuild [model…]    replay models from position 0 (all when none named)
 * The log and anchor feeds come from the module named by PROJECTIONS_SOURCES_MODULE (default
 * @certledger/ledger-service/dist/http/read/projectionSources), which exports
 * `openProjectionSources(env) → Promise<{ events, anchors?, close() }>`; this package never
 * imports the service statically. The read store is chosen as in readStoreConfigFromEnv.
 */
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import pino from 'pino';
import { createProjections, READ_MODELS } from './projections';
import type { AnchorFeed, EventFeed } from './types';

export interface ProjectionSources {
  readonly events: EventFeed;
  readonly anchors?: AnchorFeed;
  close(): Promise<void>;
}

const DEFAULT_SOURCES_MODULE = '@certledger/ledger-service/dist/http/read/projectionSources';

async function openSources(env: NodeJS.ProcessEnv): Promise<ProjectionSources> {
  const name = env.PROJECTIONS_SOURCES_MODULE ?? DEFAULT_SOURCES_MODULE;
  const resolved = name.startsWith('.') || path.isAbsolute(name) ? path.resolve(name) : name;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(resolved) as {
    openProjectionSources?: (env: NodeJS.ProcessEnv) => Promise<ProjectionSources>;
  };
  if (typeof loaded.openProjectionSources !== 'function')
    throw new Error(`${name} does not export openProjectionSources(env)`);
  return loaded.openProjectionSources(env);
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = pino({ name: 'projections', level: env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const [command, ...names] = argv;
  if (command !== 'run' && command !== 'rebuild') {
    process.stderr.write('usage: projections run | rebuild [model…]\n');
    return 2;
  }
  const sources = await openSources(env);
  const projections = createProjections({
    events: sources.events,
    ...(sources.anchors ? { anchors: sources.anchors } : {}),
    logger,
  });
  try {
    if (command === 'run') {
      await projections.runner.start();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return 0;
    }
    const models =
      names.length > 0 ? names : READ_MODELS.filter((m) => m.source === 'events' || sources.anchors).map((m) => m.name);
    for (const model of models) {
      const bar = new SingleBar(
        {
          format: `${model.padEnd(9)} [{bar}] {percentage}% | {value}/{total} | {rate} events/s`,
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      const started = process.hrtime.bigint();
      let barStarted = false;
      const applied = await projections.runner.rebuild(model, ({ position, head, applied: count }) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const rate = Math.round(count / Math.max(seconds, 1e-3));
        if (!barStarted) {
          bar.start(Math.max(head, 1), 0, { rate });
          barStarted = true;
        }
        bar.setTotal(Math.max(head, position, 1));
        bar.update(position, { rate });
      });
      if (barStarted) bar.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rate = Math.round(applied / Math.max(seconds, 1e-3));
      logger.info({ model, applied, seconds: Number(seconds.toFixed(2)), eventsPerSecond: rate }, 'read model rebuilt');
      process.stdout.write(`${model}: ${applied} items in ${seconds.toFixed(2)} s, ${rate} events/s\n`);
    }
    return 0;
  } finally {
    await projections.close();
    await sources.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`projections: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
