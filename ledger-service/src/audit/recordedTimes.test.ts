import { RecordedTimes } from './recordedTimes';

describe('RecordedTimes: recorded_at along the log', () => {
  const event = (position: number, recordedAt: string) => ({
    position,
    eventId: `e${position}`,
    streamId: 'certification-c1',
    version: position - 1,
    recordedAt,
  });
  const check = (
    times: readonly string[],
    auditTime = '2026-05-01T12:00:00.000Z',
    followsLog = true,
  ): Array<string | undefined> => {
    const recorded = new RecordedTimes(new Date(auditTime), followsLog);
    return times.map((at, i) => recorded.next(event(i + 1, at))?.reason);
  };

  it('takes equal times (one group commit), a step back of at most a second, and times written another way', () => {
    expect(
      check([
        '2026-05-01T10:00:00.000Z',
        '2026-05-01T10:00:00.000Z',
        '2026-05-01T09:59:59.200Z',
        '2026-05-01T10:00:01+00:00',
        '2026-05-01T10:00:02.000Z',
      ]),
    ).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('allows the ledger clock skew (5 minutes) past the audit, and no more', () => {
    expect(check(['2026-05-01T12:04:59.000Z', '2026-05-01T12:05:01.000Z'])).toEqual([
      undefined,
      'recorded-at-in-future',
    ]);
  });

  it('names the event that goes back, and does not blame the event after one moved into the future', () => {
    expect(
      check([
        '2026-05-01T10:00:00.000Z',
        '2026-05-01T09:00:00.000Z',
        '2026-05-01T10:00:03.000Z',
        '2099-01-01T00:00:00.000Z',
        '2026-05-01T10:00:04.000Z',
        'yesterday',
        '2026-05-01T10:00:05.000Z',
      ]),
    ).toEqual([
      undefined,
      'recorded-at-before-previous-event',
      undefined,
      'recorded-at-in-future',
      undefined,
      'recorded-at-not-a-time',
      undefined,
    ]);
  });

  it('does not order the times of a store that stamps them before the log is ordered (KurrentDB), but still bounds them', () => {
    const times = ['2026-05-01T10:00:00.000Z', '2026-05-01T09:59:50.000Z', '2026-05-01T12:06:00.000Z'];
    expect(check(times, undefined, false)).toEqual([undefined, undefined, 'recorded-at-in-future']);
    expect(check(times)).toEqual([undefined, 'recorded-at-before-previous-event', 'recorded-at-in-future']);
  });
});
