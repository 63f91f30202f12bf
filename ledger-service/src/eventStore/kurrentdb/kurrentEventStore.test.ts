import { randomBytes } from 'node:crypto';
import { eventStoreContract } from '../testing/contract';
import { newEvents, newStreamId } from '../testing/fixtures';
import { openKurrentEventStore } from './kurrentEventStore';
import { bodyOf, reservedStreams, storedEventOfBody } from './mapping';

const url = process.env.EVENT_STORE_URL ?? '';
const serverConfigured = /^(kurrentdb|kdb|esdb|eventstore)(\+discover)?:\/\//.test(url);

if (serverConfigured) {
  eventStoreContract('KurrentDB', {
    densePositions: false,
    isolatedLog: false,
    open: async () => {
      const reservedPrefix = `certledger-test-${randomBytes(4).toString('hex')}-`;
      return {
        store: await openKurrentEventStore({ connectionString: url, reservedPrefix, pollIntervalMs: 100 }),
        openAnother: () => openKurrentEventStore({ connectionString: url, reservedPrefix, pollIntervalMs: 100 }),
      };
    },
  });
} else {
  describe.skip('EventStore contract: KurrentDB — skipped: EVENT_STORE_URL is not a kurrentdb:// or esdb:// URL (no server can run on this machine)', () => {
    it('runs the contract suite against a KurrentDB server', () => undefined);
  });
}

describe('KurrentDB event store without a server', () => {
  it('answers store-unavailable when the server cannot be reached', async () => {
    await expect(
      openKurrentEventStore({ connectionString: 'kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1' }),
    ).rejects.toMatchObject({ code: 'store-unavailable', detail: { reason: 'unavailable' } });
  });
});

describe('KurrentDB mapping', () => {
  it('keeps every envelope field and the canonical bytes exactly', () => {
    const [event] = newEvents(newStreamId(), 4, 1);
    const body = JSON.parse(JSON.stringify(bodyOf(event, '2026-12-04T20:00:00.000Z')));
    const stored = storedEventOfBody(event.streamId, event.type, 1234, body);
    expect(stored).toEqual({ ...event, canonical: expect.any(Uint8Array), position: 1234, recordedAt: '2026-12-04T20:00:00.000Z' });
    expect(Buffer.from(stored.canonical).equals(Buffer.from(event.canonical))).toBe(true);
  });

  it('names reserved streams so the $all filter keeps ledger streams and drops system and reserved ones', () => {
    const reserved = reservedStreams('certledger-');
    const ledger = new RegExp(reserved.ledgerStreamsRegex);
    expect(ledger.test('certification-42')).toBe(true);
    expect(ledger.test('supervision-7')).toBe(true);
    expect(ledger.test('$stats-127.0.0.1')).toBe(false);
    expect(ledger.test(reserved.eventId('0b6d1b4e-0000-4000-8000-000000000000'))).toBe(false);
    expect(ledger.test(reserved.claim({ kind: 'certificateNo', value: '00124Q3/1 2' }))).toBe(false);
    expect(reserved.claim({ kind: 'certificateNo', value: 'a/b' })).not.toBe(reserved.claim({ kind: 'certificateNo', value: 'a-b' }));
  });
});
