/**
 * Every error the API returns is an RFC 9457 problem with a stable `code`. Components throw
 * ProblemError (or a typed error that errors.ts maps once); nothing else writes error bodies.
 */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly rule?: string;
  readonly [extension: string]: unknown;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(title);
    this.name = 'ProblemError';
  }

  toBody(detail?: string): ProblemBody {
    return {
      type: `https://certledger.example/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(detail === undefined ? {} : { detail }),
      ...this.extensions,
    };
  }
}

export const notFound = (what: string): ProblemError => new ProblemError(404, 'not-found', `${what} not found`);
export const forbidden = (why: string): ProblemError => new ProblemError(403, 'forbidden', why);
export const unauthenticated = (): ProblemError =>
  new ProblemError(401, 'unauthenticated', 'A valid bearer token is required');
export const badRequest = (code: string, title: string, extensions: Record<string, unknown> = {}): ProblemError =>
  new ProblemError(400, code, title, extensions);
