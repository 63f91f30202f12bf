import { CREDIT_CODE_ALPHABET, creditCodeCheckChar, creditCodeProblem, isValidCreditCode } from './creditCode';

describe('GB 32100-2015 unified social credit code', () => {
  it('uses the 31-character alphabet without I, O, S, V, Z', () => {
    expect(CREDIT_CODE_ALPHABET).toHaveLength(31);
    expect(CREDIT_CODE_ALPHABET).not.toMatch(/[IOSVZ]/);
  });

  it.each([
    '91350100M000100Y43', // the example printed in GB 32100-2015 explanations
    '91320115MA1WB8TH1M', // companies (9, 1) in Nanjing Jiangning
    '91320100MA1MXXXX09',
    '913201021345678901',
    '91320000608912345P',
    '123200004660012346', // a public institution (1, 2)
    '92320105MA1R3K8L2W', // an individual business (9, 2)
    '91320506MA1N7QWE1N',
    '91320213MA1P6Y3K2U',
  ])('accepts %s', (code) => {
    expect(creditCodeProblem(code)).toBeUndefined();
    expect(isValidCreditCode(code)).toBe(true);
  });

  it('computes the check character, 0 when the remainder is 0', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
    expect(creditCodeCheckChar('91320100MA1MXXXX0')).toBe('9');
    expect(creditCodeCheckChar('913201021345678901'.slice(0, 17))).toBe('1');
    // weights 3^i mod 31 = 1, 3, 9, 27, 19, …: a single 1 in the 5th place weighs 19, so the check is 31 - 19 = 12 → C
    expect(creditCodeCheckChar('00001000000000000')).toBe('C');
    expect(creditCodeCheckChar('00000000000000000')).toBe('0');
  });

  it.each([
    ['91350100M000100Y44', 'wrong-check-character'],
    ['91350100M000100Y4', 'wrong-length'],
    ['91350100M000100Y433', 'wrong-length'],
    ['', 'wrong-length'],
    ['91350100m000100Y43', 'invalid-character'],
    ['91350100M000I00Y43', 'invalid-character'],
    ['91350100M000100Z43', 'invalid-character'],
    ['91350100M000100Y4 ', 'invalid-character'],
    ['91350100M000010Y43', 'wrong-check-character'], // two characters swapped
  ])('rejects %j (%s)', (code, problem) => {
    expect(creditCodeProblem(code)).toBe(problem);
    expect(isValidCreditCode(code)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    expect(isValidCreditCode(913501)).toBe(false);
    expect(isValidCreditCode(undefined)).toBe(false);
  });
});
