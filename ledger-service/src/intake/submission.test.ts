import { initialCertification } from '../testing/scenario';
import { IntakeError } from './errors';
import { parseSubmission } from './submission';

describe('parseSubmission', () => {
  const [application] = initialCertification({ certificationId: 'EARLY-1', appliedOn: '2025-03-01' });
  const { certificationId, ...body } = application!;
  const parsed = (occurredAt: string) => {
    try {
      return parseSubmission(certificationId, { ...body, occurredAt });
    } catch (error) {
      return error;
    }
  };

  it('refuses an occurredAt before 1900, which no certification event has, with occurred-before-1900', () => {
    for (const occurredAt of ['0000-01-01T10:00:00+08:00', '0099-12-31T10:00:00Z', '1899-12-31T23:59:59+08:00']) {
      const refusal = parsed(occurredAt);
      expect(refusal).toBeInstanceOf(IntakeError);
      expect(refusal).toMatchObject({
        code: 'invalid-event',
        extensions: { errors: [{ path: 'occurredAt', code: 'occurred-before-1900' }] },
      });
    }
    expect(parsed('1900-01-01T00:00:00+08:00')).toMatchObject({ occurredAt: '1900-01-01T00:00:00+08:00' });
  });

  it('says a malformed occurredAt is malformed, not early', () => {
    expect(parsed('0000-13-01T10:00:00+08:00')).toMatchObject({
      extensions: { errors: [{ path: 'occurredAt', code: 'invalid-datetime' }] },
    });
  });
});
