import type { Context } from 'fabric-contract-api';
import { batchIdOf, batchRootOf, eventIdsHashOf } from './batch';
import { CertLedgerContract } from './contract';
import { BatchArgument, encodeBatch } from './wire';
import { chaincodeErrorCodeOf } from './errors';
import {
  BatchEventInput,
  BatchInput,
  BatchRecord,
  CertificateStatus,
  ContractQuery,
  MAX_LISTED_CLAIMS,
  ZERO_HASH,
} from './types';
import { createHash } from 'node:crypto';

/** 2026-09-21: the events' occurredAt lie before it. */
const LEDGER_EPOCH_SECONDS = 1_790_000_000;

/** A ledger in memory with Fabric's semantics: a transaction reads committed state and its writes land at commit. */
class FakeLedger {
  readonly state = new Map<string, Buffer>();
  readonly history = new Map<string, Array<{ txId: string; value: Buffer; seconds: number }>>();
  readonly events: Array<{ name: string; payload: Buffer }> = [];
  private tx = 0;

  /** The peer's clock: the time of the latest transaction (each transaction one second after the last). */
  clockMs(): number {
    return (LEDGER_EPOCH_SECONDS + this.tx) * 1000;
  }

  /** The records range reads have served: what a query costs the peer. */
  rangeRecordsServed = 0;

  private keysUnder(type: string, attrs: string[]): string[] {
    const prefix = `\u0000${type}\u0000${attrs.map((a) => `${a}\u0000`).join('')}`;
    return [...this.state.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private rangeIterator(keys: string[]) {
    const entries = keys.map((key) => ({ key, value: this.state.get(key)! }));
    return {
      next: async () => {
        const entry = entries.shift();
        if (entry) this.rangeRecordsServed++;
        return entry ? { done: false, value: entry } : { done: true, value: undefined };
      },
      close: async () => undefined,
    };
  }

  context(identity: { mspId: string; attrs: Record<string, string> }): { ctx: Context; commit: () => void } {
    const txId = `tx${++this.tx}`;
    const seconds = LEDGER_EPOCH_SECONDS + this.tx;
    const writes = new Map<string, Buffer>();
    let event: { name: string; payload: Buffer } | undefined;
    const stub = {
      getTxID: () => txId,
      getDateTimestamp: () => new Date(seconds * 1000),
      createCompositeKey: (type: string, attrs: string[]) => `\u0000${type}\u0000${attrs.join('\u0000')}\u0000`,
      getState: async (key: string) => this.state.get(key) ?? Buffer.alloc(0),
      putState: async (key: string, value: Uint8Array) => void writes.set(key, Buffer.from(value)),
      setEvent: (name: string, payload: Uint8Array) => void (event = { name, payload: Buffer.from(payload) }),
      getStateByPartialCompositeKey: async (type: string, attrs: string[]) =>
        this.rangeIterator(this.keysUnder(type, attrs)),
      getStateByPartialCompositeKeyWithPagination: async (
        type: string,
        attrs: string[],
        pageSize: number,
        bookmark = '',
      ) => {
        const keys = this.keysUnder(type, attrs).filter((key) => key >= bookmark);
        return {
          iterator: this.rangeIterator(keys.slice(0, pageSize)),
          metadata: { fetchedRecordsCount: Math.min(pageSize, keys.length), bookmark: keys[pageSize] ?? '' },
        };
      },
      getHistoryForKey: async (key: string) => {
        const entries = [...(this.history.get(key) ?? [])].reverse();
        return {
          next: async () => {
            const entry = entries.shift();
            return entry
              ? {
                  done: false,
                  value: {
                    isDelete: false,
                    value: entry.value,
                    txId: entry.txId,
                    timestamp: { seconds: entry.seconds, nanos: 0 },
                  },
                }
              : { done: true, value: undefined };
          },
          close: async () => undefined,
        };
      },
    };
    const clientIdentity = {
      getMSPID: () => identity.mspId,
      getAttributeValue: (name: string) => identity.attrs[name] ?? null,
    };
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const ctx = { stub, clientIdentity, logging: { getLogger: () => logger } } as unknown as Context;
    const commit = (): void => {
      for (const [key, value] of writes) {
        this.state.set(key, value);
        this.history.set(key, [...(this.history.get(key) ?? []), { txId, value, seconds }]);
      }
      if (event) this.events.push(event);
    };
    return { ctx, commit };
  }
}

const CB_A = 'CNCA-R-2002-001';
const CB_B = 'CNCA-R-2002-002';
type Identity = { mspId: string; attrs: Record<string, string> };
const agency = (agencyId: string): Identity => ({ mspId: 'CBOrgMSP', attrs: { role: 'agency', agencyId } });

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A UUID made from `text`, lowercase as the service stores a CB's eventIds. */
const uuidOf = (text: string): string =>
  sha(text)
    .slice(0, 32)
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const eventIdOf = (streamId: string, version: number): string => uuidOf(`${streamId}/e${version}`);

/** A stream's chain of event digests. */
function chain(
  streamId: string,
  count: number,
  from = { version: 0, prevHash: ZERO_HASH },
  type = 'ApplicationSubmitted',
): BatchEventInput[] {
  const events: BatchEventInput[] = [];
  let prevHash = from.prevHash;
  for (let i = 0; i < count; i++) {
    const version = from.version + i;
    const hash = sha(`${streamId}/${version}/${prevHash}`);
    events.push({
      eventId: eventIdOf(streamId, version),
      streamId,
      version,
      type,
      hash,
      prevHash,
      occurredAt: '2026-01-05T09:00:00+08:00',
    });
    prevHash = hash;
  }
  return events;
}

/** `event` as a certificate event: its type and the status it leaves on the certificate number. */
function certificateEvent(
  event: BatchEventInput,
  type: string,
  certificateStatus: CertificateStatus,
  certificateNo = 'CN-1',
): BatchEventInput {
  return { ...event, type, certificateNo, certificateStatus };
}

function batchOf(agencyId: string, events: BatchEventInput[]): BatchInput {
  const hashes = events.map((e) => e.hash);
  return { batchId: batchIdOf(hashes), agencyId, root: batchRootOf(hashes), events };
}

async function submit(
  ledger: FakeLedger,
  contract: CertLedgerContract,
  batch: unknown,
  identity: Identity = agency((batch as BatchInput).agencyId),
) {
  const { ctx, commit } = ledger.context(identity);
  const result = JSON.parse(await contract.AnchorBatch(ctx, encodeBatch(batch as BatchInput))) as {
    batch: BatchRecord;
    replayed: boolean;
  };
  commit();
  return result;
}

async function refusal(ledger: FakeLedger, contract: CertLedgerContract, batch: unknown, identity?: Identity) {
  const stateBefore = new Map(ledger.state);
  try {
    await submit(ledger, contract, batch, identity);
  } catch (error) {
    expect(ledger.state).toEqual(stateBefore);
    return chaincodeErrorCodeOf((error as Error).message);
  }
  throw new Error('the batch was accepted');
}

async function query(ledger: FakeLedger, contract: CertLedgerContract, fn: ContractQuery, arg: object) {
  const { ctx } = ledger.context(agency(CB_A));
  return JSON.parse(await contract[fn](ctx, JSON.stringify(arg)));
}

describe('CertLedgerContract.AnchorBatch', () => {
  let ledger: FakeLedger;
  let contract: CertLedgerContract;
  beforeEach(() => {
    ledger = new FakeLedger();
    contract = new CertLedgerContract({
      agencyMspIds: ['CBOrgMSP'],
      regulatorMspIds: ['RegulatorOrgMSP'],
      now: () => ledger.clockMs(),
    });
  });

  it('anchors a valid batch: event digests, stream heads, the batch record and a BatchAnchored event', async () => {
    const events = [...chain('certification-c1', 3), ...chain('certification-c2', 2)];
    const batch = batchOf(CB_A, events);
    const result = await submit(ledger, contract, batch);
    expect(result.replayed).toBe(false);
    expect(result.batch).toMatchObject({
      batchId: batch.batchId,
      root: batch.root,
      size: 5,
      agencyId: CB_A,
      transactionId: 'tx1',
    });
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'certification-c1', version: 2 })).toMatchObject({
      eventId: eventIdOf('certification-c1', 2),
      hash: events[2]!.hash,
      batchId: batch.batchId,
      leafIndex: 2,
      version: 2,
    });
    expect(await query(ledger, contract, 'GetBatchEvents', { batchId: batch.batchId })).toEqual(
      events.map((event, leafIndex) => ({ ...event, batchId: batch.batchId, leafIndex, agencyId: CB_A })),
    );
    expect(await query(ledger, contract, 'GetStreamHead', { streamId: 'certification-c2' })).toEqual({
      streamId: 'certification-c2',
      version: 1,
      hash: events[4]!.hash,
      agencyId: CB_A,
    });
    expect(await query(ledger, contract, 'GetBatch', { batchId: batch.batchId })).toMatchObject({
      eventIdsHash: eventIdsHashOf(events.map((e) => e.eventId)),
      streams: [
        ['certification-c1', 0],
        ['certification-c2', 0],
      ],
    });
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'certification-c1', version: 3 })).toBeNull();
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'unknown', version: 0 })).toBeNull();
    expect(await query(ledger, contract, 'GetBatchEvents', { batchId: 'unknown' })).toEqual([]);
    expect(ledger.events.map((e) => e.name)).toEqual(['BatchAnchored']);
    expect(JSON.parse(ledger.events[0]!.payload.toString())).toMatchObject({
      batchId: batch.batchId,
      size: 5,
      transactionId: 'tx1',
    });
  });

  it('continues a stream across batches, one events record per stream and batch', async () => {
    const first = chain('certification-c1', 2);
    await submit(ledger, contract, batchOf(CB_A, first));
    const next = chain('certification-c1', 2, { version: 2, prevHash: first[1]!.hash });
    const other = chain('certification-c2', 1);
    await submit(ledger, contract, batchOf(CB_A, [next[0]!, other[0]!, next[1]!]));
    expect(await query(ledger, contract, 'GetStreamHead', { streamId: 'certification-c1' })).toMatchObject({
      version: 3,
      hash: next[1]!.hash,
    });
    expect([...ledger.state.keys()].filter((key) => key.startsWith('\u0000events\u0000'))).toHaveLength(3);
    const stream = await query(ledger, contract, 'GetStreamEvents', { streamId: 'certification-c1' });
    expect(stream.map((e: { eventId: string; leafIndex: number }) => [e.eventId, e.leafIndex])).toEqual([
      [eventIdOf('certification-c1', 0), 0],
      [eventIdOf('certification-c1', 1), 1],
      [eventIdOf('certification-c1', 2), 0],
      [eventIdOf('certification-c1', 3), 2],
    ]);
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'certification-c1', version: 3 })).toMatchObject({
      hash: next[1]!.hash,
      leafIndex: 2,
    });
  });

  it('keys events by stream and version: an eventId used on another stream is another event', async () => {
    const first = chain('certification-c1', 1);
    await submit(ledger, contract, batchOf(CB_A, first));
    const reused = chain('certification-c2', 1).map((event) => ({ ...event, eventId: first[0]!.eventId }));
    await submit(ledger, contract, batchOf(CB_A, reused));
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'certification-c2', version: 0 })).toMatchObject({
      eventId: first[0]!.eventId,
      hash: reused[0]!.hash,
    });
    expect(await query(ledger, contract, 'GetEvent', { streamId: 'certification-c1', version: 0 })).toMatchObject({
      hash: first[0]!.hash,
    });
  });

  it("refuses a CB anchoring another CB's certification", async () => {
    const first = chain('certification-c1', 1);
    await submit(ledger, contract, batchOf(CB_A, first));
    const intruder = chain('certification-c1', 1, { version: 1, prevHash: first[0]!.hash });
    expect(await refusal(ledger, contract, batchOf(CB_B, intruder))).toBe('CL_STREAM_NOT_OWNED');
  });

  /** AuthorizeTransfer as `identity`: its error code, or undefined when it was taken. */
  async function authorize(identity: Identity, streamId: string, toAgencyId: string): Promise<string | undefined> {
    const { ctx, commit } = ledger.context(identity);
    try {
      await contract.AuthorizeTransfer(ctx, JSON.stringify({ streamId, toAgencyId }));
      commit();
      return undefined;
    } catch (error) {
      return chaincodeErrorCodeOf((error as Error).message);
    }
  }

  it('moves a stream to the accepting CB with CertificationTransferred, once its holder has authorized it', async () => {
    const first = chain('certification-c1', 1);
    await submit(ledger, contract, batchOf(CB_A, first));
    const transfer = chain('certification-c1', 1, { version: 1, prevHash: first[0]!.hash }, 'CertificationTransferred');
    expect(await authorize(agency(CB_A), 'certification-c1', CB_B)).toBeUndefined();
    await submit(ledger, contract, batchOf(CB_B, transfer));
    expect(await query(ledger, contract, 'GetStreamHead', { streamId: 'certification-c1' })).toMatchObject({
      agencyId: CB_B,
      version: 1,
    });
    const after = chain('certification-c1', 1, { version: 2, prevHash: transfer[0]!.hash });
    expect(await refusal(ledger, contract, batchOf(CB_A, after))).toBe('CL_STREAM_NOT_OWNED');
    // The authorization held for that one event: the former holder cannot use it to take the stream back.
    const back = chain('certification-c1', 1, { version: 2, prevHash: transfer[0]!.hash }, 'CertificationTransferred');
    expect(await refusal(ledger, contract, batchOf(CB_A, back))).toBe('CL_STREAM_NOT_OWNED');
  });

  it("lets no CB take over another's stream by calling its event a transfer", async () => {
    const first = chain('certification-c1', 1);
    await submit(ledger, contract, batchOf(CB_A, first));
    const takeover = chain('certification-c1', 1, { version: 1, prevHash: first[0]!.hash }, 'CertificationTransferred');
    expect(await refusal(ledger, contract, batchOf(CB_B, takeover))).toBe('CL_STREAM_NOT_OWNED');
    expect(await authorize(agency(CB_B), 'certification-c1', CB_B)).toBe('CL_FORBIDDEN_AGENCY');
    expect(await authorize(agency(CB_A), 'certification-c1', 'CNCA-R-2002-003')).toBeUndefined();
    expect(await refusal(ledger, contract, batchOf(CB_B, takeover))).toBe('CL_STREAM_NOT_OWNED');
    const regulator: Identity = {
      mspId: 'RegulatorOrgMSP',
      attrs: { role: 'regulator', agencyId: 'regulator-nanjing' },
    };
    expect(await authorize(regulator, 'certification-c1', CB_B)).toBe('CL_FORBIDDEN_MSP');
  });

  it('refuses a forged prevHash, on a new stream and on an anchored one', async () => {
    const forgedStart = chain('certification-c1', 1, { version: 0, prevHash: sha('forged') });
    expect(await refusal(ledger, contract, batchOf(CB_A, forgedStart))).toBe('CL_PREV_HASH_MISMATCH');
    const first = chain('certification-c1', 2);
    await submit(ledger, contract, batchOf(CB_A, first));
    const forged = chain('certification-c1', 1, { version: 2, prevHash: first[0]!.hash });
    expect(await refusal(ledger, contract, batchOf(CB_A, forged))).toBe('CL_PREV_HASH_MISMATCH');
  });

  it('refuses a version gap, within a batch and across batches', async () => {
    const events = chain('certification-c1', 3);
    const gapped = [events[0]!, { ...events[2]!, prevHash: events[0]!.hash }];
    expect(await refusal(ledger, contract, batchOf(CB_A, gapped))).toBe('CL_VERSION_GAP');
    await submit(ledger, contract, batchOf(CB_A, events.slice(0, 1)));
    const skip = chain('certification-c1', 1, { version: 2, prevHash: events[0]!.hash });
    expect(await refusal(ledger, contract, batchOf(CB_A, skip))).toBe('CL_VERSION_GAP');
    expect(
      await refusal(ledger, contract, batchOf(CB_A, chain('certification-c9', 1, { version: 1, prevHash: ZERO_HASH }))),
    ).toBe('CL_VERSION_GAP');
  });

  it("refuses a transaction whose time is further from the endorsing peer's clock than the skew allowed, and records the time it vouches for", async () => {
    const skewed = (offsetMs: number) =>
      new CertLedgerContract({
        agencyMspIds: ['CBOrgMSP'],
        regulatorMspIds: ['RegulatorOrgMSP'],
        maxClockSkewSeconds: 300,
        // Called during a transaction: clockMs() is then that transaction's time.
        now: () => ledger.clockMs() - offsetMs,
      });
    expect(await refusal(ledger, skewed(301_000), batchOf(CB_A, chain('certification-t1', 1)))).toBe('CL_TX_TIME_SKEW');
    expect(await refusal(ledger, skewed(-301_000), batchOf(CB_A, chain('certification-t1', 1)))).toBe(
      'CL_TX_TIME_SKEW',
    );
    const txTime = new Date(ledger.clockMs() + 1000).toISOString();
    const { batch } = await submit(ledger, skewed(299_000), batchOf(CB_A, chain('certification-t1', 1)));
    expect(batch.timestamp).toBe(txTime);
  });

  it('refuses an event that says it occurred after the transaction that anchors it', async () => {
    const txTime = ledger.clockMs() + 1000;
    const at = (offsetMs: number) => new Date(txTime + offsetMs).toISOString();
    const [later] = chain('certification-f1', 1);
    expect(await refusal(ledger, contract, batchOf(CB_A, [{ ...later!, occurredAt: at(301_000) }]))).toBe(
      'CL_OCCURRED_IN_FUTURE',
    );
    expect(await refusal(ledger, contract, batchOf(CB_A, [{ ...later!, occurredAt: 'soon' }]))).toBe('CL_BAD_REQUEST');
    // Without its offset a time would be read in each peer's own time zone, and peers could disagree.
    expect(await refusal(ledger, contract, batchOf(CB_A, [{ ...later!, occurredAt: '2026-01-05T09:00:00' }]))).toBe(
      'CL_BAD_REQUEST',
    );
    const { batch } = await submit(ledger, contract, batchOf(CB_A, [{ ...later!, occurredAt: at(290_000) }]));
    expect(batch.size).toBe(1);
  });

  it('treats an identical replay as a no-op that returns the stored batch and its original transaction', async () => {
    const batch = batchOf(CB_A, chain('certification-c1', 3));
    await submit(ledger, contract, batch);
    const stateAfterFirst = new Map(ledger.state);
    const replay = await submit(ledger, contract, batch);
    expect(replay.replayed).toBe(true);
    expect(replay.batch.transactionId).toBe('tx1');
    expect(ledger.state).toEqual(stateAfterFirst);
    expect(ledger.events).toHaveLength(1);
  });

  it('rejects a conflicting replay: an anchored event again with another hash or id, or inside another batch', async () => {
    const events = chain('certification-c1', 2);
    await submit(ledger, contract, batchOf(CB_A, events));
    const rewritten = [{ ...events[1]!, hash: sha('rewritten') }];
    expect(await refusal(ledger, contract, batchOf(CB_A, rewritten))).toBe('CL_EVENT_CONFLICT');
    const renamed = [{ ...events[1]!, eventId: uuidOf('another') }];
    expect(await refusal(ledger, contract, batchOf(CB_A, renamed))).toBe('CL_EVENT_CONFLICT');
    expect(await refusal(ledger, contract, batchOf(CB_A, [events[1]!]))).toBe('CL_EVENT_ALREADY_ANCHORED');
  });

  it('rejects a batch whose id is anchored with other contents', async () => {
    const events = chain('certification-c1', 1);
    const batch = batchOf(CB_A, events);
    await submit(ledger, contract, batch);
    const renamed = { ...batch, events: [{ ...events[0]!, eventId: uuidOf('another') }] };
    expect(await refusal(ledger, contract, renamed)).toBe('CL_BATCH_CONFLICT');
  });

  it('refuses a root or batch id that does not match the events', async () => {
    const batch = batchOf(CB_A, chain('certification-c1', 3));
    expect(await refusal(ledger, contract, { ...batch, root: sha('not the root') })).toBe('CL_ROOT_MISMATCH');
    expect(await refusal(ledger, contract, { ...batch, batchId: sha('not the id') })).toBe('CL_BATCH_ID_MISMATCH');
  });

  it('refuses a submitter of the wrong MSP, role or agency', async () => {
    const batch = batchOf(CB_A, chain('certification-c1', 1));
    expect(
      await refusal(ledger, contract, batch, { mspId: 'RegulatorOrgMSP', attrs: { role: 'agency', agencyId: CB_A } }),
    ).toBe('CL_FORBIDDEN_MSP');
    expect(
      await refusal(ledger, contract, batch, { mspId: 'CBOrgMSP', attrs: { role: 'regulator', agencyId: CB_A } }),
    ).toBe('CL_FORBIDDEN_ROLE');
    expect(await refusal(ledger, contract, batch, { mspId: 'CBOrgMSP', attrs: { agencyId: CB_A } })).toBe(
      'CL_FORBIDDEN_ROLE',
    );
    expect(await refusal(ledger, contract, batch, agency(CB_B))).toBe('CL_FORBIDDEN_AGENCY');
  });

  it('lets a regulator identity anchor supervision streams only', async () => {
    const regulator = { mspId: 'RegulatorOrgMSP', attrs: { role: 'regulator', agencyId: 'REG-32' } };
    await submit(ledger, contract, batchOf('REG-32', chain('supervision-s1', 2)), regulator);
    expect(await refusal(ledger, contract, batchOf('REG-32', chain('certification-c1', 1)), regulator)).toBe(
      'CL_FORBIDDEN_MSP',
    );
  });

  it('refuses malformed batches with CL_BAD_REQUEST', async () => {
    const batch = batchOf(CB_A, chain('certification-c1', 2));
    const wire = JSON.parse(encodeBatch(batch)) as BatchArgument;
    const run = wire.runs[0]!.events;
    const { ctx } = ledger.context(agency(CB_A));
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ ...batch, events: undefined, runs: [] }),
      encodeBatch({ ...batch, events: [batch.events[0]!, batch.events[0]!] }),
      JSON.stringify({ ...wire, runs: [{ ...wire.runs[0], events: [run[0], run[0]] }] }),
      JSON.stringify({ ...wire, runs: [{ ...wire.runs[0], events: [run[0], [...run[1]!.slice(0, 4), 2]] }] }),
      JSON.stringify({ ...wire, runs: [{ ...wire.runs[0], events: [run[0]!.slice(0, 4), run[1]] }] }),
      JSON.stringify({ ...wire, runs: [{ ...wire.runs[0], prevHash: 'zz' }] }),
    ]) {
      await expect(contract.AnchorBatch(ctx, bad)).rejects.toThrow(/^CL_BAD_REQUEST: /);
    }
  });

  it('refuses a streamId other than certification-<id> or supervision-<id>, so no stream reaches into the keys of another', async () => {
    const own = chain('certification-c1', 2);
    await submit(ledger, contract, batchOf(CB_A, own));
    // createCompositeKey separates attributes with U+0000: this stream's events key would sit under certification-c1's.
    const intruder = `certification-c1\u0000${'9'.repeat(16)}`;
    for (const streamId of [
      intruder,
      'certification-c2\u0000',
      'certification-',
      'certification-c 1',
      'certification-c1/x',
      `certification-${'c'.repeat(65)}`,
      'Certification-c1',
      'other-c1',
      'supervision-s1\n',
    ]) {
      expect(await refusal(ledger, contract, batchOf(CB_A, chain(streamId, 1)))).toBe('CL_BAD_REQUEST');
    }
    expect(
      (await query(ledger, contract, 'GetStreamEvents', { streamId: 'certification-c1' })).map(
        (e: { eventId: string }) => e.eventId,
      ),
    ).toEqual(own.map((e) => e.eventId));

    // A ledger that took such a stream before streamIds were checked still shows a stream only its own events.
    const [stray] = chain(intruder, 1);
    const { ctx, commit } = ledger.context(agency(CB_A));
    await ctx.stub.putState(
      ctx.stub.createCompositeKey('events', [intruder, '0'.repeat(16)]),
      Buffer.from(
        JSON.stringify({
          streamId: intruder,
          batchId: sha('stray'),
          agencyId: CB_A,
          version: 0,
          prevHash: ZERO_HASH,
          events: [[stray!.eventId, stray!.type, stray!.hash, stray!.occurredAt, 0]],
        }),
      ),
    );
    commit();
    expect(await query(ledger, contract, 'GetStreamEvents', { streamId: 'certification-c1' })).toHaveLength(2);
  });

  it('refuses eventIds, agencyIds, types, certificate numbers and times the service never sends', async () => {
    const [event] = chain('certification-c1', 1);
    const issued = { ...event!, type: 'CertificateIssued', certificateNo: 'CN-1', certificateStatus: 'valid' as const };
    const bad: Array<[string, BatchInput]> = [
      ['eventId', batchOf(CB_A, [{ ...event!, eventId: 'e1' }])],
      ['eventId', batchOf(CB_A, [{ ...event!, eventId: `${event!.eventId}\u0000` }])],
      ['agencyId', batchOf(`${CB_A}\u0000x`, [event!])],
      ['agencyId', batchOf('CB A', [event!])],
      ['agencyId', batchOf('C'.repeat(65), [event!])],
      ['type', batchOf(CB_A, [{ ...event!, type: 'Certificate Issued' }])],
      ['type', batchOf(CB_A, [{ ...event!, type: 'CertificateIssued\u0000' }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: 'CN-1\u0000x' }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: 'CN\n1' }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: 'CN\u00851' }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: 'CN\ud8001' }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: 'C'.repeat(65) }])],
      ['certificateNo', batchOf(CB_A, [{ ...issued, certificateNo: '' }])],
      ['occurredAt', batchOf(CB_A, [{ ...event!, occurredAt: '2026-01-05T09:00:00\u0000+08:00' }])],
    ];
    for (const [field, batch] of bad) {
      const { ctx } = ledger.context(agency(batch.agencyId));
      await expect(contract.AnchorBatch(ctx, encodeBatch(batch))).rejects.toThrow(
        new RegExp(`^CL_BAD_REQUEST: .*${field} must be`),
      );
    }
    expect(ledger.state.size).toBe(0);
  });

  it('accepts what the service sends: CNCA approval numbers, principal ids, UUIDs in either case, any certification id', async () => {
    const certificationId = `A-z_0.9-${'x'.repeat(56)}`;
    const [event] = chain(`certification-${certificationId}`, 1);
    const issued = {
      ...event!,
      type: 'CertificateIssued',
      certificateNo: 'CNCA-CQC/2026.001_A 认证',
      certificateStatus: 'valid' as const,
    };
    await submit(ledger, contract, batchOf('CNCA-RF-2019-012', [issued]));
    expect(await query(ledger, contract, 'GetCertificate', { certificateNo: issued.certificateNo })).toMatchObject({
      certificationId,
    });
    // A supervision case defaults to its first eventId, which a regulator may send in upper case.
    const caseId = uuidOf('case').toUpperCase();
    const supervision = chain(`supervision-${caseId}`, 1).map((e) => ({
      ...e,
      eventId: caseId,
      type: 'SpotCheckRecorded',
    }));
    const regulator = { mspId: 'RegulatorOrgMSP', attrs: { role: 'regulator', agencyId: 'regulator-nanjing' } };
    await submit(ledger, contract, batchOf('regulator-nanjing', supervision), regulator);
    expect(await query(ledger, contract, 'GetStreamHead', { streamId: `supervision-${caseId}` })).toMatchObject({
      agencyId: 'regulator-nanjing',
    });
  });

  it("keeps a certificate's status record whose key history is the certificate's history", async () => {
    const streamId = 'certification-c1';
    const status = certificateEvent;
    const events = chain(streamId, 4);
    await submit(ledger, contract, batchOf(CB_A, [events[0]!, status(events[1]!, 'CertificateIssued', 'valid')]));
    await submit(
      ledger,
      contract,
      batchOf(CB_A, [
        status(events[2]!, 'CertificateSuspended', 'suspended'),
        status(events[3]!, 'CertificateRestored', 'valid'),
      ]),
    );
    expect(await query(ledger, contract, 'GetCertificate', { certificateNo: 'CN-1' })).toMatchObject({
      certificationId: 'c1',
      status: 'valid',
      version: 3,
    });
    const history = await query(ledger, contract, 'GetCertificateHistory', { certificateNo: 'CN-1' });
    expect(
      history.map((h: { status: string; version: number; transactionId: string }) => [
        h.status,
        h.version,
        h.transactionId,
      ]),
    ).toEqual([
      ['valid', 1, 'tx1'],
      ['suspended', 2, 'tx2'],
      ['valid', 3, 'tx2'],
    ]);
    // A number with one claim answers as before numbers could be contested: the stored record itself.
    const { ctx } = ledger.context(agency(CB_A));
    const stored = ledger.state.get(`\u0000certificate\u0000CN-1\u0000`)!.toString();
    expect(await contract.GetCertificate(ctx, JSON.stringify({ certificateNo: 'CN-1' }))).toBe(stored);
    expect(await query(ledger, contract, 'GetCertificateClaims', { certificateNo: 'CN-1' })).toEqual({
      claims: [JSON.parse(stored)],
      moreClaims: false,
    });
    expect(await query(ledger, contract, 'GetCertificate', { certificateNo: 'CN-2' })).toBeNull();
    expect(await query(ledger, contract, 'GetCertificateClaims', { certificateNo: 'CN-2' })).toEqual({
      claims: [],
      moreClaims: false,
    });
    expect(await query(ledger, contract, 'GetCertificateHistory', { certificateNo: 'CN-2' })).toEqual([]);
  });

  describe('a certificate number claimed by several streams', () => {
    const claimKey = (certificateNo: string, streamId: string) =>
      `\u0000certificateClaim\u0000${certificateNo}\u0000${streamId}\u0000`;
    const statuses = (records: Array<{ streamId: string; status: string; version: number }>) =>
      records.map((r) => [r.streamId, r.status, r.version]);
    const streamIds = (records: Array<{ streamId: string }>) => records.map((r) => r.streamId);
    const claimOf = (event: BatchEventInput, agencyId: string, status: CertificateStatus, batchId: string) => ({
      streamId: event.streamId,
      certificationId: event.streamId.slice('certification-'.length),
      agencyId,
      status,
      eventId: event.eventId,
      version: event.version,
      batchId,
    });
    /** A contested number's answer, every claim listed. */
    const contested = (certificateNo: string, listed: { claims: unknown[] } | { entries: unknown[] }) => ({
      certificateNo,
      contested: true,
      ...listed,
      moreClaims: false,
    });

    it("anchors the second stream's batch and keeps each claim, whose status follows its own stream", async () => {
      const a = chain('certification-c1', 3);
      const b = chain('certification-c2', 3);
      const issuedA = await submit(
        ledger,
        contract,
        batchOf(CB_A, [a[0]!, certificateEvent(a[1]!, 'CertificateIssued', 'valid')]),
      );
      // Another CB anchors a certificate event with the same number: its batch is anchored, not refused.
      const squatted = batchOf(CB_B, [b[0]!, certificateEvent(b[1]!, 'CertificateIssued', 'valid')]);
      const anchored = await submit(ledger, contract, squatted);
      expect(anchored.replayed).toBe(false);
      expect(ledger.state.has(claimKey('CN-1', 'certification-c2'))).toBe(true);

      const suspendedB = await submit(
        ledger,
        contract,
        batchOf(CB_B, [certificateEvent(b[2]!, 'CertificateSuspended', 'suspended')]),
      );
      expect(await query(ledger, contract, 'GetCertificate', { certificateNo: 'CN-1' })).toEqual(
        contested('CN-1', {
          claims: [
            claimOf(a[1]!, CB_A, 'valid', issuedA.batch.batchId),
            claimOf(b[2]!, CB_B, 'suspended', suspendedB.batch.batchId),
          ],
        }),
      );
      await submit(ledger, contract, batchOf(CB_A, [certificateEvent(a[2]!, 'CertificateWithdrawn', 'withdrawn')]));
      const { claims, moreClaims } = await query(ledger, contract, 'GetCertificateClaims', { certificateNo: 'CN-1' });
      expect(statuses(claims)).toEqual([
        ['certification-c1', 'withdrawn', 2],
        ['certification-c2', 'suspended', 2],
      ]);
      expect(moreClaims).toBe(false);
      expect(claims[1]).toMatchObject({ certificateNo: 'CN-1', certificationId: 'c2', agencyId: CB_B });

      // Replaying the anchored batch still writes nothing.
      const stateBefore = new Map(ledger.state);
      const replay = await submit(ledger, contract, squatted);
      expect(replay).toEqual({ batch: anchored.batch, replayed: true });
      expect(ledger.state).toEqual(stateBefore);
    });

    it("answers a contested number with no status, agency or stream of its own: a squatter's withdrawal is its claim's only", async () => {
      const squat = chain('certification-squat', 2);
      const genuine = chain('certification-genuine', 1);
      await submit(
        ledger,
        contract,
        batchOf(CB_B, [certificateEvent(squat[0]!, 'CertificateIssued', 'valid', 'CN-G')]),
      );
      const issued = await submit(
        ledger,
        contract,
        batchOf(CB_A, [certificateEvent(genuine[0]!, 'CertificateIssued', 'valid', 'CN-G')]),
      );
      const withdrawn = await submit(
        ledger,
        contract,
        batchOf(CB_B, [certificateEvent(squat[1]!, 'CertificateWithdrawn', 'withdrawn', 'CN-G')]),
      );
      expect(await query(ledger, contract, 'GetCertificate', { certificateNo: 'CN-G' })).toEqual(
        contested('CN-G', {
          claims: [
            claimOf(squat[1]!, CB_B, 'withdrawn', withdrawn.batch.batchId),
            claimOf(genuine[0]!, CB_A, 'valid', issued.batch.batchId),
          ],
        }),
      );
      // Nor does the history end on a status of the number's: it is every claim's, marked contested.
      expect(await query(ledger, contract, 'GetCertificateHistory', { certificateNo: 'CN-G' })).toEqual(
        contested('CN-G', {
          entries: [
            expect.objectContaining({ certificationId: 'squat', status: 'valid' }),
            expect.objectContaining({ certificationId: 'genuine', status: 'valid' }),
            expect.objectContaining({ certificationId: 'squat', status: 'withdrawn' }),
          ],
        }),
      );
    });

    it('gives the history of every claim, each in its own order, interleaved by transaction time', async () => {
      const a = chain('certification-c1', 3);
      const b = chain('certification-c2', 2);
      await submit(ledger, contract, batchOf(CB_A, [certificateEvent(a[0]!, 'CertificateIssued', 'valid')]));
      await submit(ledger, contract, batchOf(CB_B, [certificateEvent(b[0]!, 'CertificateIssued', 'valid')]));
      await submit(ledger, contract, batchOf(CB_A, [certificateEvent(a[1]!, 'CertificateSuspended', 'suspended')]));
      await submit(
        ledger,
        contract,
        batchOf(CB_B, [certificateEvent(b[1]!, 'CertificateWithdrawn', 'withdrawn'), ...chain('certification-c3', 1)]),
      );
      const history = await query(ledger, contract, 'GetCertificateHistory', { certificateNo: 'CN-1' });
      expect(history).toMatchObject({ certificateNo: 'CN-1', contested: true, moreClaims: false });
      expect(
        history.entries.map(
          (h: { certificationId: string; agencyId: string; status: string; transactionId: string }) => [
            h.certificationId,
            h.agencyId,
            h.status,
            h.transactionId,
          ],
        ),
      ).toEqual([
        ['c1', CB_A, 'valid', 'tx1'],
        ['c2', CB_B, 'valid', 'tx2'],
        ['c1', CB_A, 'suspended', 'tx3'],
        ['c2', CB_B, 'withdrawn', 'tx4'],
      ]);
    });

    it('lists the first claim first, then the others in streamId order, whichever anchored first', async () => {
      for (const [streamId, agencyId] of [
        ['certification-c5', CB_A],
        ['certification-c9', CB_B],
        ['certification-c3', 'CNCA-R-2002-003'],
      ] as const) {
        await submit(
          ledger,
          contract,
          batchOf(agencyId, [certificateEvent(chain(streamId, 1)[0]!, 'CertificateIssued', 'valid')]),
        );
      }
      const inOrder = ['certification-c5', 'certification-c3', 'certification-c9'];
      const certificate = await query(ledger, contract, 'GetCertificate', { certificateNo: 'CN-1' });
      expect(streamIds(certificate.claims)).toEqual(inOrder);
      const { claims } = await query(ledger, contract, 'GetCertificateClaims', { certificateNo: 'CN-1' });
      expect(streamIds(claims)).toEqual(inOrder);
    });

    it('gives the number to the stream that claims it first in a batch, and each claim all its changes', async () => {
      const a = chain('certification-c1', 2);
      const b = chain('certification-c2', 2);
      const interleaved = [
        certificateEvent(b[0]!, 'CertificateIssued', 'valid'),
        certificateEvent(a[0]!, 'CertificateIssued', 'valid'),
        certificateEvent(a[1]!, 'CertificateSuspended', 'suspended'),
        certificateEvent(b[1]!, 'CertificateWithdrawn', 'withdrawn'),
      ];
      await submit(ledger, contract, batchOf(CB_A, interleaved));
      const { claims } = await query(ledger, contract, 'GetCertificateClaims', { certificateNo: 'CN-1' });
      expect(statuses(claims)).toEqual([
        ['certification-c2', 'withdrawn', 1],
        ['certification-c1', 'suspended', 1],
      ]);
      expect(claims.map((c: { changes: Array<{ status: string }> }) => c.changes.map((x) => x.status))).toEqual([
        ['valid', 'withdrawn'],
        ['valid', 'suspended'],
      ]);
      expect(ledger.state.has(claimKey('CN-1', 'certification-c1'))).toBe(true);
      const history = await query(ledger, contract, 'GetCertificateHistory', { certificateNo: 'CN-1' });
      expect(
        history.entries.map((h: { certificationId: string; status: string }) => [h.certificationId, h.status]),
      ).toEqual([
        ['c2', 'valid'],
        ['c2', 'withdrawn'],
        ['c1', 'valid'],
        ['c1', 'suspended'],
      ]);
    });

    it("gives the number to the batch's first certificate event in leaf order, not to the first stream of the batch", async () => {
      // The batch goes in as runs, one per stream: c1's run comes first, yet c2's certificate event is the first leaf.
      const firstLeafClaims = async (leaves: BatchEventInput[]) => {
        const fresh = new FakeLedger();
        await submit(fresh, contract, batchOf(CB_A, leaves));
        return streamIds((await query(fresh, contract, 'GetCertificateClaims', { certificateNo: 'CN-1' })).claims);
      };
      const a = chain('certification-c1', 2);
      const b = chain('certification-c2', 2);
      const issued = (event: BatchEventInput) => certificateEvent(event, 'CertificateIssued', 'valid');
      expect(await firstLeafClaims([a[0]!, issued(b[0]!), issued(a[1]!)])).toEqual([
        'certification-c2',
        'certification-c1',
      ]);
      // The streams' roles reversed: the claims' order follows.
      expect(await firstLeafClaims([b[0]!, issued(a[0]!), issued(b[1]!)])).toEqual([
        'certification-c1',
        'certification-c2',
      ]);
    });

    it('lists at most MAX_LISTED_CLAIMS claims and says there are more, reading no more claims than it lists', async () => {
      const issuedBy = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, i) =>
          certificateEvent(
            chain(`certification-${prefix}${String(i).padStart(3, '0')}`, 1)[0]!,
            'CertificateIssued',
            'valid',
            `CN-${prefix}`,
          ),
        );
      // Twice as many streams as are listed, the first of them claiming the number last by streamId.
      const crowded = issuedBy('x', 2 * MAX_LISTED_CLAIMS + 1).reverse();
      await submit(ledger, contract, batchOf(CB_B, crowded));
      const listed = [
        crowded[0]!.streamId,
        ...crowded
          .slice(1)
          .reverse()
          .map((e) => e.streamId),
      ].slice(0, MAX_LISTED_CLAIMS);
      const read = async (fn: ContractQuery) => {
        ledger.rangeRecordsServed = 0;
        const answer = await query(ledger, contract, fn, { certificateNo: 'CN-x' });
        expect(ledger.rangeRecordsServed).toBeLessThanOrEqual(MAX_LISTED_CLAIMS);
        return answer;
      };
      const certificate = await read('GetCertificate');
      expect(streamIds(certificate.claims)).toEqual(listed);
      expect(certificate.moreClaims).toBe(true);
      const claims = await read('GetCertificateClaims');
      expect(streamIds(claims.claims)).toEqual(listed);
      expect(claims.moreClaims).toBe(true);
      const history = await read('GetCertificateHistory');
      expect(history.entries.map((h: { certificationId: string }) => `certification-${h.certificationId}`)).toEqual(
        listed,
      );
      expect(history.moreClaims).toBe(true);

      // Exactly as many claims as are listed: none left out.
      await submit(ledger, contract, batchOf(CB_B, issuedBy('y', MAX_LISTED_CLAIMS)));
      for (const fn of ['GetCertificate', 'GetCertificateClaims', 'GetCertificateHistory'] as const) {
        const answer = await query(ledger, contract, fn, { certificateNo: 'CN-y' });
        expect(answer.moreClaims).toBe(false);
        expect((answer.claims ?? answer.entries).length).toBe(MAX_LISTED_CLAIMS);
      }
    });
  });
});
