import './logLevel';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { batchIdOf, batchRootOf, eventIdsHashOf } from './batch';
import { checkOccurredBy, clockSkewFromEnv, vouchedTxTime, type LedgerClock } from './clock';
import { ChaincodeError } from './errors';
import { eventRecordsOf, eventsKeyAttributes, KEY } from './keys';
import { RunEvent, runEventOf } from './wire';
import { canonicalJson, fromBytes, toBytes } from './json';
import {
  AnchorBatchResult,
  BATCH_ANCHORED_EVENT,
  BatchAnchoredEvent,
  BatchEventInput,
  BatchInput,
  BatchRecord,
  CERTIFICATION_STREAM_PREFIX,
  CertificateAnswer,
  CertificateChange,
  CertificateClaim,
  CertificateClaims,
  CertificateHistory,
  CertificateHistoryEntry,
  CertificateRecord,
  EventRecord,
  MAX_LISTED_CLAIMS,
  StreamEventsRecord,
  StreamHeadRecord,
  SUPERVISION_STREAM_PREFIX,
  TransferAuthorizationRecord,
  ZERO_HASH,
} from './types';
import { parseBatch, parseJsonArgument, parseTransferAuthorization, requireString, requireVersion } from './validate';

export interface CertLedgerOptions extends LedgerClock {
  /** MSP ids whose identities with role=agency may anchor certification streams. */
  readonly agencyMspIds: readonly string[];
  /** MSP ids whose identities with role=regulator may anchor supervision streams. */
  readonly regulatorMspIds: readonly string[];
}

function listFromEnv(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

/**
 * Options from the chaincode's environment: CERTLEDGER_AGENCY_MSP_IDS, CERTLEDGER_REGULATOR_MSP_IDS
 * (comma-separated), CERTLEDGER_MAX_CLOCK_SKEW_SECONDS (300).
 */
export function optionsFromEnv(): CertLedgerOptions {
  return Object.freeze({
    agencyMspIds: listFromEnv('CERTLEDGER_AGENCY_MSP_IDS', 'CBOrgMSP'),
    regulatorMspIds: listFromEnv('CERTLEDGER_REGULATOR_MSP_IDS', 'RegulatorOrgMSP'),
    maxClockSkewSeconds: clockSkewFromEnv(),
  });
}

function timestampOf(value: { seconds: unknown; nanos: number } | undefined): string {
  if (!value) return '';
  const raw = value.seconds as { toNumber?: () => number } | number | string;
  const seconds =
    typeof raw === 'object' && raw !== null && typeof raw.toNumber === 'function' ? raw.toNumber() : Number(raw);
  return new Date(seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * Several claims' histories as one, oldest first: each claim's entries keep their order, and the
 * claims' entries interleave by transaction time (on a tie, the claim listed first goes first).
 */
function interleavedByTime(histories: readonly CertificateHistoryEntry[][]): CertificateHistoryEntry[] {
  const queues = histories.map((history) => [...history]);
  const merged: CertificateHistoryEntry[] = [];
  for (;;) {
    let earliest: CertificateHistoryEntry[] | undefined;
    for (const queue of queues) {
      if (queue.length > 0 && (!earliest || queue[0]!.timestamp < earliest[0]!.timestamp)) earliest = queue;
    }
    if (!earliest) return merged;
    merged.push(earliest.shift()!);
  }
}

function claimOf(record: CertificateRecord): CertificateClaim {
  const { streamId, certificationId, agencyId, status, eventId, version, batchId } = record;
  return { streamId, certificationId, agencyId, status, eventId, version, batchId };
}

/**
 * GetCertificate's answer: a number with one claim answers that claim's record, as before numbers
 * could be contested; a number with several lists them all, with no status of its own.
 */
function certificateAnswerOf(
  certificateNo: string,
  { claims, moreClaims }: CertificateClaims,
): CertificateAnswer | null {
  const [first] = claims;
  if (!first) return null;
  if (claims.length === 1) return first;
  return { certificateNo, contested: true, claims: claims.map(claimOf), moreClaims };
}

type StateQueryIterator = Awaited<ReturnType<Context['stub']['getStateByPartialCompositeKey']>>;

/** Every record a state query iterator yields, in its order; the iterator closed. */
async function recordsOf<T>(iterator: StateQueryIterator): Promise<T[]> {
  const records: T[] = [];
  try {
    for (;;) {
      const next = await iterator.next();
      const record = next.value ? fromBytes<T>(next.value.value) : undefined;
      if (record) records.push(record);
      if (next.done) return records;
    }
  } finally {
    await iterator.close();
  }
}

function sameBatch(stored: BatchRecord, batch: BatchInput): boolean {
  return (
    stored.root === batch.root &&
    stored.agencyId === batch.agencyId &&
    stored.size === batch.events.length &&
    stored.eventIdsHash === eventIdsHashOf(batch.events.map((event) => event.eventId))
  );
}

@Info({ title: 'CertLedgerContract', description: 'Anchors batches of certification event digests' })
export class CertLedgerContract extends Contract {
  private readonly options: CertLedgerOptions;

  constructor(options: CertLedgerOptions = optionsFromEnv()) {
    super('CertLedgerContract');
    this.options = options;
  }

  /**
   * Anchors one batch (JSON of BatchInput). Returns AnchorBatchResult as JSON; an identical batch anchored
   * before is a no-op that returns the stored batch with `replayed: true`.
   */
  @Transaction()
  @Returns('string')
  async AnchorBatch(ctx: Context, batchJson: string): Promise<string> {
    const batch = parseBatch(batchJson);
    this.checkSubmitter(ctx, batch);
    const hashes = batch.events.map((event) => event.hash);
    if (batchIdOf(hashes) !== batch.batchId) {
      throw new ChaincodeError(
        'CL_BATCH_ID_MISMATCH',
        `batchId ${batch.batchId} is not the SHA-256 of the batch's event hashes`,
      );
    }
    if (batchRootOf(hashes) !== batch.root) {
      throw new ChaincodeError(
        'CL_ROOT_MISMATCH',
        `root ${batch.root} is not the Merkle root of the batch's event hashes`,
      );
    }
    const batchKey = this.key(ctx, KEY.batch, batch.batchId);
    const stored = fromBytes<BatchRecord>(await ctx.stub.getState(batchKey));
    if (stored) {
      if (!sameBatch(stored, batch)) {
        throw new ChaincodeError('CL_BATCH_CONFLICT', `batch ${batch.batchId} is anchored with other contents`);
      }
      return canonicalJson({ batch: stored, replayed: true } satisfies AnchorBatchResult);
    }

    const txTime = vouchedTxTime(ctx, this.options);
    for (const event of batch.events) checkOccurredBy(event.occurredAt, event.eventId, txTime, this.options);
    const transactionId = ctx.stub.getTxID();
    const runs = new Map<string, { head: StreamHeadRecord; record: StreamEventsRecord & { events: RunEvent[] } }>();
    // Keyed by ledger key: the number's first claim and other streams' claims are written apart.
    const certificates = new Map<string, CertificateRecord>();
    for (const [leafIndex, event] of batch.events.entries()) {
      const run = runs.get(event.streamId);
      const head = await this.extend(
        ctx,
        run ? run.head : await this.readHead(ctx, event.streamId),
        event,
        batch.agencyId,
      );
      if (run) {
        run.head = head;
        run.record.events.push(runEventOf(event, leafIndex));
      } else {
        const { streamId, version, prevHash } = event;
        const events = [runEventOf(event, leafIndex)];
        runs.set(streamId, {
          head,
          record: { streamId, batchId: batch.batchId, agencyId: batch.agencyId, version, prevHash, events },
        });
      }
      if (event.certificateNo !== undefined) {
        const { key, previous } = await this.claimOf(ctx, event, certificates);
        certificates.set(key, this.certificateAfter(previous, event, batch, certificates.has(key)));
      }
    }

    const record: BatchRecord = {
      batchId: batch.batchId,
      root: batch.root,
      size: batch.events.length,
      agencyId: batch.agencyId,
      transactionId,
      timestamp: txTime.toISOString(),
      eventIdsHash: eventIdsHashOf(batch.events.map((event) => event.eventId)),
      streams: [...runs].map(([streamId, run]) => [streamId, run.record.version] as const),
    };
    // One record per stream and batch, not one per event: each key is a round trip to the peer on
    // every endorsing peer, and a key written at commit.
    for (const [streamId, run] of runs) {
      await ctx.stub.putState(this.eventsKey(ctx, streamId, run.record.version), toBytes(run.record));
      await ctx.stub.putState(this.key(ctx, KEY.stream, streamId), toBytes(run.head));
    }
    for (const [key, certificate] of certificates) await ctx.stub.putState(key, toBytes(certificate));
    await ctx.stub.putState(batchKey, toBytes(record));
    const anchored: BatchAnchoredEvent = {
      batchId: record.batchId,
      root: record.root,
      size: record.size,
      agencyId: record.agencyId,
      transactionId,
    };
    ctx.stub.setEvent(BATCH_ANCHORED_EVENT, toBytes(anchored));
    ctx.logging.getLogger('CertLedgerContract').debug(`anchored batch ${record.batchId} of ${record.size} events`);
    return canonicalJson({ batch: record, replayed: false } satisfies AnchorBatchResult);
  }

  /**
   * The holder of a stream lets another writer take it over (IAF MD2: the accepting CB anchors the
   * CertificationTransferred). Without it, AnchorBatch refuses any other writer on the stream, so
   * that no CB can take over another's certification by naming its event a transfer. It holds for
   * the next event only (the stream's version when given), so it cannot be used twice. Returns the
   * TransferAuthorizationRecord as JSON.
   */
  @Transaction()
  @Returns('string')
  async AuthorizeTransfer(ctx: Context, authorizationJson: string): Promise<string> {
    const { streamId, toAgencyId } = parseTransferAuthorization(authorizationJson);
    const head = await this.readHead(ctx, streamId);
    if (!head) throw new ChaincodeError('CL_BAD_REQUEST', `${streamId} has no anchored event`);
    this.checkWriter(ctx, streamId.startsWith(SUPERVISION_STREAM_PREFIX), head.agencyId);
    if (toAgencyId === head.agencyId) {
      throw new ChaincodeError('CL_BAD_REQUEST', `${head.agencyId} already holds ${streamId}`);
    }
    const record: TransferAuthorizationRecord = {
      streamId,
      version: head.version,
      fromAgencyId: head.agencyId,
      toAgencyId,
      transactionId: ctx.stub.getTxID(),
    };
    await ctx.stub.putState(this.key(ctx, KEY.transfer, streamId), toBytes(record));
    return canonicalJson(record);
  }

  /** {"streamId", "version"} → EventRecord JSON, or `null`. */
  @Transaction(false)
  @Returns('string')
  async GetEvent(ctx: Context, queryJson: string): Promise<string> {
    const query = parseJsonArgument(queryJson, 'the query');
    const streamId = requireString(query, 'streamId', 200);
    const version = requireVersion(query, 'version');
    return canonicalJson((await this.readEvent(ctx, streamId, version)) ?? null);
  }

  /** {"streamId"} → every anchored EventRecord of the stream, in version order, as JSON. */
  @Transaction(false)
  @Returns('string')
  async GetStreamEvents(ctx: Context, queryJson: string): Promise<string> {
    const streamId = requireString(parseJsonArgument(queryJson, 'the query'), 'streamId', 200);
    const records: EventRecord[] = [];
    for (const stored of await this.readStreamEvents(ctx, streamId)) records.push(...eventRecordsOf(stored));
    return canonicalJson(records);
  }

  /** {"batchId"} → every EventRecord the batch anchored, in batch (leaf) order, as JSON; `[]` for an unknown batch. */
  @Transaction(false)
  @Returns('string')
  async GetBatchEvents(ctx: Context, queryJson: string): Promise<string> {
    const batchId = requireString(parseJsonArgument(queryJson, 'the query'), 'batchId', 64);
    const batch = fromBytes<BatchRecord>(await ctx.stub.getState(this.key(ctx, KEY.batch, batchId)));
    const records: EventRecord[] = [];
    for (const [streamId, firstVersion] of batch?.streams ?? []) {
      const stored = fromBytes<StreamEventsRecord>(
        await ctx.stub.getState(this.eventsKey(ctx, streamId, firstVersion)),
      );
      if (stored) records.push(...eventRecordsOf(stored));
    }
    return canonicalJson(records.sort((a, b) => a.leafIndex - b.leafIndex));
  }

  /** {"streamId"} → StreamHeadRecord JSON, or `null`. */
  @Transaction(false)
  @Returns('string')
  async GetStreamHead(ctx: Context, queryJson: string): Promise<string> {
    const streamId = requireString(parseJsonArgument(queryJson, 'the query'), 'streamId', 200);
    return this.readJson(ctx, KEY.stream, streamId);
  }

  /** {"batchId"} → BatchRecord JSON, or `null`. */
  @Transaction(false)
  @Returns('string')
  async GetBatch(ctx: Context, queryJson: string): Promise<string> {
    const batchId = requireString(parseJsonArgument(queryJson, 'the query'), 'batchId', 64);
    return this.readJson(ctx, KEY.batch, batchId);
  }

  /**
   * {"certificateNo"} → CertificateAnswer JSON, or `null`: the CertificateRecord of the number's one
   * claim, or for a number several streams claim a ContestedCertificate listing the claims.
   */
  @Transaction(false)
  @Returns('string')
  async GetCertificate(ctx: Context, queryJson: string): Promise<string> {
    const certificateNo = this.certificateNoOf(queryJson);
    return canonicalJson(certificateAnswerOf(certificateNo, await this.readClaims(ctx, certificateNo)));
  }

  /** {"certificateNo"} → CertificateClaims JSON: the claims' CertificateRecords, the first stream's first (none for an unknown number). */
  @Transaction(false)
  @Returns('string')
  async GetCertificateClaims(ctx: Context, queryJson: string): Promise<string> {
    return canonicalJson(await this.readClaims(ctx, this.certificateNoOf(queryJson)));
  }

  /**
   * {"certificateNo"} → CertificateHistory JSON: the status events of the number's one claim, oldest
   * first (`[]` for none), or for a number several streams claim a ContestedCertificateHistory with
   * every listed claim's events, interleaved by transaction time (each entry names its
   * certification and agency).
   */
  @Transaction(false)
  @Returns('string')
  async GetCertificateHistory(ctx: Context, queryJson: string): Promise<string> {
    const certificateNo = this.certificateNoOf(queryJson);
    const { claims, moreClaims } = await this.readClaims(ctx, certificateNo);
    const histories: CertificateHistoryEntry[][] = [];
    for (const [index, claim] of claims.entries()) {
      const key =
        index === 0 ? this.key(ctx, KEY.certificate, certificateNo) : this.claimKey(ctx, certificateNo, claim.streamId);
      histories.push(await this.readCertificateHistory(ctx, key));
    }
    const entries = interleavedByTime(histories);
    const history: CertificateHistory =
      claims.length > 1 ? { certificateNo, contested: true, entries, moreClaims } : entries;
    return canonicalJson(history);
  }

  private certificateNoOf(queryJson: string): string {
    return requireString(parseJsonArgument(queryJson, 'the query'), 'certificateNo', 64);
  }

  /** One claim's history from its key's: one entry per status event, oldest first. */
  private async readCertificateHistory(ctx: Context, key: string): Promise<CertificateHistoryEntry[]> {
    const iterator = await ctx.stub.getHistoryForKey(key);
    const modifications: Array<{ record: CertificateRecord; transactionId: string; timestamp: string }> = [];
    try {
      for (;;) {
        const next = await iterator.next();
        const modification = next.value;
        if (modification && !modification.isDelete) {
          const record = fromBytes<CertificateRecord>(modification.value);
          if (record)
            modifications.push({
              record,
              transactionId: modification.txId,
              timestamp: timestampOf(modification.timestamp),
            });
        }
        if (next.done) break;
      }
    } finally {
      await iterator.close();
    }
    // Fabric returns key history newest first; the entries read oldest first.
    modifications.sort((a, b) => a.record.version - b.record.version);
    return modifications.flatMap(({ record, transactionId, timestamp }) =>
      record.changes.map((change) => ({
        certificateNo: record.certificateNo,
        certificationId: record.certificationId,
        agencyId: record.agencyId,
        status: change.status,
        eventId: change.eventId,
        version: change.version,
        type: change.type,
        batchId: record.batchId,
        transactionId,
        timestamp,
      })),
    );
  }

  private key(ctx: Context, kind: string, id: string): string {
    return ctx.stub.createCompositeKey(kind, [id]);
  }

  private async readJson(ctx: Context, kind: string, id: string): Promise<string> {
    return canonicalJson(fromBytes(await ctx.stub.getState(this.key(ctx, kind, id))) ?? null);
  }

  private checkSubmitter(ctx: Context, batch: BatchInput): void {
    const supervision = batch.events.map((event) => event.streamId.startsWith(SUPERVISION_STREAM_PREFIX));
    if (supervision.some((s) => s) && !supervision.every((s) => s)) {
      throw new ChaincodeError(
        'CL_BAD_REQUEST',
        'a batch holds either supervision streams or certification streams, not both',
      );
    }
    this.checkWriter(ctx, supervision[0]!, batch.agencyId);
  }

  /** The submitter writes as `agencyId`: an agency identity for certification streams, a regulator's for supervision. */
  private checkWriter(ctx: Context, supervision: boolean, agencyId: string): void {
    const identity = ctx.clientIdentity;
    const mspId = identity.getMSPID();
    const role = supervision ? 'regulator' : 'agency';
    const allowed = role === 'regulator' ? this.options.regulatorMspIds : this.options.agencyMspIds;
    if (!allowed.includes(mspId)) {
      throw new ChaincodeError(
        'CL_FORBIDDEN_MSP',
        `MSP ${mspId} may not anchor ${role === 'regulator' ? 'supervision' : 'certification'} streams`,
      );
    }
    if (identity.getAttributeValue('role') !== role) {
      throw new ChaincodeError('CL_FORBIDDEN_ROLE', `the submitter's identity must carry the attribute role=${role}`);
    }
    if (identity.getAttributeValue('agencyId') !== agencyId) {
      throw new ChaincodeError('CL_FORBIDDEN_AGENCY', `the submitter's agencyId attribute is not ${agencyId}`);
    }
  }

  private eventsKey(ctx: Context, streamId: string, firstVersion: number): string {
    return ctx.stub.createCompositeKey(KEY.events, eventsKeyAttributes(streamId, firstVersion));
  }

  /** A stream's `events` records, in version order (the keys sort by their zero-padded first version). */
  private async readStreamEvents(ctx: Context, streamId: string): Promise<StreamEventsRecord[]> {
    const records = await recordsOf<StreamEventsRecord>(
      await ctx.stub.getStateByPartialCompositeKey(KEY.events, [streamId]),
    );
    // The partial key [streamId] also matches a stream whose id continues with U+0000 (anchored before
    // streamIds were checked): only the stream's own records are its events.
    return records.filter((record) => record.streamId === streamId);
  }

  private async readEvent(ctx: Context, streamId: string, version: number): Promise<EventRecord | undefined> {
    for (const stored of await this.readStreamEvents(ctx, streamId)) {
      const offset = version - stored.version;
      if (offset >= 0 && offset < stored.events.length) return eventRecordsOf(stored)[offset];
    }
    return undefined;
  }

  private async readHead(ctx: Context, streamId: string): Promise<StreamHeadRecord | undefined> {
    return fromBytes<StreamHeadRecord>(await ctx.stub.getState(this.key(ctx, KEY.stream, streamId)));
  }

  private async readTransferAuthorization(
    ctx: Context,
    streamId: string,
  ): Promise<TransferAuthorizationRecord | undefined> {
    return fromBytes<TransferAuthorizationRecord>(await ctx.stub.getState(this.key(ctx, KEY.transfer, streamId)));
  }

  private claimKey(ctx: Context, certificateNo: string, streamId: string): string {
    return ctx.stub.createCompositeKey(KEY.certificateClaim, [certificateNo, streamId]);
  }

  private async readCertificate(ctx: Context, key: string): Promise<CertificateRecord | undefined> {
    return fromBytes<CertificateRecord>(await ctx.stub.getState(key));
  }

  /**
   * The claims on a certificate number, at most MAX_LISTED_CLAIMS: the first stream's, then the
   * other streams' in streamId order (their keys' order). One page of the other claims' keys, one
   * longer than listed to tell whether there are more: a number anyone can claim from any number
   * of streams costs the peer no more than that to read. (Fabric takes a paginated read only in a
   * transaction that writes nothing: only the queries read claims this way, AnchorBatch by key.)
   */
  private async readClaims(ctx: Context, certificateNo: string): Promise<CertificateClaims> {
    const first = await this.readCertificate(ctx, this.key(ctx, KEY.certificate, certificateNo));
    if (!first) return { claims: [], moreClaims: false };
    const page = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
      KEY.certificateClaim,
      [certificateNo],
      MAX_LISTED_CLAIMS,
    );
    const others = (await recordsOf<CertificateRecord>(page.iterator)).filter(
      (claim) => claim.certificateNo === certificateNo,
    );
    return {
      claims: [first, ...others.slice(0, MAX_LISTED_CLAIMS - 1)],
      moreClaims: others.length > MAX_LISTED_CLAIMS - 1,
    };
  }

  /**
   * The key of `event`'s claim on its certificate number and the claim before the event (this
   * batch's, else the ledger's): the number's own key when no stream has claimed it or the event's
   * stream was first, else the stream's `certificateClaim` key. Another stream's claim never refuses
   * the batch: which claim is genuine is for the service (R10) and the regulator to say, not for
   * whichever wrote the number first.
   */
  private async claimOf(
    ctx: Context,
    event: BatchEventInput,
    pending: ReadonlyMap<string, CertificateRecord>,
  ): Promise<{ key: string; previous: CertificateRecord | undefined }> {
    const certificateNo = event.certificateNo!;
    const firstKey = this.key(ctx, KEY.certificate, certificateNo);
    const first = pending.get(firstKey) ?? (await this.readCertificate(ctx, firstKey));
    if (!first || first.streamId === event.streamId) return { key: firstKey, previous: first };
    const key = this.claimKey(ctx, certificateNo, event.streamId);
    return { key, previous: pending.get(key) ?? (await this.readCertificate(ctx, key)) };
  }

  /** The stream head after `event`, or a coded error when the event does not continue the stream. */
  private async extend(
    ctx: Context,
    head: StreamHeadRecord | undefined,
    event: BatchEventInput,
    agencyId: string,
  ): Promise<StreamHeadRecord> {
    const expectedVersion = head ? head.version + 1 : 0;
    if (event.version < expectedVersion) await this.refuseReplayedEvent(ctx, event);
    if (event.version !== expectedVersion) {
      throw new ChaincodeError(
        'CL_VERSION_GAP',
        `event ${event.eventId} has version ${event.version}; ${event.streamId} expects ${expectedVersion}`,
      );
    }
    const expectedPrev = head ? head.hash : ZERO_HASH;
    if (event.prevHash !== expectedPrev) {
      throw new ChaincodeError(
        'CL_PREV_HASH_MISMATCH',
        `event ${event.eventId} does not continue the chain of ${event.streamId}`,
      );
    }
    if (head && head.agencyId !== agencyId) {
      const authorization = await this.readTransferAuthorization(ctx, event.streamId);
      const authorized = authorization?.toAgencyId === agencyId && authorization.version === head.version;
      if (event.type !== 'CertificationTransferred' || !authorized) {
        throw new ChaincodeError(
          'CL_STREAM_NOT_OWNED',
          `${event.streamId} is written by another agency, which has not authorized a transfer to ${agencyId}`,
        );
      }
    }
    return { streamId: event.streamId, version: event.version, hash: event.hash, agencyId };
  }

  /** An event at a version the stream already anchored: the same digest again, or another one in its place. */
  private async refuseReplayedEvent(ctx: Context, event: BatchEventInput): Promise<void> {
    const anchored = await this.readEvent(ctx, event.streamId, event.version);
    if (!anchored) return;
    if (anchored.hash !== event.hash || anchored.eventId !== event.eventId) {
      throw new ChaincodeError(
        'CL_EVENT_CONFLICT',
        `${event.streamId} version ${event.version} is anchored as event ${anchored.eventId} with another digest`,
      );
    }
    throw new ChaincodeError(
      'CL_EVENT_ALREADY_ANCHORED',
      `event ${event.eventId} is anchored in batch ${anchored.batchId}`,
    );
  }

  private certificateAfter(
    previous: CertificateRecord | undefined,
    event: BatchEventInput,
    batch: BatchInput,
    changedInThisBatch: boolean,
  ): CertificateRecord {
    const change: CertificateChange = {
      eventId: event.eventId,
      version: event.version,
      type: event.type,
      status: event.certificateStatus!,
    };
    const certificationId = event.streamId.startsWith(CERTIFICATION_STREAM_PREFIX)
      ? event.streamId.slice(CERTIFICATION_STREAM_PREFIX.length)
      : event.streamId;
    return {
      certificateNo: event.certificateNo!,
      certificationId,
      streamId: event.streamId,
      agencyId: batch.agencyId,
      status: change.status,
      eventId: event.eventId,
      version: event.version,
      batchId: batch.batchId,
      changes: changedInThisBatch && previous ? [...previous.changes, change] : [change],
    };
  }
}
