import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks a base64 HMAC-SHA256 signature over the raw request body bytes, in constant time. Xero
 * (`x-xero-signature`) and BILL (`x-bill-sha-signature`) both sign this way; the body must be the
 * bytes as received, never re-serialised JSON.
 */
export function verifyHmacSha256Base64(rawBody: Buffer | string, signature: string | readonly string[] | undefined | null, key: string): boolean {
  const given = Array.isArray(signature) ? signature[0] : signature;
  if (typeof given !== 'string' || given.length === 0 || key.length === 0) return false;
  const expected = createHmac('sha256', key).update(rawBody).digest();
  const received = Buffer.from(given.trim(), 'base64');
  // Comparing equal-length buffers only; a length mismatch is already a failure and leaks nothing useful.
  return received.length === expected.length && timingSafeEqual(received, expected);
}
