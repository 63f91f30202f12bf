import { AnchorStoreError } from '../anchoring/anchorStore/port';
import { LedgerError } from '../anchoring/port';
import { EventStoreError } from '../eventStore/port';
import { toProblem } from './errors';

describe('toProblem: what a failing dependency tells the caller', () => {
  it('a ledger that cannot be reached is 503 ledger-unavailable, to retry', () => {
    expect(toProblem(new LedgerError('unavailable', 'GetBatch failed: 14 UNAVAILABLE')).toBody()).toMatchObject({
      status: 503,
      code: 'ledger-unavailable',
    });
  });

  it('a refusal by the chaincode stays an internal error: retrying would not help', () => {
    expect(toProblem(new LedgerError('rejected', 'CL_BAD_BATCH: no', 'CL_BAD_BATCH')).toBody()).toMatchObject({
      status: 500,
      code: 'internal',
    });
  });

  it('an anchor store that cannot be read is 503 anchor-store-unavailable', () => {
    expect(toProblem(new AnchorStoreError('anchor store: connection refused')).toBody()).toMatchObject({
      status: 503,
      code: 'anchor-store-unavailable',
    });
  });

  it('an event store that is down is 503 store-unavailable', () => {
    expect(toProblem(new EventStoreError('store-unavailable', 'down')).toBody()).toMatchObject({
      status: 503,
      code: 'store-unavailable',
    });
  });

  it('an event store that is down says nothing was written, unless its commit went unconfirmed', () => {
    expect(toProblem(new EventStoreError('store-unavailable', 'down')).title).toMatch(/nothing was written/);
    const unconfirmed = toProblem(new EventStoreError('store-unavailable', 'no answer', { outcome: 'unknown' }));
    expect(unconfirmed.toBody()).toMatchObject({ status: 503, code: 'store-unavailable' });
    expect(unconfirmed.title).not.toMatch(/nothing was written/);
    expect(unconfirmed.title).toMatch(/retry with the same eventId/);
  });
});
