import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import { Principal, PUBLIC_PRINCIPAL } from './principal';
import { ProblemError, unauthenticated } from './problem';
import { WRITER_ID } from '@certledger/chaincode';

interface PrincipalRecord {
  readonly id: string;
  readonly role: string;
  readonly tokenSha256: string;
  readonly agencyId?: string;
  readonly regionCode?: string;
  readonly creditCode?: string;
}

export class PrincipalsFileError extends Error {
  constructor(file: string, why: string) {
    super(`principals file ${file}: ${why}`);
    this.name = 'PrincipalsFileError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function toPrincipal(record: PrincipalRecord, fail: (why: string) => never): Principal {
  const need = (field: 'agencyId' | 'regionCode' | 'creditCode', pattern: RegExp): string => {
    const value = record[field];
    if (typeof value !== 'string' || !pattern.test(value))
      fail(`principal ${record.id} (${record.role}) needs a valid ${field}`);
    return value;
  };
  switch (record.role) {
    case 'agency':
      return { id: record.id, role: 'agency', agencyId: need('agencyId', /^CNCA-RF?-\d{4}-\d{3}$/) };
    case 'regulator':
      return { id: record.id, role: 'regulator', regionCode: need('regionCode', /^(\d{2}|\d{4}|\d{6})$/) };
    case 'enterprise':
      return { id: record.id, role: 'enterprise', creditCode: need('creditCode', /^[0-9A-HJ-NPQRTUWXY]{18}$/) };
    case 'admin':
      return { id: record.id, role: 'admin' };
    default:
      return fail(`principal ${record.id} has unknown role "${record.role}"`);
  }
}

/** Token digest → principal. The file holds only SHA-256 digests of the tokens. */
export type PrincipalDirectory = ReadonlyMap<string, Principal>;

export function parsePrincipals(json: unknown, file = 'principals'): PrincipalDirectory {
  const fail = (why: string): never => {
    throw new PrincipalsFileError(file, why);
  };
  if (!Array.isArray(json)) fail('must be a JSON list');
  const directory = new Map<string, Principal>();
  for (const record of json as PrincipalRecord[]) {
    if (!record || typeof record.id !== 'string' || record.id === '') fail('every principal needs an id');
    // A regulator's id is the writer the ledger binds its supervision cases to: the chaincode takes these only.
    if (!WRITER_ID.test(record.id))
      fail(`principal id ${JSON.stringify(record.id)} must be 1-64 letters, digits, '.', '_' or '-'`);
    if (typeof record.tokenSha256 !== 'string' || !SHA256_HEX.test(record.tokenSha256)) {
      fail(`principal ${record.id} needs tokenSha256 as 64 lowercase hex digits`);
    }
    if (directory.has(record.tokenSha256)) fail(`principal ${record.id} shares a token with another principal`);
    directory.set(record.tokenSha256, Object.freeze(toPrincipal(record, fail)));
  }
  return directory;
}

export function loadPrincipals(file: string): PrincipalDirectory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PrincipalsFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parsePrincipals(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof PrincipalsFileError) throw error;
    throw new PrincipalsFileError(file, 'is not valid JSON');
  }
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Principals of tokens already checked, per directory: each valid token is hashed once, not on every request. */
const knownTokens = new WeakMap<PrincipalDirectory, Map<string, Principal>>();
const MAX_KNOWN_TOKENS = 1024;

/** The caller: the principal of a valid bearer token, the public without one; a bad token is refused. */
export function authenticate(directory: PrincipalDirectory, authorization: string | undefined): Principal {
  if (authorization === undefined || authorization === '') return PUBLIC_PRINCIPAL;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated();
  const token = match[1]!;
  let known = knownTokens.get(directory);
  if (!known) knownTokens.set(directory, (known = new Map()));
  const cached = known.get(token);
  if (cached) return cached;
  const principal = directory.get(tokenDigest(token));
  if (!principal) throw unauthenticated();
  if (known.size >= MAX_KNOWN_TOKENS) known.clear();
  known.set(token, principal);
  return principal;
}

const PRINCIPAL = Symbol('principal');
type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function setPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(req: Request): Principal {
  return (req as WithPrincipal)[PRINCIPAL] ?? PUBLIC_PRINCIPAL;
}

export function requireRole<R extends Principal['role']>(
  principal: Principal,
  ...roles: R[]
): Extract<Principal, { role: R }> {
  if (principal.role === 'public') throw unauthenticated();
  if (!(roles as string[]).includes(principal.role)) {
    throw new ProblemError(403, 'forbidden', `This action is not open to the ${principal.role} role`);
  }
  return principal as Extract<Principal, { role: R }>;
}
