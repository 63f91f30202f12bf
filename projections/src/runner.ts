import type { Logger } from 'pino';
import type { AnyReadModel, ReadModel } from './model';
import type { ReadStore, SqlExecutor } from './store/port';
import { anchorSource, eventSource, type AnchorFeed, type EventFeed, type Source } from './types';

const CHECKPOINT_DDL = `CREATE TABLE IF NOT EXISTS projection_checkpoints (
  model TEXT PRIMARY KEY,
  position BIGINT NOT NULL,
  schema_version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
)`;

export interface RunnerOptions {
  readonly store: ReadStore;
  readonly events: EventFeed;
  /** Without it, anchor models stay empty (receipts are still looked up per request). */
  readonly anchors?: AnchorFeed;
  readonly models: readonly AnyReadModel[];
  readonly logger: Logger;
  /** Items read and applied per transaction while following the log. */
  readonly batchSize?: number;
  /** How long one wait for new items lasts before the loop reads again. */
  readonly idleWaitMs?: number;
}

export interface Checkpoint {
  readonly model: string;
  readonly position: number;
  readonly schemaVersion: number;
  readonly updatedAt: string;
}

export interface RebuildProgress {
  readonly model: string;
  readonly position: number;
  readonly head: number;
  readonly applied: number;
}

export interface ProjectionRunner {
  /** Creates tables, rebuilds models whose schema changed, then follows the feeds until stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Creates tables and rebuilds models whose schema changed, without following. */
  init(): Promise<void>;
  /** Applies everything available now, then resolves. */
  catchUp(): Promise<void>;
  /** Empties one model and replays its source from position 0; resolves with the events applied. */
  rebuild(model: string, onProgress?: (progress: RebuildProgress) => void): Promise<number>;
  checkpoints(): Promise<Checkpoint[]>;
}

interface Lane {
  readonly source: Source<unknown>;
  readonly models: readonly ReadModel<unknown>[];
}

export class ProjectionRunnerError extends Error {
  constructor(
    readonly code: 'unknown-model' | 'no-source',
    message: string,
  ) {
    super(message);
    this.name = 'ProjectionRunnerError';
  }
}

export function createProjectionRunner(options: RunnerOptions): ProjectionRunner {
  const { store, logger } = options;
  const batchSize = options.batchSize ?? 1000;
  const idleWaitMs = options.idleWaitMs ?? 1000;
  const models = options.models as readonly ReadModel<unknown>[];
  const sources: Record<string, Source<unknown> | undefined> = {
    events: eventSource(options.events) as Source<unknown>,
    anchors: options.anchors ? (anchorSource(options.anchors) as Source<unknown>) : undefined,
  };
  const lanes: Lane[] = [];
  for (const name of ['events', 'anchors'] as const) {
    const source = sources[name];
    const laneModels = models.filter((m) => m.source === name);
    if (source && laneModels.length > 0) lanes.push({ source, models: laneModels });
  }
  let running = false;
  let loops: Promise<void>[] = [];
  let initialized = false;

  const positionOf = async (tx: SqlExecutor, model: string): Promise<number> => {
    const lock = store.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const row = await tx.get<{ position: number }>(
      `SELECT position FROM projection_checkpoints WHERE model = ?${lock}`,
      [model],
    );
    return row ? Number(row.position) : 0;
  };

  const setPosition = (tx: SqlExecutor, model: ReadModel<unknown>, position: number): Promise<number> =>
    tx.run(
      `INSERT INTO projection_checkpoints (model, position, schema_version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (model) DO UPDATE SET position = excluded.position, schema_version = excluded.schema_version, updated_at = excluded.updated_at`,
      [model.name, position, model.schemaVersion, new Date().toISOString()],
    );

  /** Where a replay of the model's source from the start ends: its head now. */
  const replayTarget = async (model: ReadModel<unknown>): Promise<{ to: number }> => ({
    to: (await sources[model.source]?.head?.()) ?? 0,
  });

  const reset = async (model: ReadModel<unknown>): Promise<void> => {
    const replay = await replayTarget(model);
    await store.transaction(async (tx) => {
      for (const table of model.tables) await tx.run(`DROP TABLE IF EXISTS ${table}`);
      for (const statement of model.ddl(store.dialect)) await tx.run(statement);
      await model.afterReset?.(tx, store.dialect, replay);
      await setPosition(tx, model, 0);
    });
  };

  const init = async (): Promise<void> => {
    if (initialized) return;
    await store.exec(CHECKPOINT_DDL);
    const stored = await checkpoints();
    const outdated = models.filter((model) => {
      const checkpoint = stored.find((c) => c.model === model.name);
      return checkpoint !== undefined && checkpoint.schemaVersion !== model.schemaVersion;
    });
    const fresh = models.filter((model) => !stored.some((c) => c.model === model.name));
    const replays = new Map(await Promise.all(fresh.map(async (model) => [model, await replayTarget(model)] as const)));
    await store.transaction(async (tx) => {
      for (const model of models) {
        // An outdated model's tables are dropped and made anew below: its new DDL need not fit the old ones.
        if (!outdated.includes(model)) for (const statement of model.ddl(store.dialect)) await tx.run(statement);
        // A model new to the store replays the log from the start, as after a reset.
        const replay = replays.get(model);
        if (replay) await model.afterReset?.(tx, store.dialect, replay);
        // A row per model from the start, so that concurrent runners can lock it.
        await tx.run(
          'INSERT INTO projection_checkpoints (model, position, schema_version, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (model) DO NOTHING',
          [model.name, model.schemaVersion, new Date().toISOString()],
        );
      }
    });
    for (const model of outdated) {
      const from = stored.find((c) => c.model === model.name)!.schemaVersion;
      logger.info({ model: model.name, from, to: model.schemaVersion }, 'read model schema changed: rebuilding');
      await reset(model);
    }
    initialized = true;
  };

  const checkpoints = async (): Promise<Checkpoint[]> => {
    const rows = await store.all<{ model: string; position: number; schema_version: number; updated_at: string }>(
      'SELECT model, position, schema_version, updated_at FROM projection_checkpoints ORDER BY model',
    );
    return rows.map((r) => ({
      model: r.model,
      position: Number(r.position),
      schemaVersion: Number(r.schema_version),
      updatedAt: r.updated_at,
    }));
  };

  /**
   * One step of a lane: read after the lowest checkpoint, then, in one transaction per batch,
   * apply to each model only the items past its own checkpoint (read inside the transaction) and
   * move that checkpoint. A model whose checkpoint is below the read start is left for the next
   * step, so nothing is ever skipped or applied twice, even with two runners on one store.
   */
  const step = async (lane: Lane, limit: number): Promise<{ applied: number; last: number; after: number }> => {
    const names = lane.models.map((m) => m.name);
    const rows = await store.all<{ model: string; position: number }>(
      `SELECT model, position FROM projection_checkpoints WHERE model IN (${names.map(() => '?').join(', ')})`,
      names,
    );
    const after = Math.min(...lane.models.map((m) => Number(rows.find((r) => r.model === m.name)?.position ?? 0)));
    // A feed may re-deliver items at or before `after`; only what lies beyond it counts.
    const items = (await lane.source.read(after, limit)).filter((item) => lane.source.positionOf(item) > after);
    if (items.length === 0) return { applied: 0, last: after, after };
    const last = lane.source.positionOf(items[items.length - 1]!);
    let applied = 0;
    await store.transaction(async (tx) => {
      for (const model of lane.models) {
        const current = await positionOf(tx, model.name);
        if (current < after || current >= last) continue;
        const fresh = items.filter((item) => lane.source.positionOf(item) > current);
        if (fresh.length === 0) continue;
        await model.apply(tx, fresh, store.dialect);
        await setPosition(tx, model, last);
        applied = Math.max(applied, fresh.length);
      }
    });
    return { applied, last, after };
  };

  const follow = async (lane: Lane): Promise<void> => {
    let backoff = 0;
    while (running) {
      try {
        const { applied, last } = await step(lane, batchSize);
        backoff = 0;
        if (applied === 0 && running) await lane.source.wait(last, idleWaitMs);
      } catch (error) {
        backoff = Math.min(backoff * 2 || 100, 5000);
        logger.error({ err: error, source: lane.source.name, retryInMs: backoff }, 'projection step failed');
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  };

  const catchUp = async (): Promise<void> => {
    await init();
    for (const lane of lanes) {
      for (;;) {
        const { applied, last, after } = await step(lane, batchSize);
        if (applied === 0 && last === after) break;
      }
    }
  };

  return {
    init,
    start: async () => {
      await init();
      if (running) return;
      running = true;
      loops = lanes.map((lane) => follow(lane));
      logger.info({ store: store.description, models: models.map((m) => m.name) }, 'projections following the log');
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      loops = [];
    },
    catchUp,
    checkpoints,
    rebuild: async (name, onProgress) => {
      await init();
      const model = models.find((m) => m.name === name);
      if (!model)
        throw new ProjectionRunnerError(
          'unknown-model',
          `no read model named "${name}" (have: ${models.map((m) => m.name).join(', ')})`,
        );
      const source = sources[model.source];
      if (!source) throw new ProjectionRunnerError('no-source', `read model "${name}" needs the ${model.source} feed`);
      await reset(model);
      const lane: Lane = { source, models: [model] };
      const head = source.head ? await source.head() : 0;
      let applied = 0;
      for (;;) {
        const step_ = await step(lane, Math.max(batchSize, 5000));
        applied += step_.applied;
        onProgress?.({ model: name, position: step_.last, head: Math.max(head, step_.last), applied });
        if (step_.applied === 0 && step_.last === step_.after) break;
      }
      return applied;
    },
  };
}
