import { authenticate, parsePrincipals, tokenDigest } from './auth';
import { PUBLIC_PRINCIPAL } from './principal';

const directory = (token: string, agencyId: string) =>
  parsePrincipals([{ id: agencyId, role: 'agency', agencyId, tokenSha256: tokenDigest(token) }]);

describe('authenticate', () => {
  it('answers a token with its principal on every request, and the public without a token', () => {
    const principals = directory('token-a', 'CNCA-R-2002-001');
    for (let i = 0; i < 3; i++) {
      expect(authenticate(principals, 'Bearer token-a')).toEqual({
        id: 'CNCA-R-2002-001',
        role: 'agency',
        agencyId: 'CNCA-R-2002-001',
      });
    }
    expect(authenticate(principals, undefined)).toBe(PUBLIC_PRINCIPAL);
  });

  it('refuses an unknown token even after a known one, and a token known only to another directory', () => {
    const first = directory('token-a', 'CNCA-R-2002-001');
    const second = directory('token-b', 'CNCA-R-2002-002');
    authenticate(first, 'Bearer token-a');
    expect(() => authenticate(first, 'Bearer token-b')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authenticate(second, 'Bearer token-a')).toThrow(expect.objectContaining({ status: 401 }));
    expect(authenticate(second, 'bearer  token-b ').role).toBe('agency');
    expect(() => authenticate(first, 'Basic token-a')).toThrow(expect.objectContaining({ status: 401 }));
  });
});

describe('the principals file', () => {
  const regulator = (id: string) => ({
    id,
    role: 'regulator',
    regionCode: '3201',
    tokenSha256: tokenDigest(`token-${id}`),
  });

  it('takes ids the ledger takes as writers, and refuses others when the service starts', () => {
    expect([...parsePrincipals([regulator('regulator-nanjing')]).values()][0]).toMatchObject({
      id: 'regulator-nanjing',
    });
    expect(() => parsePrincipals([regulator('南京 regulator')])).toThrow(/principal id/);
    expect(() => parsePrincipals([regulator('x'.repeat(65))])).toThrow(/principal id/);
  });
});
