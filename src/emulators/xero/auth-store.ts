import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { OAuthAuthorizationServer, type AccessRecord, type OAuthClient, type OAuthGrant, type OAuthLifetimes } from '../kit/oauth/authorization-server.ts';
import { JwtSigner } from '../kit/oauth/tokens.ts';

/**
 * Xero's OAuth 2.0 (A1, A8.2) on the kit's authorization server, with Xero's lifetimes, its JWT
 * access and id tokens, and the user's tenant connections. Every lifetime is measured on the
 * emulator clock, so `POST /_emulator/clock` ages tokens.
 *
 * - access tokens live 30 minutes (`expires_in` 1800; XF, XFC);
 * - each refresh returns a new refresh token; a superseded one keeps working for 30 minutes after it
 *   was replaced (XF, XCOMM), then `invalid_grant`;
 * - a refresh token unused for 60 days dies (XF, XSC);
 * - refresh tokens only with the offline_access scope (XF, XSC);
 * - revocation ends the grant and removes every tenant connection of the user and app (A1);
 * - authorization codes are single-use and live 5 minutes (Xero's lifetime is UNVERIFIED).
 */

export const XERO_LIFETIMES: OAuthLifetimes = {
  accessTokenSeconds: 1800,
  refreshTokenMs: 60 * 86_400_000,
  supersededGraceMs: 30 * 60_000,
  codeMs: 5 * 60_000,
};

export type { OAuthClient } from '../kit/oauth/authorization-server.ts';

export interface Connection {
  id: string;
  /** The consent that made or last renewed it (the grant's authorizationId). */
  authEventId: string;
  tenantId: string;
  tenantType: 'ORGANISATION';
  tenantName: string;
  createdDateUtc: number;
  updatedDateUtc: number;
}

export const SANDBOX_USER = {
  userId: 'a3c2c5e1-6f1e-4c3e-9a57-3f8e2b1d7c10',
  sessionId: '6b7d4b8e-52a9-4f39-8d3c-0c2e5f7a9b11',
  email: 'sandbox.user@example.com',
  givenName: 'Sandbox',
  familyName: 'User',
};

export class AuthStore {
  readonly server: OAuthAuthorizationServer;
  /** The sandbox user's connections to this app, by connection id (XI `Connection`). */
  readonly connections = new Map<string, Connection>();
  private readonly jwt = new JwtSigner();

  constructor(
    private readonly clock: Clock,
    private readonly issuer: () => string,
  ) {
    this.server = new OAuthAuthorizationServer(clock, XERO_LIFETIMES, {
      accessToken: (grant, now, exp) => this.accessToken(grant, now, exp),
      extraTokenFields: (grant, accessToken, now) => (grant.scope.includes('openid') ? { id_token: this.idToken(grant, accessToken, now) } : {}),
      issuesRefreshToken: (grant) => grant.scope.includes('offline_access'),
      onRevoke: () => this.connections.clear(),
    });
  }

  registerClient(c: OAuthClient): void {
    this.server.registerClient(c);
  }

  /** Consent connects the given tenants under the consent's id (renewing connections that exist). */
  connect(authEventId: string, tenants: { tenantId: string; tenantName: string }[]): void {
    const now = this.clock.now();
    for (const t of tenants) {
      const existing = [...this.connections.values()].find((c) => c.tenantId === t.tenantId);
      if (existing) this.connections.set(existing.id, { ...existing, authEventId, tenantName: t.tenantName, updatedDateUtc: now });
      else {
        const id = randomUUID();
        this.connections.set(id, { id, authEventId, tenantId: t.tenantId, tenantType: 'ORGANISATION', tenantName: t.tenantName, createdDateUtc: now, updatedDateUtc: now });
      }
    }
  }

  /**
   * A bearer token's record, `{ expiredAt }` or null. A token of a revoked grant still authenticates
   * until it expires (Xero's tokens are self-contained JWTs) but reaches no tenant: `revoked` makes
   * every tenant call answer 403 (XT).
   */
  checkAccess(token: string | undefined): (AccessRecord & { revoked: boolean }) | { expiredAt: number } | null {
    return this.server.checkAccess(token);
  }

  expireAllAccessTokens(): void {
    this.server.expireAllAccessTokens();
  }

  connectionFor(tenantId: string): Connection | undefined {
    const want = tenantId.toLowerCase();
    return [...this.connections.values()].find((c) => c.tenantId === want);
  }

  summary(): { grants: number; liveGrants: number; connections: number } {
    return { ...this.server.summary(), connections: this.connections.size };
  }

  private accessToken(grant: OAuthGrant, now: number, exp: number): string {
    const iat = Math.floor(now / 1000);
    return this.jwt.sign({
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
      authentication_event_id: grant.authorizationId,
      scope: grant.scope,
    });
  }

  private idToken(grant: OAuthGrant, accessToken: string, now: number): string {
    const iat = Math.floor(now / 1000);
    return this.jwt.sign({
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
}
