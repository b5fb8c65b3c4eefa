import { randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import { ConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/redact.ts';
import { Transport } from '../../http/transport.ts';
import { OAuth2TokenManager } from '../oauth2-token-manager.ts';
import { resolveUrl } from '../resolve-url.ts';
import type { CredentialStore } from '../types.ts';
import { classifyQboFailure } from './errors.ts';
import { tokenResponseSchema, type QboTokenResponse } from './schema.ts';
import { qboSpec } from './spec.ts';

/** What the connector keeps per QBO connection (encrypted at rest by the engine's vault). */
export interface QboCredentials {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, epoch ms. */
  expiresAt: number;
  /** When the refresh token lapses unless used again (rolling, `x_refresh_token_expires_in`), epoch ms. */
  refreshTokenExpiresAt?: number | undefined;
  /** The company the grant was made for; tokens are bound to it. */
  realmId?: string | undefined;
}

export interface QboUrls {
  api: string;
  appcenter: string;
  oauth: string;
  revoke: string;
}

export interface QboOAuthOptions {
  clientId: string;
  clientSecret: string;
  urls: QboUrls;
  transport?: Transport;
  logger?: Logger;
  clock?: Clock;
}

/**
 * Intuit's OAuth 2.0 authorization-code flow with state
 * (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0):
 * the authorize URL, the code exchange (the callback also carries `realmId`, the company the user
 * picked), refresh, and revocation. The app authenticates to the token endpoint with Basic auth.
 */
export class QboOAuth {
  private readonly transport: Transport;
  private readonly clock: Clock;

  constructor(private readonly options: QboOAuthOptions) {
    registerSecret(options.clientSecret);
    this.clock = options.clock ?? systemClock;
    this.transport =
      options.transport ?? new Transport({ system: 'qbo', classify: classifyQboFailure, logger: options.logger ?? silentLogger, timeoutMs: qboSpec.timeoutMs });
  }

  private url(template: string): string {
    return resolveUrl(template, this.options.urls as unknown as Record<string, string>);
  }

  /**
   * The URL to send the user to; keep `state` server-side until the callback.
   * @example
   * const { url, state } = oauth.buildAuthorizeUrl({ redirectUri: 'http://127.0.0.1:4000/oauth/qbo/callback' });
   */
  buildAuthorizeUrl(input: { redirectUri: string; scopes?: readonly string[]; state?: string }): { url: string; state: string } {
    const state = input.state ?? randomBytes(24).toString('base64url');
    const url = new URL(this.url(qboSpec.auth.authorizeUrl));
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', (input.scopes ?? qboSpec.auth.defaultScopes).join(' '));
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('state', state);
    return { url: url.toString(), state };
  }

  /** Checks the callback's `state` (constant time) and exchanges the code; `realmId` comes from the callback's query. */
  async exchangeCode(input: { code: string; state: string | null | undefined; expectedState: string; redirectUri: string; realmId: string }): Promise<QboCredentials> {
    if (!input.state || !sameText(input.state, input.expectedState)) {
      throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: 'The OAuth callback state does not match the request that started it; start the connection again.' });
    }
    if (!input.realmId) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: 'The OAuth callback carries no realmId (company id); start the connection again.' });
    registerSecret(input.code);
    // An authorization code is single-use: a lost answer cannot be repaired by sending it again.
    const creds = await this.tokenCall({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri }, 'qbo.exchangeCode', false);
    return { ...creds, realmId: input.realmId };
  }

  /**
   * Exchanges the refresh token for a new pair; the answer may carry a new refresh token, which
   * must be kept from then on (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq).
   * Not repeated after a lost answer: whether the old refresh token survives a rotation is not
   * documented, so the token manager's single flight and the store's lock guard it instead.
   */
  async refresh(refreshToken: string): Promise<Omit<QboCredentials, 'realmId'>> {
    return this.tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'qbo.refresh', false);
  }

  /** Revokes the grant (refresh or access token): the app is disconnected from the company. */
  async revoke(token: string): Promise<void> {
    await this.transport.request({
      method: 'POST',
      url: this.url(qboSpec.auth.revokeUrl),
      json: { token },
      headers: { ...this.basicAuth(), accept: 'application/json' },
      operation: 'qbo.revoke',
      idempotent: true,
    });
  }

  private async tokenCall(form: Record<string, string>, operation: string, idempotent: boolean): Promise<Omit<QboCredentials, 'realmId'>> {
    const res = await this.transport.request(
      { method: 'POST', url: this.url(qboSpec.auth.tokenUrl), form, headers: { ...this.basicAuth(), accept: 'application/json' }, operation, idempotent },
      tokenResponseSchema,
    );
    return this.toCredentials(res.body);
  }

  private toCredentials(t: QboTokenResponse): Omit<QboCredentials, 'realmId'> {
    registerSecret(t.access_token);
    registerSecret(t.refresh_token);
    registerSecret(t.id_token);
    const now = this.clock.now();
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: now + t.expires_in * 1000,
      ...(t.x_refresh_token_expires_in ? { refreshTokenExpiresAt: now + t.x_refresh_token_expires_in * 1000 } : {}),
    };
  }

  private basicAuth(): Record<string, string> {
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    registerSecret(basic);
    return { authorization: `Basic ${basic}` };
  }
}

/**
 * Keeps one QBO connection's access token fresh (oauth2-token-manager.ts has the guarantees: single
 * flight, the rotated pair saved under the store's lock before the new access token is used):
 * one-hour tokens refreshed five minutes early. A refused grant (`invalid_grant`) surfaces as
 * MLC_ERR_RECONNECT_NEEDED naming `ml-connector connect qbo` (errors.ts).
 */
export class QboTokenManager extends OAuth2TokenManager<QboCredentials> {
  constructor(oauth: QboOAuth, store: CredentialStore<QboCredentials>, options: { clock?: Clock; refreshSkewSeconds?: number } = {}) {
    super({ store, refresh: (refreshToken) => oauth.refresh(refreshToken), lifetimes: qboSpec.auth, refreshSkewSeconds: options.refreshSkewSeconds, clock: options.clock });
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
