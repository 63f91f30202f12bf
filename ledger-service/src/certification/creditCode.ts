/**
 * GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters over a 31-character
 * alphabet (digits and capitals without I, O, S, V, Z); the 18th is a check character computed
 * with weights 3^i mod 31 over the first 17.
 */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const CREDIT_CODE_LENGTH = 18;

const WEIGHTS: readonly number[] = Array.from({ length: CREDIT_CODE_LENGTH - 1 }, (_, i) => {
  let weight = 1;
  for (let k = 0; k < i; k += 1) weight = (weight * 3) % 31;
  return weight;
});

function valueOf(char: string): number {
  return CREDIT_CODE_ALPHABET.indexOf(char);
}

/** The check character for the first 17 characters, or undefined when they are not 17 alphabet characters. */
export function creditCodeCheckChar(first17: string): string | undefined {
  if (first17.length !== CREDIT_CODE_LENGTH - 1) return undefined;
  let sum = 0;
  for (let i = 0; i < first17.length; i += 1) {
    const value = valueOf(first17[i]!);
    if (value < 0) return undefined;
    sum += value * WEIGHTS[i]!;
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

export type CreditCodeProblem = 'wrong-length' | 'invalid-character' | 'wrong-check-character';

/** Why a string is not a valid unified social credit code, or undefined when it is one. */
export function creditCodeProblem(code: string): CreditCodeProblem | undefined {
  if (code.length !== CREDIT_CODE_LENGTH) return 'wrong-length';
  for (const char of code) if (valueOf(char) < 0) return 'invalid-character';
  return creditCodeCheckChar(code.slice(0, 17)) === code[17] ? undefined : 'wrong-check-character';
}

export function isValidCreditCode(code: unknown): code is string {
  return typeof code === 'string' && creditCodeProblem(code) === undefined;
}
