/** Stable codes carried at the front of every error message, `CODE: detail`, so clients never parse prose. */
export const CHAINCODE_ERROR_CODES = [
  'CL_BAD_REQUEST',
  'CL_FORBIDDEN_MSP',
  'CL_FORBIDDEN_ROLE',
  'CL_FORBIDDEN_AGENCY',
  'CL_STREAM_NOT_OWNED',
  'CL_PREV_HASH_MISMATCH',
  'CL_VERSION_GAP',
  'CL_BATCH_ID_MISMATCH',
  'CL_ROOT_MISMATCH',
  'CL_BATCH_CONFLICT',
  'CL_EVENT_CONFLICT',
  'CL_EVENT_ALREADY_ANCHORED',
  'CL_LOG_HEAD_SIGNATURE',
  'CL_LOG_HEAD_INCONSISTENT',
  'CL_LOG_HEAD_TIME',
  'CL_TX_TIME_SKEW',
  'CL_OCCURRED_IN_FUTURE',
] as const;

export type ChaincodeErrorCode = (typeof CHAINCODE_ERROR_CODES)[number];

export class ChaincodeError extends Error {
  constructor(
    readonly code: ChaincodeErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ChaincodeError';
  }
}

const CODE_PATTERN = new RegExp(`\\b(${CHAINCODE_ERROR_CODES.join('|')}):`);

/** Finds the chaincode's code in any error text (a Fabric endorsement error wraps the message). */
export function chaincodeErrorCodeOf(text: string): ChaincodeErrorCode | undefined {
  const match = CODE_PATTERN.exec(text);
  return match ? (match[1] as ChaincodeErrorCode) : undefined;
}
