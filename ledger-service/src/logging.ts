import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const KEPT_FIELDS = ['code', 'type', 'status', 'reason', 'errno', 'syscall'] as const;

/**
 * user:password@ in a URL (postgres://certledger:secret@db/ledger): the user is kept, the password
 * not, up to the authority's last @, for a password may hold an unescaped @ (u:p@ss@db).
 */
const URL_PASSWORD = /(\/\/[^\s/?#@:]*:)[^\s/?#]*@/g;

/** A password as a URL's query parameter (?password=secret&sslmode=require): up to the next parameter. */
const QUERY_PASSWORD = /([?&](?:ssl)?password=)[^\s&#]*/gi;

/**
 * A password in a libpq keyword string (host=db password=secret, password = 'se cret'): a quoted
 * value up to its closing quote (\' escapes one), any other up to the next space.
 */
const KEYWORD_PASSWORD = /((?<![\w?&])(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*(?:'|$)|\S*)/gi;

/** A text with the passwords of the connection strings in it hidden: URLs' and libpq keyword strings'. */
export function withoutPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***').replace(KEYWORD_PASSWORD, '$1***');
}

/**
 * What an error may put in a log: its class, message, stack and codes, without the password of a
 * connection string they quote (a store's URL). Not the other properties libraries attach to
 * errors: body-parser puts the raw request body on its errors (a sign-in form with its token),
 * HTTP clients their request and response.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const fields: Record<string, unknown> = {
    type: error.name,
    message: withoutPasswords(error.message),
    stack: error.stack === undefined ? undefined : withoutPasswords(error.stack),
  };
  const extra = error as unknown as Record<string, unknown>;
  for (const key of KEPT_FIELDS) {
    const value = extra[key];
    if (typeof value === 'string' || typeof value === 'number') fields[key === 'type' ? 'errorType' : key] = value;
  }
  if (error.cause !== undefined) fields.cause = errorForLog(error.cause);
  return fields;
}

/** The service's pino loggers: `err` fields go through errorForLog. */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const withSerializers: LoggerOptions = { ...options, serializers: { ...options.serializers, err: errorForLog } };
  return destination ? pino(withSerializers, destination) : pino(withSerializers);
}

/** What a ReadinessLog writes to: a pino logger, the anchorer's. */
export interface StateLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

/**
 * The log of readiness checks that fail with an error. /readyz is public and may be polled at any
 * rate, so a check's failure is logged only when its state changes: at warn when it starts failing
 * or fails with another error, at info when it passes again; the same failure again is not logged.
 */
export interface ReadinessLog {
  failed(check: string, error: unknown, fields?: object): void;
  passed(check: string, fields?: object): void;
}

export function readinessLog(logger: StateLogger): ReadinessLog {
  const failing = new Map<string, string>();
  return {
    failed(check, error, fields = {}) {
      const failure = failureOf(error);
      if (failing.get(check) === failure) return;
      failing.set(check, failure);
      logger.warn({ ...fields, err: error, check }, 'readiness check failed');
    },
    passed(check, fields = {}) {
      if (failing.delete(check)) logger.info({ ...fields, check }, 'readiness check passes again');
    },
  };
}

/** What tells one failure from another: the error as logged, but for its stacks (where it was thrown from). */
function failureOf(error: unknown): string {
  return JSON.stringify(errorForLog(error), (key, value: unknown) => (key === 'stack' ? undefined : value));
}
