import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { logHeadKeyIdOf, logHeadSigningBytes, type LogHead } from '@certledger/chaincode';

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

/** The Ed25519 key that signs log heads, kept in `dataDir` (PKCS#8 PEM, mode 0600) and created on first start. */
export function loadOrCreateLogHeadSigner(dataDir: string, fileName = LOG_HEAD_KEY_FILE): LogHeadSigner {
  const file = path.join(dataDir, fileName);
  if (fs.existsSync(file)) return signerOf(createPrivateKey(fs.readFileSync(file)));
  fs.mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return signerOf(createPrivateKey(fs.readFileSync(file)));
    throw error;
  }
  return signerOf(privateKey);
}
