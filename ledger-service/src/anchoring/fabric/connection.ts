import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SUPERVISION_STREAM_PREFIX } from '@certledger/chaincode';

/** A peer a client talks to: its gateway endpoint and the TLS CA that signed its certificate. */
export interface FabricPeer {
  readonly mspId: string;
  readonly endpoint: string;
  /** TLS server name to check when the endpoint is an address the certificate does not name. */
  readonly hostAlias?: string;
  readonly tlsCACertPath: string;
}

/** An enrolled identity (certificate and private key issued by its org's Fabric CA). */
export interface FabricIdentity {
  readonly name: string;
  readonly mspId: string;
  readonly role: string;
  readonly agencyId?: string;
  readonly regionCode?: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** What scripts/fabric/network-up.sh writes to .fabric/connection.json. */
export interface FabricConnection {
  readonly channel: string;
  readonly chaincode: string;
  readonly peers: Readonly<Record<string, FabricPeer>>;
  readonly identities: readonly FabricIdentity[];
}

export class FabricConnectionError extends Error {
  readonly code = 'fabric_connection_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'FabricConnectionError';
  }
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new FabricConnectionError(`${where} must be a non-empty string`);
  return value;
}

function optionalStr(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : str(value, where);
}

/** Validates a parsed connection description; relative paths are taken from `baseDir`. */
export function parseFabricConnection(raw: unknown, baseDir: string): FabricConnection {
  if (typeof raw !== 'object' || raw === null)
    throw new FabricConnectionError('the connection description must be a JSON object');
  const doc = raw as Record<string, unknown>;
  const file = (value: unknown, where: string) => path.resolve(baseDir, str(value, where));
  const peersRaw = doc.peers;
  if (typeof peersRaw !== 'object' || peersRaw === null || Object.keys(peersRaw).length === 0) {
    throw new FabricConnectionError('peers must map MSP ids to peer endpoints');
  }
  const peers: Record<string, FabricPeer> = {};
  for (const [mspId, value] of Object.entries(peersRaw as Record<string, Record<string, unknown>>)) {
    peers[mspId] = Object.freeze({
      mspId,
      endpoint: str(value?.endpoint, `peers.${mspId}.endpoint`),
      hostAlias: optionalStr(value?.hostAlias, `peers.${mspId}.hostAlias`),
      tlsCACertPath: file(value?.tlsCACertPath, `peers.${mspId}.tlsCACertPath`),
    });
  }
  if (!Array.isArray(doc.identities) || doc.identities.length === 0)
    throw new FabricConnectionError('identities must be a non-empty list');
  const identities = doc.identities.map((value: Record<string, unknown>, i: number): FabricIdentity => {
    const mspId = str(value?.mspId, `identities[${i}].mspId`);
    if (!peers[mspId]) throw new FabricConnectionError(`identities[${i}] belongs to ${mspId}, which has no peer`);
    return Object.freeze({
      name: str(value.name, `identities[${i}].name`),
      mspId,
      role: str(value.role, `identities[${i}].role`),
      agencyId: optionalStr(value.agencyId, `identities[${i}].agencyId`),
      regionCode: optionalStr(value.regionCode, `identities[${i}].regionCode`),
      certPath: file(value.certPath, `identities[${i}].certPath`),
      keyPath: file(value.keyPath, `identities[${i}].keyPath`),
    });
  });
  return Object.freeze({
    channel: str(doc.channel, 'channel'),
    chaincode: str(doc.chaincode, 'chaincode'),
    peers: Object.freeze(peers),
    identities: Object.freeze(identities),
  });
}

export function readFabricConnection(file: string): FabricConnection {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FabricConnectionError(`cannot read the Fabric connection ${file}: ${(error as Error).message}`);
  }
  return parseFabricConnection(raw, path.dirname(path.resolve(file)));
}

/** FABRIC_CONNECTION, or .fabric/connection.json under `cwd`. */
export function fabricConnectionPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env.FABRIC_CONNECTION ?? path.join('.fabric', 'connection.json'));
}

/**
 * The identity that may anchor a batch: a CB's identity (role agency, agencyId of the batch) for
 * certification streams, a regulator's (role regulator, agencyId of the batch) for supervision streams.
 */
export function identityForBatch(
  identities: readonly FabricIdentity[],
  batch: { readonly agencyId: string; readonly events: ReadonlyArray<{ readonly streamId: string }> },
): FabricIdentity | undefined {
  const supervision =
    batch.events.length > 0 && batch.events.every((e) => e.streamId.startsWith(SUPERVISION_STREAM_PREFIX));
  const role = supervision ? 'regulator' : 'agency';
  return identities.find((id) => id.role === role && id.agencyId === batch.agencyId);
}
