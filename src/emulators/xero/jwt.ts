import { createHmac, randomBytes } from 'node:crypto';

/**
 * Xero's access and id tokens are JWTs (A1); connectors read `authentication_event_id` and `exp`
 * from them. The emulator signs its own with HS256 and a key made at start-up; only the emulator
 * checks them, by looking the whole token up, so the signature just makes them look real.
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

/** An opaque random token (refresh tokens and authorization codes are opaque at Xero). */
export const opaqueToken = (bytes = 32): string => randomBytes(bytes).toString('hex');
