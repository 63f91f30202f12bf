import { GatewayError } from '@hyperledger/fabric-gateway';
import { chaincodeErrorCodeOf } from '@certledger/chaincode';
import { LedgerError } from '../port';

/** Every text an error from the gateway carries: its message and each endorsing peer's detail. */
export function errorTexts(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const texts = [error.message];
  if (error instanceof GatewayError) for (const detail of error.details) texts.push(detail.message);
  return texts;
}

/**
 * A chaincode refusal (a `CL_…:` code in any detail) becomes a `rejected` LedgerError carrying the
 * code; anything else (unreachable peer, timeout, MVCC conflict) is `unavailable` and can be retried.
 */
export function toLedgerError(error: unknown, what: string): LedgerError {
  if (error instanceof LedgerError) return error;
  const texts = errorTexts(error);
  for (const text of texts) {
    const code = chaincodeErrorCodeOf(text);
    if (code) {
      const at = text.indexOf(`${code}:`);
      return new LedgerError('rejected', text.slice(at), code);
    }
  }
  return new LedgerError('unavailable', `${what}: ${texts.join('; ')}`);
}
