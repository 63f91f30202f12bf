import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

const REQUEST_IDS = new WeakMap<object, string>();

/** The id requestLog gave the request (the caller's x-request-id, or a new UUID). */
export function requestIdOf(req: object): string | undefined {
  return REQUEST_IDS.get(req);
}

/**
 * Gives every request an id (the caller's x-request-id when it is sane) and logs each finished
 * request once: errors at error, refusals at info, successes at debug. Only the method, path,
 * status and duration are logged: never headers (tokens, cookies) or bodies (personal data).
 *
 * pino-http did the same with two child loggers per request, which measured at about a sixth of
 * the intake's CPU per event; this keeps pino and drops that per-request cost.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    REQUEST_IDS.set(req, id);
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // originalUrl: a router mounted at a path answers with req.url (and req.path) stripped of it.
      const path = req.originalUrl.split('?', 1)[0];
      logger[level]({ reqId: id, method: req.method, path, status, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
