import type { AnchorCommitNotice, AnchorFeed, EventFeed, LogEvent } from '@certledger/projections';
import type { AnchorStore } from '../../anchoring/anchorStore/port';
import type { LedgerBackend } from '../../anchoring/port';
import { buildReceipt, receiptFrom, verifyReceipt, type Receipt } from '../../anchoring/receipts';
import type { EventStore, StoredEvent } from '../../eventStore/port';
import { decodeCanonical } from '../../events/canonical';
import { readOccurredAt } from '../../events/envelopeHeader';
import { filedRegionOf } from '../../events/filedRegion';
import type { ReceiptSource } from './receipts';

/**
 * The projections' view of a stored event. The payload is decoded from the canonical bytes on
 * first use only: most read models look at the payload of a few event types.
 *
 * occurredAt is read from the canonical bytes too, on first use, not from the occurred_at column:
 * the column is a copy the hash does not cover, and read models date certificate statuses (and
 * answer `?asOf=`) by it. It adds about 0.6 µs to an event whose occurredAt is read (0.2 µs of it
 * the read itself); bytes that are no envelope fail the models that ask, as for `data`. A
 * supervision event's regionCode, which decides the regulators who see the case, is read from the
 * bytes too, on first use (filedRegionOf, as the write and event routes judge visibility): the
 * filing its payload carries, the column only for events written before the ledger recorded one.
 * The other envelope columns the audit compares with the bytes; a certification's region_code too,
 * with the region the stream's first event names; recorded_at is the store's own clock, in no
 * hashed bytes.
 */
export function logEventOf(event: StoredEvent): LogEvent {
  let data: Readonly<Record<string, unknown>> | undefined;
  let occurredAt: string | undefined;
  let regionCode: string | undefined;
  return {
    position: event.position,
    eventId: event.eventId,
    streamId: event.streamId,
    certificationId: event.certificationId,
    type: event.type,
    version: event.version,
    agencyId: event.agencyId,
    get regionCode() {
      regionCode ??= filedRegionOf(event);
      return regionCode;
    },
    get occurredAt() {
      occurredAt ??= readOccurredAt(event.canonical);
      return occurredAt;
    },
    recordedAt: event.recordedAt,
    hash: event.hash,
    prevHash: event.prevHash,
    get data() {
      data ??= decodeCanonical(event.canonical).data;
      return data;
    },
    canonical: event.canonical,
  };
}

/** The event store as the projections' EventFeed. */
export function eventFeedOf(store: EventStore): EventFeed {
  return {
    readAll: async (after, limit) => (await store.readAll(after, limit)).map(logEventOf),
    waitForAppend: (after, timeoutMs) => store.waitForAppend(after, timeoutMs),
    headPosition: () => store.headPosition(),
  };
}

/**
 * The anchor store as the projections' AnchorFeed. Its cursor is a global log position: a notice
 * per event, in log order, up to the first event whose batch is not committed yet (a rejected
 * batch's events give empty notices so the cursor moves past them). Followers poll.
 */
export function anchorFeedOf(options: {
  readonly eventStore: EventStore;
  readonly anchorStore: AnchorStore;
  readonly pollMs?: number;
}): AnchorFeed {
  const { eventStore, anchorStore } = options;
  const pollMs = options.pollMs ?? 200;
  const readCommits = async (after: number, limit: number): Promise<AnchorCommitNotice[]> => {
    const anchors = await anchorStore.anchorsAfter(after, limit);
    // Only as many events as there are settled anchors ahead: while a batch is still planned, the
    // events after the cursor are not read again at every poll.
    const planned = anchors.findIndex((found) => found.batch.status === 'planned');
    const settled = planned === -1 ? anchors.length : planned;
    if (settled === 0) return [];
    const events = await eventStore.readAll(after, settled);
    const anchorAt = new Map(anchors.map((found) => [found.anchor.position, found]));
    const notices: AnchorCommitNotice[] = [];
    for (const event of events) {
      const found = anchorAt.get(event.position);
      if (!found || found.anchor.eventId !== event.eventId || found.batch.status === 'planned') break;
      const commit = found.batch.status === 'committed' ? found.batch.commit : undefined;
      let receipt: Receipt | undefined;
      notices.push({
        seq: event.position,
        batchId: found.batch.batch.batchId,
        eventIds: commit ? [event.eventId] : [],
        backend: commit?.backend ?? '',
        channel: commit?.channel ?? '',
        chaincode: commit?.chaincode ?? '',
        transactionId: commit?.transactionId ?? '',
        blockNumber: commit?.blockNumber ?? 0,
        committedAt: found.batch.plannedAt,
        ...(commit?.anchoredAt !== undefined ? { anchoredAt: commit.anchoredAt } : {}),
        eventType: event.type,
        certificationId: event.certificationId,
        // Built only for the events a read model keeps receipts of.
        get receipt() {
          receipt ??= receiptFrom(event, found);
          return receipt;
        },
      });
    }
    return notices;
  };
  return {
    readCommits,
    waitForCommit: async (after, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await readCommits(after, 1)).length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
      }
    },
    headSeq: () => eventStore.headPosition(),
  };
}

/** Receipts built from the event and anchor stores, checked offline and against the ledger when given. */
export function receiptSourceOf(options: {
  readonly eventStore: EventStore;
  readonly anchorStore: AnchorStore;
  readonly ledger?: LedgerBackend;
}): ReceiptSource {
  return {
    receiptOf: (eventId) => buildReceipt({ eventStore: options.eventStore, anchorStore: options.anchorStore }, eventId),
    verify: (receipt) => verifyReceipt(receipt, options.ledger ? { ledger: options.ledger } : {}),
  };
}
