import crypto from 'node:crypto';

// Node's one-shot hash (20.12+) skips the Hash object of createHash: the intake hashes twice per
// event, the audit and the log tree once or twice per event of the whole log.
const oneShot = (
  crypto as unknown as {
    hash?: ((algorithm: string, data: Uint8Array | string, encoding: 'hex') => string) &
      ((algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer);
  }
).hash;

/** SHA-256 in hex; a string is hashed as its UTF-8 bytes. */
export const sha256Hex: (data: Uint8Array | string) => string = oneShot
  ? (data) => oneShot('sha256', data, 'hex')
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** SHA-256 as bytes. */
export const sha256: (data: Uint8Array) => Buffer = oneShot
  ? (data) => oneShot('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();
