/**
 * The operators' metrics: figures the parts already know, as plain data (so that a workers thread
 * can post them to the API thread), written out once in the Prometheus text exposition format.
 * Label values are fixed vocabularies (backends, read models, part names): never tokens, personal
 * numbers or free text.
 */
export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: readonly MetricSample[];
}

/** Where figures are gathered from: a part on this thread, or a thread or process that answers for its parts. */
export interface MetricsSource {
  readonly name: string;
  metrics(): Promise<readonly MetricFamily[]>;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** How long a scrape waits for a source before leaving it out. */
export const METRICS_TIMEOUT_MS = 2_000;
const PART_UP = 'certledger_metrics_part_up';

/** A family of one sample. */
export function metric(
  name: string,
  type: MetricFamily['type'],
  help: string,
  value: number,
  labels?: Readonly<Record<string, string>>,
): MetricFamily {
  return { name, type, help, samples: [labels ? { labels, value } : { value }] };
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function seriesOf(name: string, sample: MetricSample): string {
  const labels = Object.entries(sample.labels ?? {});
  return labels.length === 0
    ? name
    : `${name}{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The exposition text: each family once, with its HELP and TYPE, then its samples. */
export function formatMetrics(families: readonly MetricFamily[]): string {
  return families
    .map((family) =>
      [
        `# HELP ${family.name} ${escapeHelp(family.help)}`,
        `# TYPE ${family.name} ${family.type}`,
        ...family.samples.map((sample) => `${seriesOf(family.name, sample)} ${valueText(sample.value)}`),
      ].join('\n'),
    )
    .map((text) => `${text}\n`)
    .join('');
}

/**
 * The families of all sources as one list: a family named twice is written once, and a series
 * (name and labels) reported by two sources keeps the first one's value. Two threads over the same
 * stores know some of the same figures (the head of the log, the read models' lag): the first
 * source's, this thread's, stand.
 */
export function mergeFamilies(lists: readonly (readonly MetricFamily[])[]): MetricFamily[] {
  const merged = new Map<string, { family: MetricFamily; series: Map<string, MetricSample> }>();
  for (const family of lists.flat()) {
    let entry = merged.get(family.name);
    if (!entry) merged.set(family.name, (entry = { family, series: new Map() }));
    for (const sample of family.samples) {
      const series = seriesOf(family.name, sample);
      if (!entry.series.has(series)) entry.series.set(series, sample);
    }
  }
  return [...merged.values()].map(({ family, series }) => ({ ...family, samples: [...series.values()] }));
}

class MetricsTimeout extends Error {
  constructor(source: string, timeoutMs: number) {
    super(`${source} gave no metrics within ${timeoutMs} ms`);
    this.name = 'MetricsTimeout';
  }
}

function withinTimeout<T>(source: string, answer: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new MetricsTimeout(source, timeoutMs)), timeoutMs);
  });
  return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Every source's figures, asked at once; a source that fails or does not answer within `timeoutMs`
 * is left out, and `certledger_metrics_part_up{part}` (1 or 0 for each source, after those that
 * sources themselves report) says which.
 */
export async function gatherMetrics(
  sources: readonly MetricsSource[],
  timeoutMs = METRICS_TIMEOUT_MS,
): Promise<MetricFamily[]> {
  const answers = await Promise.all(
    sources.map((source) =>
      withinTimeout(
        source.name,
        Promise.resolve().then(() => source.metrics()),
        timeoutMs,
      ).then(
        (families) => ({ source, families }),
        () => ({ source, families: undefined }),
      ),
    ),
  );
  const up: MetricFamily = {
    name: PART_UP,
    type: 'gauge',
    help: 'Whether a part (or a thread of parts) gave its metrics to this scrape in time (1) or not (0): the figures of one that did not are left out.',
    samples: answers.map(({ source, families }) => ({ labels: { part: source.name }, value: families ? 1 : 0 })),
  };
  // This thread's sources first in the list of parts up, then those that the sources report on.
  const merged = mergeFamilies([[up], ...answers.map(({ families }) => families ?? [])]);
  return [...merged.filter((family) => family.name !== PART_UP), ...merged.filter((family) => family.name === PART_UP)];
}

/** An ask for another thread's or process's figures, and its answer, matched by id. */
export interface MetricsRequest {
  readonly type: 'metrics';
  readonly id: number;
}
export interface MetricsReply {
  readonly type: 'metrics';
  readonly id: number;
  readonly families: readonly MetricFamily[];
}

export interface MetricsRequester {
  /** Sends an ask; settles with the answer, or fails after `timeoutMs` or when `abandon` is called. */
  ask(): Promise<readonly MetricFamily[]>;
  /** Hands over an answer that arrived. */
  answered(reply: MetricsReply): void;
  /** Fails every ask still waiting (the thread or process that should answer them is gone). */
  abandon(reason: string): void;
}

/** Asks by message (postMessage, process.send) and matches the answers to the asks. */
export function metricsRequester(
  send: (request: MetricsRequest) => void,
  timeoutMs = METRICS_TIMEOUT_MS,
): MetricsRequester {
  let lastId = 0;
  const waiting = new Map<
    number,
    { resolve: (families: readonly MetricFamily[]) => void; fail: (why: Error) => void }
  >();
  return {
    ask() {
      const id = (lastId += 1);
      return new Promise<readonly MetricFamily[]>((resolve, reject) => {
        const timer = setTimeout(() => fail(new MetricsTimeout('the thread', timeoutMs)), timeoutMs);
        const settle = (): void => {
          clearTimeout(timer);
          waiting.delete(id);
        };
        const fail = (why: Error): void => {
          settle();
          reject(why);
        };
        waiting.set(id, {
          resolve: (families) => {
            settle();
            resolve(families);
          },
          fail,
        });
        try {
          send({ type: 'metrics', id });
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    answered(reply) {
      waiting.get(reply.id)?.resolve(reply.families);
    },
    abandon(reason) {
      for (const { fail } of [...waiting.values()]) fail(new Error(reason));
    },
  };
}

/**
 * The answer to an ask, from the parts that run here, named `${scope}/${part}` in
 * certledger_metrics_part_up. It waits for them half as long as the asker waits for it, so that
 * a slow part is left out on its own instead of taking the whole answer with it.
 */
export async function answerMetrics(
  scope: string,
  parts: readonly { readonly name: string; readonly metrics?: () => Promise<readonly MetricFamily[]> }[],
  request: MetricsRequest,
): Promise<MetricsReply> {
  const sources = parts.flatMap((part) =>
    part.metrics ? [{ name: `${scope}/${part.name}`, metrics: part.metrics }] : [],
  );
  return { type: 'metrics', id: request.id, families: await gatherMetrics(sources, METRICS_TIMEOUT_MS / 2) };
}
