import { timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import { ConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/redact.ts';
import { Transport } from '../../http/transport.ts';
import { resolveUrl } from '../resolve-url.ts';
import { classifyXeroFailure } from './errors.ts';
import { codeChallengeS256, createCodeVerifier, createState } from './pkce.ts';
import { connectionSchema, tokenResponseSchema, type XeroConnection, type XeroTokenResponse } from './schema.ts';
import { xeroSpec } from './spec.ts';
import { z } from 'zod';

/** What the connector keeps per Xero connection (encrypted at rest by the engine's vault). */
export interface XeroCredentials {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, epoch ms. */
  expiresAt: number;
  scope?: string | undefined;
}

export interface XeroUrls {
  api: string;
  login: string;
  identity: string;
  connections: string;
}

export interface XeroOAuthOptions {
  clientId: string;
  /** Confidential apps authenticate to the token endpoint with Basic auth; PKCE-only apps omit it. */
  clientSecret?: string | undefined;
  urls: XeroUrls;
  transport?: Transport;
  logger?: Logger;
  clock?: Clock;
}

/**
 * Xero's OAuth 2.0 authorization-code flow with PKCE (S256) and state
 * (https://developer.xero.com/documentation/oauth2/auth-flow): the authorize URL, the code
 * exchange, refresh (which rotates the refresh token), revocation, and the tenants a token
 * reaches (`GET /connections`).
 */
export class XeroOAuth {
  private readonly transport: Transport;
  private readonly clock: Clock;

  constructor(private readonly options: XeroOAuthOptions) {
    registerSecret(options.clientSecret);
    this.clock = options.clock ?? systemClock;
    this.transport =
      options.transport ?? new Transport({ system: 'xero', classify: classifyXeroFailure, logger: options.logger ?? silentLogger, timeoutMs: xeroSpec.timeoutMs });
  }

  private url(template: string): string {
    return resolveUrl(template, this.options.urls as unknown as Record<string, string>);
  }

  /**
   * The URL to send the user to. Keep `state` and `codeVerifier` server-side until the callback.
   * @example
   * const { url, state, codeVerifier } = oauth.buildAuthorizeUrl({ redirectUri: 'http://127.0.0.1:4000/oauth/xero/callback' });
   */
  buildAuthorizeUrl(input: { redirectUri: string; scopes?: readonly string[]; state?: string; codeVerifier?: string }): { url: string; state: string; codeVerifier: string } {
    const state = input.state ?? createState();
    const codeVerifier = input.codeVerifier ?? createCodeVerifier();
    registerSecret(codeVerifier);
    const url = new URL(this.url(xeroSpec.auth.authorizeUrl));
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('scope', (input.scopes ?? xeroSpec.auth.defaultScopes).join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', codeChallengeS256(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return { url: url.toString(), state, codeVerifier };
  }

  /** Checks the callback's `state` (constant time) and exchanges the code for tokens. */
  async exchangeCode(input: { code: string; state: string | null | undefined; expectedState: string; redirectUri: string; codeVerifier: string }): Promise<XeroCredentials> {
    if (!input.state || !sameText(input.state, input.expectedState)) {
      throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: 'The OAuth callback state does not match the request that started it; start the connection again.' });
    }
    registerSecret(input.code);
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    };
    // An authorization code is single-use: a lost answer cannot be repaired by sending it again.
    return this.tokenCall(form, 'xero.exchangeCode', false);
  }

  /**
   * Exchanges the refresh token for a new pair. Safe to repeat after a lost answer: Xero accepts
   * the previous refresh token for 30 minutes (https://developer.xero.com/faq/oauth2).
   */
  async refresh(refreshToken: string): Promise<XeroCredentials> {
    return this.tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'xero.refresh', true);
  }

  /** Revokes the refresh token: every tenant connected through this grant is disconnected. */
  async revoke(refreshToken: string): Promise<void> {
    await this.transport.request({
      method: 'POST',
      url: this.url(xeroSpec.auth.revokeUrl),
      form: this.withClient({ token: refreshToken }),
      headers: this.basicAuth(),
      operation: 'xero.revoke',
      idempotent: true,
    });
  }

  /** The tenants (organisations) this access token may call, from `GET /connections`. */
  async listConnections(accessToken: string): Promise<XeroConnection[]> {
    registerSecret(accessToken);
    const res = await this.transport.request(
      { method: 'GET', url: this.options.urls.connections, headers: { authorization: `Bearer ${accessToken}` }, operation: 'xero.listConnections' },
      z.array(connectionSchema),
    );
    return res.body;
  }

  private async tokenCall(form: Record<string, string>, operation: string, idempotent: boolean): Promise<XeroCredentials> {
    const res = await this.transport.request(
      { method: 'POST', url: this.url(xeroSpec.auth.tokenUrl), form: this.withClient(form), headers: this.basicAuth(), operation, idempotent },
      tokenResponseSchema,
    );
    return this.toCredentials(res.body);
  }

  private toCredentials(t: XeroTokenResponse): XeroCredentials {
    registerSecret(t.access_token);
    registerSecret(t.refresh_token);
    registerSecret(t.id_token);
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: this.clock.now() + t.expires_in * 1000, scope: t.scope };
  }

  private basicAuth(): Record<string, string> {
    if (!this.options.clientSecret) return {};
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    registerSecret(basic);
    return { authorization: `Basic ${basic}` };
  }

  /** PKCE-only (public) clients identify themselves in the form instead of Basic auth. */
  private withClient(form: Record<string, string>): Record<string, string> {
    return this.options.clientSecret ? form : { ...form, client_id: this.options.clientId };
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
