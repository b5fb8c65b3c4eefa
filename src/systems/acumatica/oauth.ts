import { systemClock, type Clock } from '../../core/clock.ts';
import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Transport } from '../../http/transport.ts';
import { OAuth2TokenManager, type OAuth2Tokens } from '../oauth2-token-manager.ts';
import { createSystemTransport, type SystemTransportOptions } from '../system-transport.ts';
import type { CredentialStore } from '../types.ts';
import { instanceBase, licenceKey, type AcumaticaSite } from './auth.ts';
import { classifyAcumaticaFailure } from './errors.ts';
import { tokenResponseSchema, type AcumaticaTokenResponse } from './schema.ts';
import { acumaticaOAuthLifetimes, acumaticaOAuthSpec, acumaticaSpec } from './spec.ts';

/** A connection through a connected application (SM303010) instead of a cookie sign-in. */
export interface AcumaticaOAuthCredentials extends AcumaticaSite, OAuth2Tokens {
  /** `<GUID>@<Tenant>`, as Connected Applications shows it. */
  clientId: string;
  clientSecret?: string | undefined;
  scope?: string | undefined;
}

/** Acumatica client ids name their tenant: `<GUID>@<Tenant>` (OAuthOIDC_ResourceOwner_AccessToken). */
export function checkClientId(clientId: string, tenant: string): void {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@(.+)$/i.exec(clientId.trim());
  if (!m) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'acumatica', message: `the Acumatica client id must be <GUID>@<Tenant> as Connected Applications (SM303010) shows it, not '${clientId}'` });
  if (m[2]!.toLowerCase() !== tenant.toLowerCase()) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'acumatica', message: `the client id is registered in tenant '${m[2]}', but the connection is to tenant '${tenant}'` });
  }
}

/**
 * The token endpoint `{instance}/identity/connect/token` (form-encoded): the resource-owner
 * password grant that connects, and the refresh grant that keeps the connection, which answers a
 * new refresh token every time and makes the old one useless (OAuthOIDC_GettingStarted_RefreshToken).
 */
export class AcumaticaOAuth {
  private readonly clock: Clock;

  constructor(
    private readonly transport: Transport,
    private readonly client: { site: AcumaticaSite; clientId: string; clientSecret?: string | undefined; clock?: Clock | undefined },
  ) {
    checkClientId(client.clientId, client.site.tenant);
    registerSecret(client.clientSecret);
    this.clock = client.clock ?? systemClock;
  }

  /** Connects with a user's password; the password is not kept, only the tokens. */
  async passwordGrant(input: { username: string; password: string; scopes?: readonly string[] }): Promise<AcumaticaOAuthCredentials> {
    registerSecret(input.password);
    const scope = (input.scopes ?? acumaticaOAuthLifetimes.defaultScopes).join(' ');
    let t: AcumaticaTokenResponse;
    try {
      t = await this.tokenCall({ grant_type: 'password', username: input.username, password: input.password, scope }, 'acumatica.passwordGrant', true);
    } catch (e) {
      // invalid_grant here is the user or password, not a saved grant gone stale (errors.ts reads it so for refreshes).
      if (e instanceof ConnectorError && e.code === 'MLC_ERR_RECONNECT_NEEDED') {
        throw new ConnectorError({ code: 'MLC_ERR_BAD_CREDENTIALS', system: 'acumatica', status: e.status, message: `Acumatica refused the user name or password for the connected application ${this.client.clientId} (${e.vendorCode ?? 'invalid_grant'})` });
      }
      throw e;
    }
    return { ...this.client.site, clientId: this.client.clientId, clientSecret: this.client.clientSecret, ...this.tokens(t) };
  }

  /**
   * Not repeated after a lost answer: the refresh token was spent by the request that went out,
   * and a second use of it is refused (the connection then needs connecting again either way).
   */
  async refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken?: string | undefined; expiresAt: number; scope?: string | undefined }> {
    return this.tokens(await this.tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'acumatica.refresh', false));
  }

  private async tokenCall(form: Record<string, string>, operation: string, idempotent: boolean): Promise<AcumaticaTokenResponse> {
    const client: Record<string, string> = { client_id: this.client.clientId, ...(this.client.clientSecret ? { client_secret: this.client.clientSecret } : {}) };
    const res = await this.transport.request(
      { method: 'POST', url: `${instanceBase(this.client.site)}${acumaticaOAuthSpec.tokenPath}`, form: { ...form, ...client }, operation, idempotent, tenant: licenceKey(this.client.site) },
      tokenResponseSchema,
    );
    return res.body;
  }

  private tokens(t: AcumaticaTokenResponse) {
    registerSecret(t.access_token);
    registerSecret(t.refresh_token);
    if (!t.refresh_token) {
      // Without offline_access there is nothing to renew with: the connection would die within the hour.
      throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'acumatica', message: 'Acumatica issued no refresh token: give the connected application the offline_access scope' });
    }
    const ttl = t.expires_in ?? acumaticaOAuthLifetimes.accessTokenTtlSeconds;
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: this.clock.now() + ttl * 1000, scope: t.scope };
  }
}

/**
 * Keeps one connection's access token fresh (oauth2-token-manager.ts has the guarantees):
 * one-hour tokens refreshed two minutes early, one refresh at a time across processes so the
 * rotating refresh token is never spent twice.
 */
export class AcumaticaTokenManager extends OAuth2TokenManager<AcumaticaOAuthCredentials> {
  constructor(oauth: AcumaticaOAuth, store: CredentialStore<AcumaticaOAuthCredentials>, options: { clock?: Clock | undefined; refreshSkewSeconds?: number | undefined } = {}) {
    super({ store, refresh: (token) => oauth.refresh(token), lifetimes: acumaticaOAuthLifetimes, refreshSkewSeconds: options.refreshSkewSeconds, clock: options.clock });
  }
}

/**
 * Connects through a connected application with a user's name and password (the resource-owner
 * password grant, scopes `api offline_access`) on a transport of its own: what a connect form
 * does once. Only the tokens are kept; the password is not (OAuthOIDC_ResourceOwner_AccessToken).
 */
export async function connectWithPassword(input: SystemTransportOptions & { site: AcumaticaSite; clientId: string; clientSecret?: string | undefined; username: string; password: string; clock?: Clock | undefined }): Promise<AcumaticaOAuthCredentials> {
  const { site, clientId, clientSecret, username, password, clock, ...transportOptions } = input;
  const { transport } = createSystemTransport(acumaticaSpec, classifyAcumaticaFailure, transportOptions);
  return new AcumaticaOAuth(transport, { site, clientId, clientSecret, clock }).passwordGrant({ username, password });
}
