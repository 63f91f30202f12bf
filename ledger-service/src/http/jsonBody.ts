import express, { type RequestHandler } from 'express';
import { ProblemError } from './problem';

/**
 * Parses an application/json body read as raw UTF-8 bytes. Express's own JSON parser decodes
 * through iconv-lite on every request, which cost more than the rest of the parsing here.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const read = express.raw({ type: 'application/json', limit });
  const parse: RequestHandler = (req, _res, next) => {
    const charset = /charset=([^;]+)/i
      .exec(req.headers['content-type'] ?? '')?.[1]
      ?.trim()
      .toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      next(new ProblemError(415, 'unsupported-encoding', 'Send JSON as UTF-8'));
      return;
    }
    const raw = req.body as unknown;
    if (!Buffer.isBuffer(raw) || raw.length === 0) {
      req.body = undefined;
      next();
      return;
    }
    try {
      req.body = JSON.parse(raw.toString('utf8'));
      next();
    } catch {
      next(new ProblemError(400, 'malformed-json', 'The body is not valid JSON'));
    }
  };
  return [read, parse];
}
