import { Router } from 'express';
import type { EventStore, StoredEvent } from '../eventStore/port';
import { CERTIFICATION_ID } from '../intake/submission';
import { streamIdOf } from '../intake/intake';
import { eventView, type AnchorStatus } from '../intake/eventView';
import { streamRegionOf } from '../events/filedRegion';
import { principalOf } from './auth';
import { regionVisibleTo, type Principal } from './principal';
import { notFound, unauthenticated, ProblemError } from './problem';

export interface StreamRoutesOptions {
  readonly store: EventStore;
  readonly anchorStatusOf: (event: StoredEvent) => Promise<AnchorStatus>;
  /** Builds the anchoring proof of an event, or undefined when the anchoring part is not wired. */
  readonly receiptOf?: (event: StoredEvent) => Promise<unknown>;
}

const CERTIFICATE_EVENT = /^Certificate[A-Z]/;

/**
 * The owning agency (the CB that holds the certification now: only the holder writes (R15), so it
 * wrote the last event; after a transfer the former CB no longer reads the accepting CB's audits),
 * a regulator of the stream's region (the client's; a supervision case's hashed filing, see
 * streamRegionOf), or an admin.
 */
export function maySeeStream(principal: Principal, history: readonly StoredEvent[]): boolean {
  switch (principal.role) {
    case 'admin':
      return history.length > 0;
    case 'agency':
      return history.length > 0 && history.at(-1)!.agencyId === principal.agencyId;
    case 'regulator':
      return history.length > 0 && regionVisibleTo(principal.regionCode, streamRegionOf(history)!);
    default:
      return false;
  }
}

export function streamRoutes(options: StreamRoutesOptions): Router {
  const { store, anchorStatusOf, receiptOf } = options;
  const router = Router();

  async function visibleHistory(principal: Principal, streamId: string): Promise<StoredEvent[]> {
    if (principal.role === 'public') throw unauthenticated();
    if (principal.role === 'enterprise') {
      throw new ProblemError(403, 'forbidden', 'Enterprises read their certifications through /trace');
    }
    const history = await store.readStream(streamId);
    // Streams outside the caller's reach are indistinguishable from streams that do not exist.
    if (!maySeeStream(principal, history)) throw notFound('Certification');
    return history;
  }

  router.get('/v1/certifications/:certificationId/events', async (req, res) => {
    const certificationId = req.params.certificationId;
    if (!CERTIFICATION_ID.test(certificationId)) throw notFound('Certification');
    const history = await visibleHistory(principalOf(req), streamIdOf(certificationId));
    const events = await Promise.all(history.map(async (event) => eventView(event, await anchorStatusOf(event))));
    res.json({ certificationId, version: history.at(-1)!.version, events });
  });

  /**
   * An event outside the caller's reach is answered as one that does not exist: an enterprise's
   * (which reads its certifications' events through /trace), another CB's, another region's.
   */
  async function visibleEvent(principal: Principal, eventId: string): Promise<StoredEvent> {
    if (principal.role === 'public') throw unauthenticated();
    if (principal.role === 'enterprise') throw notFound('Event');
    const event = await store.findEvent(eventId.toLowerCase());
    if (!event || !maySeeStream(principal, await store.readStream(event.streamId))) throw notFound('Event');
    return event;
  }

  router.get('/v1/events/:eventId', async (req, res) => {
    const event = await visibleEvent(principalOf(req), req.params.eventId);
    res.json(eventView(event, await anchorStatusOf(event)));
  });

  router.get('/v1/events/:eventId/receipt', async (req, res) => {
    const principal = principalOf(req);
    const found = await store.findEvent(req.params.eventId.toLowerCase());
    // Certificate events are public: anyone may check that a status change is anchored.
    const event =
      found && CERTIFICATE_EVENT.test(found.type) ? found : await visibleEvent(principal, req.params.eventId);
    if (!receiptOf) throw new ProblemError(503, 'anchoring-unavailable', 'Receipts are not available on this server');
    res.json(await receiptOf(event));
  });

  return router;
}
