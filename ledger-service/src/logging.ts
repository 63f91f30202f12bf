import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const KEPT_FIELDS = ['code', 'type', 'status', 'reason', 'errno', 'syscall'] as const;

/** user:password@ in a URL (postgres://certledger:secret@db/ledger); the user is kept, the password not. */
const URL_PASSWORD = /(\/\/[^\s/?#@:]*:)[^\s/?#@]*@/g;

/** A text with the password of any URL in it hidden. */
export function withoutUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@');
}

/**
 * What an error may put in a log: its class, message, stack and codes, without the password of a
 * URL they quote (a store's connection string). Not the other properties libraries attach to
 * errors: body-parser puts the raw request body on its errors (a sign-in form with its token),
 * HTTP clients their request and response.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const fields: Record<string, unknown> = {
    type: error.name,
    message: withoutUrlPasswords(error.message),
    stack: error.stack === undefined ? undefined : withoutUrlPasswords(error.stack),
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
