import { defaultRulesConfig } from '../certification';
import { normalizePayload } from '../events/canonical';
import { encodeCanonical } from '../events/encoder';
import { initialCertification } from '../testing/scenario';
import { IntakeError } from './errors';
import { cursorOf, sealOne } from './seal';
import { parseSubmission } from './submission';

// The validator stops every payload the schema cannot take; these stand in for one it misses.
jest.mock('../events/canonical', () => {
  const actual = jest.requireActual('../events/canonical');
  return { ...actual, normalizePayload: jest.fn(actual.normalizePayload) };
});
jest.mock('../events/encoder', () => {
  const actual = jest.requireActual('../events/encoder');
  return { ...actual, encodeCanonical: jest.fn(actual.encodeCanonical) };
});

const [application] = initialCertification({ certificationId: 'SEAL-1', appliedOn: '2025-03-01' });
const { certificationId, ...body } = application!;
const context = { now: new Date(), rules: defaultRulesConfig };

function refusalOf(seal: () => unknown): IntakeError {
  try {
    seal();
  } catch (error) {
    if (error instanceof IntakeError) return error;
    throw error;
  }
  throw new Error('sealed');
}

describe('sealOne', () => {
  it('seals a valid submission', () => {
    expect(
      sealOne(cursorOf([]), 'CNCA-R-2002-001', parseSubmission(certificationId, body), context).event.version,
    ).toBe(0);
  });

  it.each([
    ['normalizing', normalizePayload],
    ['encoding', encodeCanonical],
  ])('refuses a payload that fails %s as invalid-payload, not with a plain Error', (_, step) => {
    jest.mocked(step).mockImplementationOnce(() => {
      throw new Error('empty string');
    });
    const refusal = refusalOf(() =>
      sealOne(cursorOf([]), 'CNCA-R-2002-001', parseSubmission(certificationId, body), context),
    );
    expect(refusal).toMatchObject({
      kind: 'invalid',
      code: 'invalid-payload',
      extensions: { errors: [{ path: 'data', code: 'unencodable', message: 'empty string' }] },
    });
  });
});
