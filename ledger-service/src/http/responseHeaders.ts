import type { RequestHandler } from 'express';
import { REGULATOR_COOKIE } from './regulatorCookie';

const SESSION_COOKIE = `${REGULATOR_COOKIE}=`;

/**
 * The headers every answer starts with, set before any route runs (a route may set its own after):
 * `X-Content-Type-Options: nosniff` on all, and `Cache-Control: no-store` on a read with credentials
 * (a bearer token, or the regulator page's session cookie), whose answer may hold what only its
 * caller may see (auditors' personal data). Only GET and HEAD: no cache stores the answer to
 * another method that gives no freshness of its own (RFC 9110 §9.3.3), and the intake, which takes
 * nearly all of the traffic, then pays one header. Errors are no-store wherever they come from:
 * problemHandler and the pages set it.
 */
export const responseHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  if ((req.method === 'GET' || req.method === 'HEAD') && carriesCredentials(req.headers))
    res.setHeader('cache-control', 'no-store');
  next();
};

function carriesCredentials(headers: { authorization?: string; cookie?: string }): boolean {
  return (
    headers.authorization !== undefined || (headers.cookie !== undefined && headers.cookie.includes(SESSION_COOKIE))
  );
}
