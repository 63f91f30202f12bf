import { CERTIFICATION_ID } from '../../intake/submission';
import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import {
  answerParts,
  certificateAnswer,
  type AuditTrailQuery,
  type CertificateAnswer,
  type CertificateView,
  type LoggedEventView,
  type ReadQueries,
  type TraceView,
} from '@certledger/projections';
import { regionVisibleTo, type Principal } from '../principal';
import { forbidden, notFound, ProblemError, unauthenticated } from '../problem';
import { AUDIT_CSV_COLUMNS, auditCsvRow } from './csv';
import { PAGE_HEADERS, pageErrorHandler } from './html';
import { forEnterprise } from './forEnterprise';
import { decodeCursor, encodeCursor, isoDate, limitOf, matching, single, timeBound } from './params';
import { cachedReceipts, type ReceiptSource } from './receipts';
import {
  filterErrorWords,
  loginPage,
  NOT_A_REGULATOR,
  safeReturnPath,
  timelinePage,
  UNKNOWN_TOKEN,
  type TimelineFilters,
} from './regulatorPage';
import { sharedWhileRunning } from './sharedWhileRunning';
import { shownCertificateFollows, type StreamCertificate } from './shownStatus';
import { certificateOfToken, verificationToken } from './token';
import { verifyPage } from './verifyPage';
import { postedFromElsewhere, type RegulatorSessions } from '../regulatorCookie';

export { readOpenApiPaths } from './openapi';
export { verificationToken, certificateOfToken } from './token';
export type { ReceiptSource } from './receipts';

export interface ReadRouterOptions {
  readonly queries: ReadQueries;
  /** Receipts by event id, and their check (offline, and against the ledger when the source has one). */
  readonly anchorReceipts: ReceiptSource;
  /** The principal the app's auth middleware resolved from the bearer token. */
  readonly principalOf: (req: Request) => Principal;
  /**
   * Resolves a bare token to its principal, for the regulator page's sign-in form; returns
   * undefined (or throws) for an unknown token. Without it (or without sessions) the page accepts
   * only the Authorization header.
   */
  readonly authenticateToken?: (token: string) => Principal | undefined;
  /** The regulator pages' signed sessions, shared with the supervision page. */
  readonly sessions?: RegulatorSessions;
  /** Base of the URLs that QR codes carry, e.g. https://cert.example.gov.cn (no trailing slash). */
  readonly publicBaseUrl: string;
  /** Secret for verification tokens; at least 16 bytes (32 random bytes recommended). Changing it invalidates printed QR codes. */
  readonly qrSecret: string | Buffer;
  readonly logger?: Logger;
  /**
   * Audits a certification's history against the ledger (audit's checkStreamIntegrity) and gives
   * its certificate as the checked stream says. When the history fails, or the read model's
   * certificate does not follow from it, the verification page does not call the certificate
   * valid; when it cannot run, the page shows what the projections say.
   */
  readonly historyCheck?: (
    certificationId: string,
  ) => Promise<{ readonly ok: boolean; readonly certificate?: StreamCertificate }>;
  /**
   * True while the registry is far behind the log (a rebuild after an upgrade): a certificate not
   * found may then exist, so the lookup answers 503 and the page "try again", never "not found".
   */
  readonly registryCatchingUp?: () => Promise<boolean>;
  /** Today in China (YYYY-MM-DD), for the verification page's "suspension ended" note. */
  readonly today?: () => string;
}

const CERTIFICATE_NO = /^[A-Za-z0-9._\-/()]{1,64}$/;
const AGENCY_ID = /^CNCA-RF?-\d{4}-\d{3}$/;
const EVENT_TYPE = /^[A-Za-z]{1,64}$/;
const REGION = /^(\d{2}|\d{4}|\d{6})$/;

/** May this principal read this certification's trace? */
export function canReadTrace(
  principal: Principal,
  trace: Pick<TraceView, 'agencyId' | 'regionCode' | 'holder'>,
): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'agency':
      return principal.agencyId === trace.agencyId;
    case 'regulator':
      return regionVisibleTo(principal.regionCode, trace.regionCode);
    case 'enterprise':
      return trace.holder !== undefined && principal.creditCode === trace.holder.creditCode;
    default:
      return false;
  }
}

type Auditor = Extract<Principal, { role: 'regulator' | 'admin' }>;

function requireAuditor(principal: Principal): Auditor {
  if (principal.role === 'public') throw unauthenticated();
  if (principal.role !== 'regulator' && principal.role !== 'admin')
    throw forbidden('The audit trail is open to regulators and admins');
  return principal;
}

/** The audit trail query a request asks for, within the caller's jurisdiction. */
function auditQuery(principal: Auditor, query: Record<string, unknown>, maxLimit: number): AuditTrailQuery {
  const region = matching(single(query, 'region'), REGION, 'region');
  let regionPrefix: string | undefined = principal.role === 'regulator' ? principal.regionCode : undefined;
  if (region !== undefined) {
    if (regionPrefix !== undefined && !region.startsWith(regionPrefix))
      throw forbidden('region lies outside your jurisdiction');
    regionPrefix = region;
  }
  const after = decodeCursor(single(query, 'cursor'));
  const agencyId = matching(single(query, 'agencyId'), AGENCY_ID, 'agencyId');
  const certificationId = matching(single(query, 'certificationId'), CERTIFICATION_ID, 'certificationId');
  const type = matching(single(query, 'type'), EVENT_TYPE, 'type');
  const from = timeBound(single(query, 'from'), 'from');
  const to = timeBound(single(query, 'to'), 'to');
  return {
    limit: limitOf(single(query, 'limit'), 100, maxLimit),
    ...(regionPrefix !== undefined ? { regionPrefix } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(agencyId ? { agencyId } : {}),
    ...(certificationId ? { certificationId } : {}),
    ...(type ? { type } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/**
 * Sends a certificate answer in as few steps as Express allows: its headers, then the body; or 304
 * when the caller's copy carries its ETag (what res.send does, without re-deriving the type).
 */
function sendAnswer(req: Request, res: Response, answer: CertificateAnswer): void {
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('etag', answer.etag);
  if (req.headers['if-none-match'] !== undefined && req.fresh) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(answer.body);
}

const publicEvent = (event: LoggedEventView) => ({ ...event, receiptUrl: `/v1/events/${event.eventId}/receipt` });

/**
 * The read side's routes: certificate lookup and search, QR codes, the verification page,
 * traceability, the regulator audit trail (JSON, CSV and a page) and the agency disclosure.
 */
export function createReadRouter(options: ReadRouterOptions): Router {
  const { queries, principalOf } = options;
  if (Buffer.byteLength(options.qrSecret) < 16) throw new Error('qrSecret must be at least 16 bytes');
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const receipts = cachedReceipts(options.anchorReceipts);
  const historyCheck = options.historyCheck && sharedWhileRunning(options.historyCheck);
  /**
   * Whether the certificate's history checks against the ledger and the certificate shown follows
   * from it; undefined when there is no ledger to check against or the check could not run.
   */
  const historyOf = async (certificate: CertificateView): Promise<{ ok: boolean } | undefined> => {
    if (!historyCheck) return undefined;
    const history = await historyCheck(certificate.certificationId).catch(() => undefined);
    return history && { ok: history.ok && shownCertificateFollows(history.certificate, certificate) };
  };
  const catchingUp = async (): Promise<boolean> =>
    options.registryCatchingUp ? await options.registryCatchingUp().catch(() => false) : false;
  const registerCatchingUp = () =>
    new ProblemError(
      503,
      'registry-catching-up',
      'The certificate register is being rebuilt and this certificate is not back in it yet; try again shortly',
    );
  const router = Router();
  const verifyUrlOf = (certificateNo: string) => `${base}/verify/${verificationToken(options.qrSecret, certificateNo)}`;

  const certificateNoOf = (req: Request): string => {
    const certificateNo = String(req.params.certificateNo);
    if (!CERTIFICATE_NO.test(certificateNo)) throw notFound('Certificate');
    return certificateNo;
  };

  /** The certificate answer computed per request: as of a date, with verifications, or a proof not settled yet. */
  const computedAnswer = async (
    certificateNo: string,
    asOf: string | undefined,
    withVerification: boolean,
  ): Promise<CertificateAnswer | undefined> => {
    const certificate = await queries.certificate(certificateNo, asOf);
    if (!certificate) return undefined;
    const [proofs, history] = await Promise.all([
      receipts.proofs(certificate.proofEventIds, withVerification),
      withVerification && asOf === undefined ? historyOf(certificate) : undefined,
    ]);
    const { status, agency, proofEventIds: _ids, ...fields } = certificate;
    return certificateAnswer(
      history?.ok === false ? 'unknown' : status,
      agency,
      answerParts({
        certificateNo,
        fieldsJson: JSON.stringify(history ? { ...fields, history } : fields),
        ...(asOf !== undefined ? { asOf } : {}),
        proofs: proofs.map((proof) => ({
          eventId: proof.eventId,
          ...(proof.receipt ? { receiptStatus: proof.receipt.status, receiptJson: JSON.stringify(proof.receipt) } : {}),
          ...(proof.verification ? { verificationJson: JSON.stringify(proof.verification) } : {}),
        })),
      }),
    );
  };

  router.get('/v1/certificates', async (req, res) => {
    const holder = single(req.query, 'holder');
    if (holder === undefined || holder.trim().length < 2 || holder.length > 200) {
      throw new ProblemError(
        400,
        'invalid-parameter',
        'holder (a name prefix of 2+ characters, or an 18-character credit code) is required',
        { parameter: 'holder' },
      );
    }
    const { items, more } = await queries.searchCertificates(holder, limitOf(single(req.query, 'limit'), 50, 200));
    res.set('cache-control', 'no-cache').json({
      items: items.map((item) => ({ ...item, href: `/v1/certificates/${encodeURIComponent(item.certificateNo)}` })),
      // Others match too: a longer name prefix, or the credit code, finds them.
      ...(more ? { more: true } : {}),
    });
  });

  router.get('/v1/certificates/:certificateNo', async (req, res) => {
    const certificateNo = certificateNoOf(req);
    // Most lookups carry no query string: then there is none to parse.
    const query = req.url.includes('?') ? req.query : {};
    const asOf = isoDate(single(query, 'asOf'), 'asOf');
    const withVerification = single(query, 'verify') === 'true';
    // Status now, every proof settled: the registry's stored answer, one read.
    const answer =
      (asOf === undefined && !withVerification ? await queries.certificateAnswer(certificateNo) : undefined) ??
      (await computedAnswer(certificateNo, asOf, withVerification));
    if (!answer) {
      if (await catchingUp()) {
        res.set('retry-after', '60');
        throw registerCatchingUp();
      }
      throw notFound('Certificate');
    }
    sendAnswer(req, res, answer);
  });

  router.get('/v1/certificates/:certificateNo/qr', async (req, res) => {
    const certificateNo = certificateNoOf(req);
    const format = single(req.query, 'format') ?? 'png';
    if (format !== 'png' && format !== 'svg')
      throw new ProblemError(400, 'invalid-parameter', 'format must be png or svg', { parameter: 'format' });
    if (!(await queries.certificate(certificateNo))) throw notFound('Certificate');
    const url = verifyUrlOf(certificateNo);
    res.set('cache-control', 'public, max-age=86400');
    if (format === 'svg') {
      res.type('image/svg+xml').send(await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    } else {
      res
        .type('image/png')
        .send(await QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 360 }));
    }
  });

  router.get('/verify/:token', async (req, res) => {
    const certificateNo = certificateOfToken(options.qrSecret, String(req.params.token));
    const certificate = certificateNo === undefined ? undefined : await queries.certificate(certificateNo);
    const proofs = certificate ? await receipts.proofs(certificate.proofEventIds, true) : [];
    const history = certificate ? await historyOf(certificate) : undefined;
    const behind = certificateNo !== undefined && !certificate && (await catchingUp());
    const rendered = verifyPage({
      ...(certificate ? { certificate } : {}),
      ...(behind ? { catchingUp: true } : {}),
      proofs,
      ...(history ? { historyOk: history.ok } : {}),
      ...(options.today ? { today: options.today() } : {}),
      ...(certificate?.supersededBy ? { replacementUrl: verifyUrlOf(certificate.supersededBy) } : {}),
    });
    if (behind) res.set('retry-after', '60');
    res
      .status(certificate ? 200 : behind ? 503 : 404)
      .set(PAGE_HEADERS)
      .send(rendered.body);
  });

  // A verification link without a token, or with more path after it, leads to no certificate either.
  router.use('/verify', (_req, res) => {
    res
      .status(404)
      .set(PAGE_HEADERS)
      .send(verifyPage({ proofs: [] }).body);
  });

  router.get('/v1/certifications/:certificationId/trace', async (req, res) => {
    const principal = principalOf(req);
    if (principal.role === 'public') throw unauthenticated();
    const certificationId = String(req.params.certificationId);
    const trace = CERTIFICATION_ID.test(certificationId) ? await queries.trace(certificationId) : undefined;
    // Outside the caller's reach a certification looks exactly like one that does not exist.
    if (!trace || !canReadTrace(principal, trace)) throw notFound('Certification');
    const withReceipts = single(req.query, 'receipts') === 'true';
    // The holder enterprise reads the steps without the auditors' personal data; a withheld step's
    // receipt goes without its canonical bytes, which carry the whole event.
    const shown = principal.role === 'enterprise' ? trace.steps.map((step) => forEnterprise(step)) : trace.steps;
    const receiptFor = async (step: (typeof shown)[number]) => {
      const receipt = await receipts.receiptOf(step.eventId);
      if (!receipt || !('redacted' in step)) return receipt;
      const { canonical: _withheld, ...rest } = receipt;
      return rest;
    };
    const steps = withReceipts
      ? await Promise.all(shown.map(async (step) => ({ ...publicEvent(step), receipt: await receiptFor(step) })))
      : shown.map(publicEvent);
    res.set('cache-control', 'no-store').json({ ...trace, steps });
  });

  router.get('/v1/audit-trail', async (req, res) => {
    const principal = requireAuditor(principalOf(req));
    const format = single(req.query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv')
      throw new ProblemError(400, 'invalid-parameter', 'format must be json or csv', { parameter: 'format' });
    const query = auditQuery(principal, req.query, format === 'csv' ? 10_000 : 1000);
    res.set('cache-control', 'no-store');
    if (format === 'json') {
      const page = await queries.auditTrail(query);
      const next = page.next === undefined ? null : encodeCursor(page.next);
      if (next) res.set('link', `<${nextHref(req, next)}>; rel="next"`);
      res.json({ jurisdiction: query.regionPrefix ?? '*', items: page.items.map(publicEvent), next });
      return;
    }
    // CSV: stream page by page up to `limit` rows; the cursor for the rest is in the Link header.
    let remaining = query.limit;
    let after = query.after;
    const rows: string[] = [AUDIT_CSV_COLUMNS.join(',')];
    let next: number | undefined;
    while (remaining > 0) {
      const page = await queries.auditTrail({
        ...query,
        limit: Math.min(remaining, 1000),
        ...(after !== undefined ? { after } : {}),
      });
      for (const event of page.items) rows.push(auditCsvRow(event));
      remaining -= Math.min(remaining, 1000);
      next = page.next;
      if (page.next === undefined) break;
      after = page.next;
    }
    if (next !== undefined) res.set('link', `<${nextHref(req, encodeCursor(next))}>; rel="next"`);
    res
      .type('text/csv; charset=utf-8')
      .set('content-disposition', 'attachment; filename="audit-trail.csv"')
      .send(`\uFEFF${rows.join('\r\n')}\r\n`);
  });

  router.get('/v1/agencies', async (_req, res) => {
    res.set('cache-control', 'public, max-age=60').json({ items: await queries.agencies() });
  });

  // The regulator page: the same data as /v1/audit-trail, as a timeline. A browser cannot send a
  // bearer header, so the page takes the token once through a form and keeps a signed session in a
  // cookie (regulatorCookie.ts); an Authorization header works as well.
  const regulatorOf = (req: Request): Principal | undefined => {
    const fromHeader = principalOf(req);
    if (fromHeader.role !== 'public') return fromHeader;
    return options.sessions?.principalOf(req);
  };

  router.get('/regulator', async (req, res) => {
    const principal = regulatorOf(req);
    if (!principal || (principal.role !== 'regulator' && principal.role !== 'admin')) {
      res
        .status(principal ? 403 : 401)
        .set(PAGE_HEADERS)
        .send(loginPage(principal ? NOT_A_REGULATOR : undefined, req.originalUrl));
      return;
    }
    const filters: TimelineFilters = Object.fromEntries(
      ['agencyId', 'certificationId', 'type', 'from', 'to']
        .map((k) => [k, req.query[k]])
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''),
    );
    const shown = {
      who: principal.id,
      jurisdiction: principal.role === 'regulator' ? principal.regionCode : '*',
      filters,
    };
    let query: AuditTrailQuery;
    try {
      query = auditQuery(principal, req.query, 200);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      res
        .status(error.status)
        .set(PAGE_HEADERS)
        .send(timelinePage({ ...shown, events: [], error: filterErrorWords(error) }));
      return;
    }
    const page = await queries.auditTrail({ ...query, limit: Math.min(query.limit, 200) });
    res.set(PAGE_HEADERS).send(
      timelinePage({
        ...shown,
        events: page.items,
        ...(page.next !== undefined ? { nextHref: nextHref(req, encodeCursor(page.next)) } : {}),
      }),
    );
  });

  router.get('/regulator/login', (req, res) => {
    res.redirect(303, safeReturnPath(req.query.returnTo));
  });

  router.post(
    '/regulator/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    (req: Request, res: Response) => {
      if (postedFromElsewhere(req, base)) throw forgedForm();
      const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
      const returnTo = safeReturnPath(req.body?.returnTo);
      let principal: Principal | undefined;
      try {
        principal =
          token && options.authenticateToken && options.sessions ? options.authenticateToken(token) : undefined;
      } catch {
        principal = undefined;
      }
      if (!principal || (principal.role !== 'regulator' && principal.role !== 'admin')) {
        options.logger?.info({ outcome: 'refused' }, 'regulator page sign-in');
        res.status(401).set(PAGE_HEADERS).send(loginPage(UNKNOWN_TOKEN, returnTo));
        return;
      }
      options.logger?.info({ principal: principal.id, outcome: 'signed-in' }, 'regulator page sign-in');
      res.set('set-cookie', options.sessions!.signIn(req, principal)).redirect(303, returnTo);
    },
  );

  router.post('/regulator/logout', (req, res) => {
    if (postedFromElsewhere(req, base)) throw forgedForm();
    if (options.sessions) res.set('set-cookie', options.sessions.signOut(req));
    res.redirect(303, '/regulator');
  });

  router.use('/verify', pageErrorHandler(undefined, options.logger));
  router.use('/regulator', pageErrorHandler('/regulator', options.logger));

  return router;
}

const forgedForm = (): ProblemError =>
  new ProblemError(403, 'cross-site-form', 'This form may only be posted from this site');

function nextHref(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query))
    if (key !== 'cursor' && typeof value === 'string') params.set(key, value);
  params.set('cursor', cursor);
  return `${req.path}?${params.toString()}`;
}
