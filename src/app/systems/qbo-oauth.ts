import { ConnectorError } from '../../core/errors.ts';
import { readSecret } from '../../store/repos/connections.ts';
import { QboOAuth, type QboCredentials, type QboUrls } from '../../systems/qbo/auth.ts';
import type { Environment } from '../../systems/types.ts';
import type { OAuthApp, OAuthCodeFlow } from './connect-flow.ts';
import { qboUrlsOf, readQboApp, readQboVerifierToken, saveQboApp, saveQboVerifierToken } from './qbo-app.ts';

/** Non-secret connection settings kept in connections.config. */
export interface QboConnectionConfig {
  clientId: string;
  /** Sandbox or production company, chosen per connection by the base URL it was connected with. */
  environment: Environment;
  urls: QboUrls;
  /** This connection's own call limits (app/systems/limits.ts). */
  limits?: unknown;
}

// Without a secret the token endpoint answers invalid_client, which the connect command turns into
// advice naming the variable that holds it; the settings form refuses to save an app without one.
const oauthOf = (app: OAuthApp, log: Parameters<OAuthCodeFlow['authorize']>[2]) =>
  new QboOAuth({ clientId: app.clientId, clientSecret: app.clientSecret ?? '', urls: app.urls as unknown as QboUrls, logger: log });

/**
 * Intuit's authorization-code flow with state, no PKCE (the app is a confidential client:
 * https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0).
 * The person picks the company on Intuit's consent page and the callback names it as `realmId`
 * beside code and state: the grant reaches that one company, so the realm is the tenant and there
 * is nothing to pick afterwards.
 */
export const qboOAuthFlow: OAuthCodeFlow = {
  kind: 'oauth2-code',
  settings: {
    title: 'QuickBooks Online app',
    fields: [
      { key: 'clientId', label: 'Client id', required: true, cli: { flag: 'client-id', metavar: 'ID' } },
      { key: 'clientSecret', label: 'Client secret', secret: true, cli: { envFlag: 'client-secret-env', defaultEnv: 'ML_CONNECTOR_QBO_CLIENT_SECRET' } },
      {
        key: 'baseUrl', label: 'Base URL (empty for production companies; https://sandbox-quickbooks.api.intuit.com for sandbox companies)', type: 'url',
        cli: { flag: 'base-url', metavar: 'URL' },
      },
      { key: 'verifierToken', label: 'Webhook verifier token', secret: true },
    ],
    async read(deps) {
      const app = await readQboApp(deps);
      const verifierToken = (await readQboVerifierToken(deps)) !== null;
      if (!app && !verifierToken) return null;
      return { values: { clientId: app?.clientId, baseUrl: app?.baseUrl }, saved: { clientSecret: Boolean(app?.clientSecret), verifierToken } };
    },
    async save(deps, posted) {
      // An empty secret field keeps the saved secret: the page never shows it, so it cannot be resent.
      const previous = await readQboApp(deps);
      const clientSecret = posted.clientSecret || previous?.clientSecret;
      if (!clientSecret) {
        throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: "QuickBooks Online app settings: the client secret is required (Intuit authenticates the app at its token endpoint): copy it from the app's Keys page" });
      }
      await saveQboApp(deps, { clientId: posted.clientId, clientSecret, baseUrl: posted.baseUrl || undefined });
      if (posted.verifierToken) await saveQboVerifierToken(deps, posted.verifierToken);
    },
  },
  async app(deps) {
    const settings = await readQboApp(deps);
    return settings ? { clientId: settings.clientId, clientSecret: settings.clientSecret, urls: { ...qboUrlsOf(settings.baseUrl).urls } } : null;
  },
  urlsFor: (baseUrl) => ({ ...qboUrlsOf(baseUrl).urls }),
  baseUrlSuffixes: ['/v3/company', '/v3', '/connect/oauth2', '/oauth2/v1/tokens/bearer'],
  reachableUrl: (urls) => urls.oauth!,
  authorize(app, redirectUri, log) {
    const built = oauthOf(app, log).buildAuthorizeUrl({ redirectUri });
    return { ...built, codeVerifier: '' };
  },
  tenantInCallback: 'realmId',
  async exchange(app, input, log) {
    const credentials = await oauthOf(app, log).exchangeCode({ code: input.code, state: input.state, expectedState: input.state, redirectUri: input.redirectUri, realmId: input.tenantId ?? '' });
    return { credentials: { ...credentials }, tenants: [{ id: credentials.realmId!, name: null }] };
  },
  connection(app, grant, tenant, id) {
    const urls = app.urls as unknown as QboUrls;
    // Intuit's sandbox API host is the sandbox; production's is production; another host (the emulator), a sandbox.
    const config: QboConnectionConfig = { clientId: app.clientId, environment: qboUrlsOf(urls.api).environment, urls };
    return {
      id, label: tenant.name ?? tenant.id, tenantId: tenant.id, config: { ...config },
      secret: { ...grant.credentials, realmId: tenant.id, ...(app.clientSecret ? { clientSecret: app.clientSecret } : {}) },
      tokenExpiresAt: new Date(grant.credentials.expiresAt),
    };
  },
  defaultConnectionId: (tenant) => `qbo-${tenant.id.slice(-8)}`,
  tenantNoun: 'company',
  async revoke(deps, row) {
    const config = row.config as unknown as QboConnectionConfig;
    const secret = await readSecret<QboCredentials & { clientSecret?: string }>(deps.db, deps.box, row.id);
    if (!config.clientId) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: `connection '${row.id}' has no client id` });
    // Revoking the refresh token disconnects the app from the company (Intuit's revoke endpoint).
    await oauthOf({ clientId: config.clientId, clientSecret: secret.clientSecret, urls: { ...config.urls } }, deps.log).revoke(secret.refreshToken);
  },
  cli: {
    clientSecretEnv: 'ML_CONNECTOR_QBO_CLIENT_SECRET',
    sandboxApp: { clientId: 'mlc-qbo-sandbox-client', clientSecret: 'mlc-qbo-sandbox-secret' },
  },
};

