import type { Clock } from '../../core/clock.ts';
import { OAuthAuthorizationServer, type AccessRecord, type OAuthGrant, type OAuthLifetimes } from '../kit/oauth/authorization-server.ts';

/**
 * Intuit's OAuth 2.0 (B1, B8.2) on the kit's authorization server:
 * - access tokens live 3600 s;
 * - each refresh returns a new refresh token, and every refresh token dies 100 days after it was
 *   issued, so using it rolls the expiry forward; the answer carries `x_refresh_token_expires_in`;
 * - the token a refresh replaced keeps working for 24 hours (Intuit's is UNVERIFIED; a choice,
 *   matching the "rotates roughly every 24 h" FAQ so a retried refresh does not lock a client out);
 * - the consent redirect carries `realmId`, and the grant is bound to that company;
 * - revocation or the user disconnecting the app ends the grant (401 on API calls, invalid_grant on refresh).
 */

export const INTUIT_LIFETIMES: OAuthLifetimes = {
  accessTokenSeconds: 3600,
  refreshTokenMs: 100 * 86_400_000,
  supersededGraceMs: 24 * 3_600_000,
  codeMs: 5 * 60_000,
};

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
const SCOPES = new Set([ACCOUNTING_SCOPE, 'com.intuit.quickbooks.payment', 'openid', 'profile', 'email', 'phone', 'address']);
export const scopeAllowed = (scope: string): boolean => SCOPES.has(scope);

export class QboAuth {
  readonly server: OAuthAuthorizationServer;
  /** The company each consent connected, by the grant's authorizationId. */
  private readonly realmOfConsent = new Map<string, string>();
  /** Grants seen in token answers, so the user disconnecting the app can end them. */
  private readonly grants = new Map<string, OAuthGrant>();
  /** The company the sandbox user picks on the consent page. */
  consentRealm = '';

  constructor(clock: Clock) {
    this.server = new OAuthAuthorizationServer(clock, INTUIT_LIFETIMES, {
      extraTokenFields: (grant) => {
        this.grants.set(grant.id, grant);
        return { x_refresh_token_expires_in: INTUIT_LIFETIMES.refreshTokenMs / 1000 };
      },
    });
  }

  /** Consent: binds the new grant to the chosen company and returns the redirect's `realmId`. */
  consent(authorizationId: string): Record<string, string> {
    this.realmOfConsent.set(authorizationId, this.consentRealm);
    return { realmId: this.consentRealm };
  }

  realmOf(access: AccessRecord): string | undefined {
    return this.realmOfConsent.get(access.authorizationId);
  }

  /** "The user disconnected the app" in QuickBooks' Connected apps: every grant to the company ends. */
  disconnect(realmId: string): number {
    let ended = 0;
    for (const grant of this.grants.values()) {
      if (!grant.revoked && this.realmOfConsent.get(grant.authorizationId) === realmId) {
        grant.revoked = true;
        ended += 1;
      }
    }
    return ended;
  }
}
