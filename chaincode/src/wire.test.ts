import { createHash } from 'node:crypto';
import { parseBatch } from './validate';
import { BatchArgument, encodeBatch } from './wire';
import { BatchEventInput, BatchInput, ZERO_HASH } from './types';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function event(
  streamId: string,
  version: number,
  prevHash: string,
  extra: Partial<BatchEventInput> = {},
): BatchEventInput {
  return {
    eventId: sha(`${streamId}/e${version}`)
      .slice(0, 32)
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    streamId,
    version,
    type: 'AuditPlanned',
    hash: sha(`${streamId}/${version}/${prevHash}`),
    prevHash,
    occurredAt: '2026-01-05T09:00:00+08:00',
    ...extra,
  };
}

describe('the AnchorBatch argument', () => {
  it('carries any batch as runs and parses back to the same events in batch order', () => {
    const a0 = event('certification-a', 0, ZERO_HASH);
    const b4 = event('certification-b', 4, sha('b3'));
    const a1 = event('certification-a', 1, a0.hash, { certificateNo: 'CN-1', certificateStatus: 'valid' });
    const b5 = event('certification-b', 5, b4.hash);
    // Events that do not continue their stream's run (a forged prevHash, a version gap) start runs of their own.
    const forged = event('certification-a', 2, sha('forged'));
    const gap = event('certification-b', 7, b5.hash);
    const batch: BatchInput = {
      batchId: sha('id'),
      agencyId: 'CNCA-R-2002-001',
      root: sha('root'),
      events: [a0, b4, a1, b5, forged, gap],
    };
    const wire = JSON.parse(encodeBatch(batch)) as BatchArgument;
    expect(wire.runs.map((run) => [run.streamId, run.version, run.events.map((e) => e[4])])).toEqual([
      ['certification-a', 0, [0, 2]],
      ['certification-b', 4, [1, 3]],
      ['certification-a', 2, [4]],
      ['certification-b', 7, [5]],
    ]);
    expect(wire.runs[0]!.events[1]).toEqual([a1.eventId, a1.type, a1.hash, a1.occurredAt, 2, 'CN-1', 'valid']);
    expect(parseBatch(encodeBatch(batch))).toEqual(batch);
  });

  it('is deterministic JSON', () => {
    const batch: BatchInput = { batchId: sha('i'), agencyId: 'A', root: sha('r'), events: [event('s', 0, ZERO_HASH)] };
    expect(encodeBatch(batch)).toBe(encodeBatch(JSON.parse(JSON.stringify(batch)) as BatchInput));
    expect(encodeBatch(batch)).toMatch(/^\{"agencyId":"A","batchId":/);
  });
});
