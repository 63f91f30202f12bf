import { isUtf8 } from 'node:buffer';
import express, { type Request, type RequestHandler } from 'express';
import { duplicateMemberOf, type DuplicateMember } from './duplicateMember';
import { ProblemError } from './problem';

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** '256kb' → bytes, with the 1024-based units that body-parser reads the same setting with. */
export function byteLimit(limit: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!match) throw new Error(`body limit ${JSON.stringify(limit)} is not a size such as 256kb`);
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!);
}

const tooLarge = (): ProblemError =>
  new ProblemError(413, 'payload-too-large', 'The body is larger than this endpoint accepts');

/** Names the member and where its object is, never a value: bodies hold personal data. */
function duplicateKey({ objectPointer, name }: DuplicateMember): ProblemError {
  const object = objectPointer === '' ? 'The top-level object' : `The object at ${objectPointer}`;
  return new ProblemError(400, 'duplicate-key', 'An object of the body has the same member name twice', {
    detail: `${object} has the member ${JSON.stringify(name)} more than once`,
  });
}

/**
 * What the request says it sends: application/json, as UTF-8. Whether it has a body is not asked:
 * no body, Content-Length: 0 and an empty chunked body are all an empty body, which the route refuses.
 */
function refusalOf(req: Request): ProblemError | undefined {
  const contentType = req.headers['content-type'] ?? '';
  const semicolon = contentType.indexOf(';');
  const mime = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mime !== 'application/json') {
    return new ProblemError(415, 'unsupported-media-type', 'Send the event as application/json');
  }
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim().toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    return new ProblemError(415, 'unsupported-encoding', 'Send JSON as UTF-8');
  return undefined;
}

function parseInto(req: Request, raw: Buffer): ProblemError | undefined {
  if (raw.length === 0) {
    req.body = undefined;
    return undefined;
  }
  // Decoding alone would turn bytes that are not UTF-8 into U+FFFD, to be hashed and anchored as such.
  if (!isUtf8(raw)) return new ProblemError(400, 'invalid-utf8', 'The body is not valid UTF-8');
  const text = raw.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new ProblemError(400, 'malformed-json', 'The body is not valid JSON');
  }
  // JSON.parse keeps the last of two members of one name: what was hashed need not be what the sender meant.
  const duplicate = duplicateMemberOf(text, body);
  if (duplicate) return duplicateKey(duplicate);
  req.body = body;
  return undefined;
}

/**
 * Requires an application/json body of at most `limit` and parses it, in one middleware reading the
 * raw bytes: body-parser's layers (type-is, raw-body, iconv-lite for the charset) cost a tenth of
 * the single-event intake's CPU. Compressed bodies still go through body-parser, which inflates them.
 */
export function jsonBody(limit: string): RequestHandler {
  const maxBytes = byteLimit(limit);
  const inflating = express.raw({ type: () => true, limit });
  return (req, res, next) => {
    const refusal = refusalOf(req);
    if (refusal) {
      next(refusal);
      return;
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      // body-parser leaves req.body alone when the request has no body.
      inflating(req, res, (error?: unknown) =>
        next(error ?? parseInto(req, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))),
      );
      return;
    }
    if (Number(req.headers['content-length']) > maxBytes) {
      req.resume();
      next(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: unknown): void => {
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      next(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.resume();
        settle(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (!settled) settle(parseInto(req, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    };
    const onError = (error: Error): void => {
      if (!settled) settle(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}
