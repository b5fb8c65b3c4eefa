import { createHash, randomBytes } from 'node:crypto';

/**
 * PKCE (RFC 7636) with S256, as Xero documents it (https://developer.xero.com/documentation/oauth2/pkce-flow):
 * a 43–128 character verifier from the unreserved set, and its base64url SHA-256 as the challenge.
 */
export function createCodeVerifier(): string {
  return randomBytes(48).toString('base64url');
}

export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** An unguessable OAuth `state` value binding the callback to the request that started it. */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}
