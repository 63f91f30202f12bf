import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { logHeadKeyIdOf, logHeadSigningBytes, type LogHead } from '@certledger/chaincode';
import { createFileOnce } from '../../durableFiles';

export const LOG_HEAD_KEY_FILE = 'log-head-key.pem';

export interface LogHeadSigner {
  readonly keyId: string;
  /** SPKI PEM of the public key. */
  readonly publicKey: string;
  sign(unsigned: Omit<LogHead, 'keyId' | 'publicKey' | 'signature'>): LogHead;
}

function signerOf(privateKey: KeyObject): LogHeadSigner {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  // The same derivation the chaincode and the audit check a head's keyId against.
  const keyId = logHeadKeyIdOf(publicKey)!;
  return {
    keyId,
    publicKey,
    sign(unsigned) {
      const fields = { ...unsigned, keyId };
      return {
        ...fields,
        publicKey,
        signature: sign(null, logHeadSigningBytes(fields), privateKey).toString('base64'),
      };
    },
  };
}

/** The log-head key file exists but holds no private key: the service cannot sign heads with the log's key. */
export class LogHeadKeyError extends Error {
  readonly code = 'log-head-key-unreadable';

  constructor(
    readonly file: string,
    sizeBytes: number,
  ) {
    super(
      `${file} (${sizeBytes} bytes) holds no PKCS#8 private key: it is empty or cut short, as a crash or a full ` +
        'disk while it was being created could leave it. Restore it from a backup (docs/backup.md): a new key ' +
        'would sign the log heads under another key id.',
    );
    this.name = 'LogHeadKeyError';
  }
}

/** How often, and how far apart, a key file that does not parse is read again before giving up. */
const KEY_READ_ATTEMPTS = 5;
const KEY_READ_PAUSE_MS = 20;

/**
 * The Ed25519 key that signs log heads, kept in `dataDir` (PKCS#8 PEM, mode 0600) and created on first
 * start. Created whole or not at all, and once: processes starting together all sign with the key
 * linked first.
 */
export function loadOrCreateLogHeadSigner(dataDir: string, fileName = LOG_HEAD_KEY_FILE): LogHeadSigner {
  const file = path.join(dataDir, fileName);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    if (createFileOnce(file, pem, 0o600)) return signerOf(privateKey);
  }
  return signerOf(readPrivateKey(file));
}

/**
 * The id of the log-head key kept in `dataDir`, without creating one (undefined when there is none):
 * what the audit checks the heads on the ledger against. Throws LogHeadKeyError on a file that holds no key.
 */
export function readLogHeadKeyId(dataDir: string, fileName = LOG_HEAD_KEY_FILE): string | undefined {
  const file = path.join(dataDir, fileName);
  return fs.existsSync(file) ? signerOf(readPrivateKey(file)).keyId : undefined;
}

/** The key in `file`, read again a few times while it does not parse; never says what the file holds. */
function readPrivateKey(file: string): KeyObject {
  for (let attempt = 1; ; attempt += 1) {
    const pem = fs.readFileSync(file);
    try {
      return createPrivateKey(pem);
    } catch {
      if (attempt >= KEY_READ_ATTEMPTS) throw new LogHeadKeyError(file, pem.length);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, KEY_READ_PAUSE_MS);
    }
  }
}
