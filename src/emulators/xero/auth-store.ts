import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { JwtSigner, opaqueToken } from './jwt.ts';

/**
 * OAuth 2.0 state for the sandbox app (A1, A8.2): authorization codes, grants with rotating refresh
 * tokens, access tokens and the user's tenant connections. Every lifetime is measured on the
 * emulator clock, so `POST /_emulator/clock` ages tokens.
 *
 * - access tokens live 30 minutes (`expires_in` 1800; XF, XFC);
 * - each refresh returns a new refresh token; a superseded one keeps working for 30 minutes after it
 *   was replaced (XF, XCOMM), then `invalid_grant`;
 * - a refresh token unused for 60 days dies (XF, XSC);
 * - revocation ends the grant and removes every tenant connection of the user and app (A1);
 * - authorization codes are single-use and live 5 minutes (Xero's lifetime is UNVERIFIED).
 */

export const ACCESS_TOKEN_TTL_S = 1800;
export const REFRESH_GRACE_MS = 30 * 60_000;
export const REFRESH_IDLE_MS = 60 * 86_400_000;
export const CODE_TTL_MS = 5 * 60_000;

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  name: string;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string[];
  challenge?: string;
  expiresAt: number;
  used: boolean;
  authEventId: string;
}

interface Grant {
  id: string;
  clientId: string;
  scope: string[];
  authEventId: string;
  revoked: boolean;
}

interface RefreshRecord {
  grantId: string;
  issuedAt: number;
  supersededAt?: number;
}

export interface AccessRecord {
  grantId: string;
  clientId: string;
  scope: string[];
  expiresAt: number;
  authEventId: string;
}

export interface Connection {
  id: string;
  authEventId: string;
  tenantId: string;
  tenantType: 'ORGANISATION';
  tenantName: string;
  createdDateUtc: number;
  updatedDateUtc: number;
}

export type TokenResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; error: 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_request'; description?: string };

export const SANDBOX_USER = {
  userId: 'a3c2c5e1-6f1e-4c3e-9a57-3f8e2b1d7c10',
  sessionId: '6b7d4b8e-52a9-4f39-8d3c-0c2e5f7a9b11',
  email: 'sandbox.user@example.com',
  givenName: 'Sandbox',
  familyName: 'User',
};

export class AuthStore {
  private readonly jwt = new JwtSigner();
  readonly clients = new Map<string, OAuthClient>();
  private codes = new Map<string, AuthCode>();
  private grants = new Map<string, Grant>();
  private refresh = new Map<string, RefreshRecord>();
  private access = new Map<string, AccessRecord>();
  /** The sandbox user's connections to this app, by connection id (XI `Connection`). */
  readonly connections = new Map<string, Connection>();

  constructor(
    private readonly clock: Clock,
    private readonly issuer: () => string,
  ) {}

  registerClient(c: OAuthClient): void {
    this.clients.set(c.clientId, c);
  }

  checkClient(clientId: string | undefined, secret: string | undefined): OAuthClient | null {
    if (!clientId) return null;
    const c = this.clients.get(clientId);
    return c && c.clientSecret === secret ? c : null;
  }

  /** Records consent: connects the given tenants (new authEventId) and returns a one-time code. */
  issueCode(input: { clientId: string; redirectUri: string; scope: string[]; challenge?: string; tenants: { tenantId: string; tenantName: string }[] }): string {
    const now = this.clock.now();
    const authEventId = randomUUID();
    for (const t of input.tenants) {
      const existing = [...this.connections.values()].find((c) => c.tenantId === t.tenantId);
      if (existing) this.connections.set(existing.id, { ...existing, authEventId, tenantName: t.tenantName, updatedDateUtc: now });
      else {
        const id = randomUUID();
        this.connections.set(id, { id, authEventId, tenantId: t.tenantId, tenantType: 'ORGANISATION', tenantName: t.tenantName, createdDateUtc: now, updatedDateUtc: now });
      }
    }
    const code = opaqueToken(24);
    const rec: AuthCode = { clientId: input.clientId, redirectUri: input.redirectUri, scope: input.scope, expiresAt: now + CODE_TTL_MS, used: false, authEventId };
    if (input.challenge !== undefined) rec.challenge = input.challenge;
    this.codes.set(code, rec);
    return code;
  }

  exchangeCode(client: OAuthClient, code: string | undefined, redirectUri: string | undefined, verifier: string | undefined): TokenResult {
    const rec = code ? this.codes.get(code) : undefined;
    const now = this.clock.now();
    if (!rec || rec.used || rec.expiresAt <= now || rec.clientId !== client.clientId) return { ok: false, error: 'invalid_grant' };
    if (rec.redirectUri !== redirectUri) return { ok: false, error: 'invalid_grant', description: 'redirect_uri does not match the authorization request' };
    if (rec.challenge !== undefined) {
      // PKCE S256: BASE64URL(SHA256(code_verifier)) must equal the challenge (RFC 7636; XPK).
      if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return { ok: false, error: 'invalid_grant', description: 'code_verifier is missing or malformed' };
      const digest = createHash('sha256').update(verifier).digest('base64url');
      if (digest !== rec.challenge) return { ok: false, error: 'invalid_grant', description: 'code_verifier does not match the code_challenge' };
    }
    rec.used = true;
    const grant: Grant = { id: randomUUID(), clientId: client.clientId, scope: rec.scope, authEventId: rec.authEventId, revoked: false };
    this.grants.set(grant.id, grant);
    return { ok: true, body: this.tokenSet(grant) };
  }

  refreshGrant(client: OAuthClient, token: string | undefined): TokenResult {
    const rec = token ? this.refresh.get(token) : undefined;
    const now = this.clock.now();
    if (!rec) return { ok: false, error: 'invalid_grant' };
    const grant = this.grants.get(rec.grantId);
    if (!grant || grant.revoked || grant.clientId !== client.clientId) return { ok: false, error: 'invalid_grant' };
    const alive = rec.supersededAt === undefined ? now - rec.issuedAt < REFRESH_IDLE_MS : now - rec.supersededAt < REFRESH_GRACE_MS;
    if (!alive) return { ok: false, error: 'invalid_grant' };
    // Rotation: the grant's current refresh token (whichever it is) is superseded now.
    for (const r of this.refresh.values()) if (r.grantId === grant.id && r.supersededAt === undefined) r.supersededAt = now;
    return { ok: true, body: this.tokenSet(grant) };
  }

  /** Revokes the grant of a refresh token and removes all the user's connections for the app (A1). */
  revoke(client: OAuthClient, token: string | undefined): void {
    const rec = token ? this.refresh.get(token) : undefined;
    if (!rec) return;
    const grant = this.grants.get(rec.grantId);
    if (!grant || grant.clientId !== client.clientId) return;
    grant.revoked = true;
    this.connections.clear();
  }

  private tokenSet(grant: Grant): Record<string, unknown> {
    const now = this.clock.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + ACCESS_TOKEN_TTL_S;
    const accessToken = this.jwt.sign({
      nbf: iat,
      exp,
      iss: this.issuer(),
      aud: `${this.issuer()}/resources`,
      client_id: grant.clientId,
      sub: SANDBOX_USER.userId,
      auth_time: iat,
      xero_userid: SANDBOX_USER.userId,
      global_session_id: SANDBOX_USER.sessionId,
      sid: SANDBOX_USER.sessionId,
      jti: randomUUID(),
      authentication_event_id: grant.authEventId,
      scope: grant.scope,
    });
    this.access.set(accessToken, { grantId: grant.id, clientId: grant.clientId, scope: grant.scope, expiresAt: now + ACCESS_TOKEN_TTL_S * 1000, authEventId: grant.authEventId });
    const body: Record<string, unknown> = {};
    if (grant.scope.includes('openid')) {
      body.id_token = this.jwt.sign({
        nbf: iat,
        exp: iat + 300,
        iss: this.issuer(),
        aud: grant.clientId,
        iat,
        at_hash: createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url'),
        sid: SANDBOX_USER.sessionId,
        sub: SANDBOX_USER.userId,
        auth_time: iat,
        xero_userid: SANDBOX_USER.userId,
        global_session_id: SANDBOX_USER.sessionId,
        preferred_username: SANDBOX_USER.email,
        email: SANDBOX_USER.email,
        given_name: SANDBOX_USER.givenName,
        family_name: SANDBOX_USER.familyName,
      });
    }
    body.access_token = accessToken;
    body.expires_in = ACCESS_TOKEN_TTL_S;
    body.token_type = 'Bearer';
    // Refresh tokens only with offline_access (XF, XSC).
    if (grant.scope.includes('offline_access')) {
      const refreshToken = opaqueToken(32);
      this.refresh.set(refreshToken, { grantId: grant.id, issuedAt: now });
      body.refresh_token = refreshToken;
    }
    body.scope = grant.scope.join(' ');
    return body;
  }

  /**
   * Looks up a bearer token: the record, 'expired' (with when) or null when unknown. A token of a
   * revoked grant still authenticates until it expires (Xero's tokens are self-contained JWTs) but
   * reaches no tenant: `revoked` makes every tenant call answer 403 (XT).
   */
  checkAccess(token: string | undefined): (AccessRecord & { revoked: boolean }) | { expiredAt: number } | null {
    if (!token) return null;
    const rec = this.access.get(token);
    if (!rec) return null;
    if (rec.expiresAt <= this.clock.now()) return { expiredAt: rec.expiresAt };
    return { ...rec, revoked: this.grants.get(rec.grantId)?.revoked ?? true };
  }

  /** Expires every access token now (fault injection `expireAuthNow` / `expireAuthRate`). */
  expireAllAccessTokens(): void {
    const now = this.clock.now();
    for (const rec of this.access.values()) if (rec.expiresAt > now) rec.expiresAt = now;
  }

  connectionFor(tenantId: string): Connection | undefined {
    const want = tenantId.toLowerCase();
    return [...this.connections.values()].find((c) => c.tenantId === want);
  }

  /** Counts grants and live tokens for the state view (never the token values). */
  summary(): { grants: number; liveGrants: number; connections: number } {
    return {
      grants: this.grants.size,
      liveGrants: [...this.grants.values()].filter((g) => !g.revoked).length,
      connections: this.connections.size,
    };
  }
}
