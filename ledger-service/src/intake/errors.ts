/** What went wrong with a submission, independent of HTTP; http/errors.ts maps kinds to statuses once. */
export type IntakeErrorKind = 'invalid' | 'rule' | 'conflict' | 'forbidden' | 'not-found' | 'unavailable';

export class IntakeError extends Error {
  constructor(
    readonly kind: IntakeErrorKind,
    readonly code: string,
    message: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

export const invalid = (code: string, message: string, extensions: Record<string, unknown> = {}): IntakeError =>
  new IntakeError('invalid', code, message, extensions);
