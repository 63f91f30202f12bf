import type { Request } from 'express';

// The regulator pages' sign-in: a browser cannot send a bearer header, so the page takes the token
// once through a form and keeps it in an HttpOnly, SameSite=Strict cookie scoped to /regulator.

export const REGULATOR_COOKIE = 'certledger_regulator';

/** The token the regulator cookie holds, if any; a cookie that does not decode holds none. */
export function regulatorTokenOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== REGULATOR_COOKIE) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Set-Cookie for the token (an empty one with maxAge 0 signs out); Secure over TLS, behind a proxy too. */
export function regulatorCookie(req: Request, token: string, maxAgeSeconds: number, publicBaseUrl: string): string {
  const secure = req.secure || publicBaseUrl.startsWith('https://');
  return `${REGULATOR_COOKIE}=${encodeURIComponent(token)}; Path=/regulator; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
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
