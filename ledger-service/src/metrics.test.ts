import {
  answerMetrics,
  formatMetrics,
  gatherMetrics,
  mergeFamilies,
  metric,
  metricsRequester,
  type MetricFamily,
  type MetricsRequest,
} from './metrics';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('the Prometheus text of the metrics', () => {
  it('writes each family with its HELP and TYPE, then its samples, label values escaped', () => {
    const text = formatMetrics([
      metric('certledger_a', 'gauge', 'A figure\nover two lines', 1.5),
      {
        name: 'certledger_b_total',
        type: 'counter',
        help: 'B',
        samples: [
          { labels: { model: 'registry' }, value: 3 },
          { labels: { model: 'say "hi"\\now' }, value: Infinity },
        ],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP certledger_a A figure\\nover two lines',
        '# TYPE certledger_a gauge',
        'certledger_a 1.5',
        '# HELP certledger_b_total B',
        '# TYPE certledger_b_total counter',
        'certledger_b_total{model="registry"} 3',
        'certledger_b_total{model="say \\"hi\\"\\\\now"} +Inf',
        '',
      ].join('\n'),
    );
  });

  it('keeps the first value of a series two sources report, and the samples of each', () => {
    const merged = mergeFamilies([
      [{ name: 'lag', type: 'gauge', help: 'h', samples: [{ labels: { model: 'registry' }, value: 1 }] }],
      [
        {
          name: 'lag',
          type: 'gauge',
          help: 'h',
          samples: [
            { labels: { model: 'registry' }, value: 9 },
            { labels: { model: 'eventlog' }, value: 2 },
          ],
        },
      ],
    ]);
    expect(merged).toEqual([
      {
        name: 'lag',
        type: 'gauge',
        help: 'h',
        samples: [
          { labels: { model: 'registry' }, value: 1 },
          { labels: { model: 'eventlog' }, value: 2 },
        ],
      },
    ]);
  });
});

describe('gathering the metrics of the parts', () => {
  it('leaves out a source that does not answer in time or fails, and says so, without waiting longer', async () => {
    const started = Date.now();
    const families = await gatherMetrics(
      [
        { name: 'fast', metrics: async () => [metric('certledger_fast', 'gauge', 'fast', 1)] },
        { name: 'hung', metrics: () => never<MetricFamily[]>() },
        {
          name: 'broken',
          metrics: () => {
            throw new Error('down');
          },
        },
      ],
      50,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    const text = formatMetrics(families);
    expect(text).toContain('\ncertledger_fast 1\n');
    expect(text).toMatch(
      /\ncertledger_metrics_part_up\{part="fast"\} 1\ncertledger_metrics_part_up\{part="hung"\} 0\ncertledger_metrics_part_up\{part="broken"\} 0\n$/,
    );
  });

  it('asks another thread by message, matches its answer, and gives up on one that does not answer', async () => {
    const asked: MetricsRequest[] = [];
    const requester = metricsRequester((request) => asked.push(request), 50);
    const answered = requester.ask();
    const unanswered = requester.ask();
    const reply = await answerMetrics(
      'workers',
      [{ name: 'anchoring', metrics: async () => [metric('certledger_x', 'gauge', 'x', 7)] }, { name: 'plain' }],
      asked[0]!,
    );
    requester.answered(reply);
    const families = await answered;
    expect(formatMetrics(families)).toContain('certledger_x 7\n');
    expect(formatMetrics(families)).toContain('certledger_metrics_part_up{part="workers/anchoring"} 1\n');
    expect(formatMetrics(families)).not.toContain('workers/plain');
    await expect(unanswered).rejects.toThrow(/no metrics within 50 ms/);
  });

  it('fails the asks still waiting when the thread that should answer them is gone', async () => {
    const requester = metricsRequester(() => undefined, 60_000);
    const waiting = requester.ask();
    requester.abandon('the workers thread exited');
    await expect(waiting).rejects.toThrow('the workers thread exited');
  });
});
