import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../../core/clock.ts';
import { opaqueToken } from './tokens.ts';

/**
 * The state of an OAuth 2.0 authorization server (RFC 6749) for an emulator: registered clients,
 * single-use authorization codes with PKCE S256 (RFC 7636), grants, access tokens and rotating
 * refresh tokens, revocation (RFC 7009). Every lifetime is measured on the emulator clock, so
 * `POST /_emulator/clock` ages codes and tokens. What differs between vendors (lifetimes, what an
 * access token looks like, extra fields in a token answer, what revocation also ends) is given by
 * the emulator; the HTTP endpoints are in routes.ts.
 */

export interface OAuthLifetimes {
  /** `expires_in` of an access token (Xero 1800; Intuit 3600). */
  accessTokenSeconds: number;
  /** A refresh token not used within this long after it was issued dies (Xero 60 days; Intuit 100 days). */
  refreshTokenMs: number;
  /** After a refresh, the refresh token it replaced keeps working this long (Xero 30 minutes; 0: refused at once). */
  supersededGraceMs: number;
  /** An authorization code not exchanged within this long is refused. */
  codeMs: number;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  name: string;
}

/** One consent of a user to a client: what the code exchange starts and revocation ends. */
export interface OAuthGrant {
  id: string;
  clientId: string;
  scope: string[];
  /** One per consent (Xero calls it the authentication event); a refresh keeps it. */
  authorizationId: string;
  revoked: boolean;
}

export interface AccessRecord {
  grantId: string;
  clientId: string;
  scope: string[];
  expiresAt: number;
  authorizationId: string;
}

export type TokenResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; error: 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_request'; description?: string };

/** What the vendor decides; every hook has a plain OAuth default. */
export interface OAuthServerHooks {
  /** The access token value (default: opaque). `expiresAtS` is its expiry in Unix seconds. */
  accessToken?(grant: OAuthGrant, issuedAtMs: number, expiresAtS: number): string;
  /** Fields sent before the standard ones in a token answer (an OpenID id_token, a refresh expiry). */
  extraTokenFields?(grant: OAuthGrant, accessToken: string, issuedAtMs: number): Record<string, unknown>;
  /** Whether a token answer carries a refresh token (default: always; Xero only with offline_access). */
  issuesRefreshToken?(grant: OAuthGrant): boolean;
  /** Called once a grant is revoked, for what the vendor ends with it (Xero: the tenant connections). */
  onRevoke?(grant: OAuthGrant): void;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string[];
  challenge?: string;
  expiresAt: number;
  used: boolean;
  authorizationId: string;
}

interface RefreshRecord {
  grantId: string;
  issuedAt: number;
  supersededAt?: number;
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export class OAuthAuthorizationServer {
  private readonly clients = new Map<string, OAuthClient>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly grants = new Map<string, OAuthGrant>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly access = new Map<string, AccessRecord>();

  constructor(
    private readonly clock: Clock,
    readonly lifetimes: OAuthLifetimes,
    private readonly hooks: OAuthServerHooks = {},
  ) {}

  registerClient(c: OAuthClient): void {
    this.clients.set(c.clientId, c);
  }

  client(clientId: string | undefined): OAuthClient | undefined {
    return clientId ? this.clients.get(clientId) : undefined;
  }

  /** The client when its secret matches, else null (the token endpoint's `invalid_client`). */
  checkClient(clientId: string | undefined, secret: string | undefined): OAuthClient | null {
    const c = this.client(clientId);
    return c && c.clientSecret === secret ? c : null;
  }

  /** Records consent and returns a one-time code and the consent's authorizationId. */
  authorize(input: { clientId: string; redirectUri: string; scope: string[]; challenge?: string }): { code: string; authorizationId: string } {
    const authorizationId = randomUUID();
    const code = opaqueToken(24);
    const rec: AuthCode = { clientId: input.clientId, redirectUri: input.redirectUri, scope: input.scope, expiresAt: this.clock.now() + this.lifetimes.codeMs, used: false, authorizationId };
    if (input.challenge !== undefined) rec.challenge = input.challenge;
    this.codes.set(code, rec);
    return { code, authorizationId };
  }

  exchangeCode(client: OAuthClient, code: string | undefined, redirectUri: string | undefined, verifier: string | undefined): TokenResult {
    const rec = code ? this.codes.get(code) : undefined;
    if (!rec || rec.used || rec.expiresAt <= this.clock.now() || rec.clientId !== client.clientId) return { ok: false, error: 'invalid_grant' };
    if (rec.redirectUri !== redirectUri) return { ok: false, error: 'invalid_grant', description: 'redirect_uri does not match the authorization request' };
    if (rec.challenge !== undefined) {
      // PKCE S256: BASE64URL(SHA256(code_verifier)) must equal the challenge (RFC 7636 §4.6).
      if (!verifier || !VERIFIER.test(verifier)) return { ok: false, error: 'invalid_grant', description: 'code_verifier is missing or malformed' };
      const digest = createHash('sha256').update(verifier).digest('base64url');
      if (digest !== rec.challenge) return { ok: false, error: 'invalid_grant', description: 'code_verifier does not match the code_challenge' };
    }
    rec.used = true;
    const grant: OAuthGrant = { id: randomUUID(), clientId: client.clientId, scope: rec.scope, authorizationId: rec.authorizationId, revoked: false };
    this.grants.set(grant.id, grant);
    return { ok: true, body: this.tokenSet(grant) };
  }

  /**
   * The refresh grant with rotation: every refresh issues a new refresh token and supersedes the
   * grant's current one, which then works only for `supersededGraceMs` more. A current token dies
   * `refreshTokenMs` after it was issued.
   */
  refreshGrant(client: OAuthClient, token: string | undefined): TokenResult {
    const rec = token ? this.refresh.get(token) : undefined;
    const now = this.clock.now();
    if (!rec) return { ok: false, error: 'invalid_grant' };
    const grant = this.grants.get(rec.grantId);
    if (!grant || grant.revoked || grant.clientId !== client.clientId) return { ok: false, error: 'invalid_grant' };
    const { refreshTokenMs, supersededGraceMs } = this.lifetimes;
    const alive = rec.supersededAt === undefined ? now - rec.issuedAt < refreshTokenMs : now - rec.supersededAt < supersededGraceMs;
    if (!alive) return { ok: false, error: 'invalid_grant' };
    for (const r of this.refresh.values()) if (r.grantId === grant.id && r.supersededAt === undefined) r.supersededAt = now;
    return { ok: true, body: this.tokenSet(grant) };
  }

  /** Revokes the grant of a refresh token of this client; unknown tokens are ignored (RFC 7009 §2.2). */
  revoke(client: OAuthClient, token: string | undefined): void {
    const rec = token ? this.refresh.get(token) : undefined;
    const grant = rec ? this.grants.get(rec.grantId) : undefined;
    if (!grant || grant.clientId !== client.clientId) return;
    grant.revoked = true;
    this.hooks.onRevoke?.(grant);
  }

  /**
   * Looks up a bearer token: the record (with whether its grant was revoked), `{ expiredAt }` or
   * null when unknown. What a revoked grant's live token may still do is the vendor's call.
   */
  checkAccess(token: string | undefined): (AccessRecord & { revoked: boolean }) | { expiredAt: number } | null {
    const rec = token ? this.access.get(token) : undefined;
    if (!rec) return null;
    if (rec.expiresAt <= this.clock.now()) return { expiredAt: rec.expiresAt };
    return { ...rec, revoked: this.grants.get(rec.grantId)?.revoked ?? true };
  }

  /** Expires every access token now (fault injection `expireAuthNow` / `expireAuthRate`). */
  expireAllAccessTokens(): void {
    const now = this.clock.now();
    for (const rec of this.access.values()) if (rec.expiresAt > now) rec.expiresAt = now;
  }

  /** Counts for the state view (never the token values). */
  summary(): { grants: number; liveGrants: number } {
    const grants = [...this.grants.values()];
    return { grants: grants.length, liveGrants: grants.filter((g) => !g.revoked).length };
  }

  private tokenSet(grant: OAuthGrant): Record<string, unknown> {
    const now = this.clock.now();
    const ttl = this.lifetimes.accessTokenSeconds;
    const expiresAtS = Math.floor(now / 1000) + ttl;
    const accessToken = this.hooks.accessToken?.(grant, now, expiresAtS) ?? opaqueToken(32);
    this.access.set(accessToken, { grantId: grant.id, clientId: grant.clientId, scope: grant.scope, expiresAt: now + ttl * 1000, authorizationId: grant.authorizationId });
    const body: Record<string, unknown> = { ...this.hooks.extraTokenFields?.(grant, accessToken, now) };
    body.access_token = accessToken;
    body.expires_in = ttl;
    body.token_type = 'Bearer';
    if (this.hooks.issuesRefreshToken?.(grant) ?? true) {
      const refreshToken = opaqueToken(32);
      this.refresh.set(refreshToken, { grantId: grant.id, issuedAt: now });
      body.refresh_token = refreshToken;
    }
    body.scope = grant.scope.join(' ');
    return body;
  }
}
