import { createHmac, randomBytes } from 'node:crypto';

/**
 * Token values for emulated authorization servers. Some vendors' access tokens are JWTs that
 * connectors read claims from (Xero's `authentication_event_id` and `exp`); the emulator signs its
 * own with HS256 and a key made at start-up. Only the emulator checks them, by looking the whole
 * token up, so the signature just makes them look real.
 */
const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export class JwtSigner {
  private readonly key = randomBytes(32);

  sign(claims: Record<string, unknown>): string {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'mlc-emulator' }));
    const payload = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${sig}`;
  }
}

/** An opaque random token (refresh tokens and authorization codes are opaque everywhere we emulate). */
export const opaqueToken = (bytes = 32): string => randomBytes(bytes).toString('hex');
