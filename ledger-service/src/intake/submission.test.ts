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

  it('accepts a good envelope, with its eventId in small letters, leaving the payload to be checked later', () => {
    expect(parseSubmission(certificationId, { ...body, eventId: body.eventId.toUpperCase() })).toEqual({
      certificationId,
      eventId: body.eventId.toLowerCase(),
      type: body.type,
      occurredAt: body.occurredAt,
      expectedVersion: undefined,
      data: body.data,
    });
  });

  it('names every envelope field that is wrong by its path and code', () => {
    const refusal = (() => {
      try {
        return parseSubmission(certificationId, {
          eventId: 'x',
          type: 'Nope',
          occurredAt: '2025-01-15',
          expectedVersion: -2,
          data: 'HT',
          certificationId: 'OTHER-1',
          extra: true,
        });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(IntakeError);
    expect((refusal as IntakeError).code).toBe('invalid-event');
    const errors = (refusal as IntakeError).extensions.errors as Array<{ path: string; code: string }>;
    expect(errors.map((issue) => `${issue.path}:${issue.code}`)).toEqual([
      'extra:unknown-field',
      'eventId:invalid-event-id',
      'type:unknown-event-type',
      'occurredAt:invalid-datetime',
      'expectedVersion:invalid-expected-version',
      'data:invalid-data',
      'certificationId:certification-id-mismatch',
    ]);
  });

  it('refuses a certificationId that is no id before anything else', () => {
    expect(() => parseSubmission('C 1', body)).toThrow(expect.objectContaining({ code: 'invalid-certification-id' }));
  });

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
