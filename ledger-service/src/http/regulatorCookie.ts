import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { PrincipalDirectory } from './auth';
import type { Principal } from './principal';

// The regulator pages' sign-in: a browser cannot send a bearer header, so the page takes the token
// once through a form and gives back a session in an HttpOnly, SameSite=Strict cookie scoped to
// /regulator. The cookie holds the principal's id and an expiry, signed by the server: never the
// token, which opens the whole API for as long as it lives.

export const REGULATOR_COOKIE = 'certledger_regulator';
const SESSION_SECONDS = 8 * 3600;

export interface RegulatorSessions {
  /** Set-Cookie for a new session of `principal`. */
  signIn(req: Request, principal: Principal): string;
  /** Set-Cookie that ends the session in the browser. */
  signOut(req: Request): string;
  /** The principal of the request's session: none when absent, altered, expired or no longer in the directory. */
  principalOf(req: Request): Principal | undefined;
}

export interface RegulatorSessionOptions {
  /** Server secret (LEDGER_QR_SECRET): the same in every API process, so a session holds on any of them. */
  readonly secret: string | Buffer;
  readonly principals: PrincipalDirectory;
  readonly publicBaseUrl: string;
  readonly now?: () => number;
}

function cookieValueOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === REGULATOR_COOKIE) return rest.join('=');
  }
  return undefined;
}

export function createRegulatorSessions(options: RegulatorSessionOptions): RegulatorSessions {
  const key = createHmac('sha256', options.secret).update('regulator-session-v1').digest();
  const now = options.now ?? Date.now;
  // A session is bound to its principal's current token digest (never public): knowing the server
  // secret is not enough to forge one, and a new token ends the sessions signed in with the old.
  const signatureOf = (claims: string, tokenDigest: string): Buffer =>
    createHmac('sha256', key).update(`${claims}\u0000${tokenDigest}`).digest();
  const byId = new Map(
    [...options.principals]
      .filter(([, principal]) => principal.role === 'regulator' || principal.role === 'admin')
      .map(([tokenDigest, principal]) => [principal.id, { principal, tokenDigest }]),
  );

  const cookie = (req: Request, value: string, maxAgeSeconds: number): string => {
    const secure = req.secure || options.publicBaseUrl.startsWith('https://');
    return `${REGULATOR_COOKIE}=${value}; Path=/regulator; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  };

  return {
    signIn(req, principal) {
      const known = byId.get(principal.id);
      if (!known) throw new Error(`principal ${principal.id} has no regulator session`);
      const claims = `${Buffer.from(principal.id).toString('base64url')}.${Math.floor(now() / 1000) + SESSION_SECONDS}`;
      return cookie(req, `${claims}.${signatureOf(claims, known.tokenDigest).toString('base64url')}`, SESSION_SECONDS);
    },
    signOut: (req) => cookie(req, '', 0),
    principalOf(req) {
      const [id, expires, signature, ...extra] = (cookieValueOf(req) ?? '').split('.');
      if (!id || !expires || !signature || extra.length > 0) return undefined;
      const known = byId.get(Buffer.from(id, 'base64url').toString('utf8'));
      if (!known) return undefined;
      const expected = signatureOf(`${id}.${expires}`, known.tokenDigest);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now()) return undefined;
      return known.principal;
    },
  };
}

/**
 * A form posted from another site (a forged sign-in or sign-out) carries that site's Origin.
 * Browsers send Origin on every cross-site POST; a request without one is not a browser's. This
 * site is the host the request was sent to, or the public URL's (behind a proxy that renames it).
 */
export function postedFromElsewhere(req: Request, publicBaseUrl: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    const host = new URL(origin).host;
    return host !== req.headers.host && host !== new URL(publicBaseUrl).host;
  } catch {
    return true;
  }
}
