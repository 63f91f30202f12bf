import { assertWellFormed, conflictOf, distinctClaims } from './appendRules';
import { appendRequest, certificateNo, newEvents, newStreamId } from './testing/fixtures';

describe('append rules', () => {
  const streamId = newStreamId();

  it('names a retry first, then a stale version, then a taken claim', () => {
    const request = appendRequest(streamId, 0, 1, [certificateNo('CN-9')]);
    const existing = { ...request.events[0], position: 7, recordedAt: '2026-01-01T00:00:00.000Z' };
    const taken = certificateNo('CN-9');
    expect(conflictOf(request, { existing, actualVersion: 3, takenClaim: taken })?.code).toBe('duplicate-event-id');
    expect(conflictOf(request, { actualVersion: 3, takenClaim: taken })?.detail).toEqual({ expected: 0, actual: 3 });
    expect(conflictOf(request, { actualVersion: 0, takenClaim: taken })?.detail).toEqual({ kind: 'certificateNo', value: 'CN-9' });
    expect(conflictOf(request, { actualVersion: 0 })).toBeUndefined();
  });

  it('refuses requests whose events do not follow the expected version or belong elsewhere', () => {
    expect(() => assertWellFormed({ streamId, expectedVersion: 1, events: newEvents(streamId, 2, 2) })).not.toThrow();
    expect(() => assertWellFormed({ streamId, expectedVersion: 1, events: newEvents(streamId, 3, 1) })).toThrow(TypeError);
    expect(() => assertWellFormed({ streamId, expectedVersion: -1, events: newEvents(newStreamId(), 0, 1) })).toThrow(TypeError);
    expect(() => assertWellFormed({ streamId, expectedVersion: -2, events: [] })).toThrow(TypeError);
    const [event] = newEvents(streamId, 0, 1);
    expect(() => assertWellFormed({ streamId, expectedVersion: -1, events: [event, { ...event, version: 1 }] })).toThrow(TypeError);
  });

  it('counts a claim repeated in one request once', () => {
    const request = appendRequest(streamId, -1, 1, [certificateNo('A'), certificateNo('A'), certificateNo('B')]);
    expect(distinctClaims(request)).toEqual([certificateNo('A'), certificateNo('B')]);
  });
});
