import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token a certificate's QR code carries: the certificate number (public anyway) and an HMAC of
 * it under a server secret. Without the secret no token can be made for a number, and a leaked
 * token reveals nothing beyond the public number and opens nothing but the public page.
 */
const MAC_LENGTH = 22; // base64url characters: 132 bits

function macOf(secret: string | Buffer, certificateNo: string): string {
  return createHmac('sha256', secret)
    .update(`certledger-verify:v1:${certificateNo}`, 'utf8')
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

export function verificationToken(secret: string | Buffer, certificateNo: string): string {
  return `${Buffer.from(certificateNo, 'utf8').toString('base64url')}.${macOf(secret, certificateNo)}`;
}

/** The certificate number a token stands for, or undefined when the token was not made with this secret. */
export function certificateOfToken(secret: string | Buffer, token: string): string | undefined {
  const match = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return undefined;
  const certificateNo = Buffer.from(match[1]!, 'base64url').toString('utf8');
  const expected = Buffer.from(macOf(secret, certificateNo));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? certificateNo : undefined;
}
