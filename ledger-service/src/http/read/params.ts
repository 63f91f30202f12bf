import { isDate } from '../../events/validate';
import { badRequest } from '../problem';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A query parameter as one string, or undefined; repeated parameters are refused. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw badRequest('invalid-parameter', `${name} must be given once`, { parameter: name });
  return value;
}

export function isoDate(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isDate(value)) {
    throw badRequest('invalid-parameter', `${name} must be a date YYYY-MM-DD`, { parameter: name });
  }
  return value;
}

/**
 * A time bound in UTC ISO form. A bare date means that day in China (UTC+08:00): as `from` its
 * first instant, as `to` the instant after its last (so `to` is inclusive of the whole day).
 * `code` is the problem code of a value that is neither (the route's own, where it had one).
 */
export function timeBound(
  value: string | undefined,
  name: 'from' | 'to',
  code = 'invalid-parameter',
): string | undefined {
  if (value === undefined) return undefined;
  if (DATE.test(value)) {
    // Date.parse would take 2025-02-30 as 2 March.
    if (!isDate(value)) throw badRequest(code, `${name} is not a date`, { parameter: name });
    const start = Date.parse(`${value}T00:00:00+08:00`);
    return new Date(name === 'from' ? start : start + 86_400_000).toISOString();
  }
  if (!DATETIME.test(value) || !isDate(value.slice(0, 10)) || Number.isNaN(Date.parse(value))) {
    throw badRequest(code, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 time with offset`, {
      parameter: name,
    });
  }
  return new Date(value).toISOString();
}

export function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw badRequest('invalid-parameter', `limit must be an integer from 1 to ${max}`, { parameter: 'limit' });
  }
  return Number(value);
}

export function matching(value: string | undefined, pattern: RegExp, name: string): string | undefined {
  if (value !== undefined && !pattern.test(value))
    throw badRequest('invalid-parameter', `${name} is not well formed`, { parameter: name });
  return value;
}

/** Cursors are opaque to clients: base64url of the last position seen. */
export const encodeCursor = (position: number): string => Buffer.from(`p${position}`).toString('base64url');

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^p(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('invalid-cursor', 'cursor is not one this server gave out', { parameter: 'cursor' });
  return Number(match[1]);
}
