import { ConnectorError } from '../../core/errors.ts';
import { readSecret } from '../../store/repos/connections.ts';
import { XeroOAuth, type XeroCredentials, type XeroUrls } from '../../systems/xero/auth.ts';
import type { OAuthApp, OAuthCodeFlow } from './connect-flow.ts';
import { readXeroApp, readXeroWebhookKey, saveXeroApp, saveXeroWebhookKey, urlsOf } from './xero-app.ts';

/** Non-secret connection settings kept in connections.config. */
export interface XeroConnectionConfig {
  clientId: string;
  urls: XeroUrls;
  tenantName?: string;
  /** This connection's own call limits (app/systems/limits.ts), e.g. a starter-tier app's day allowance. */
  limits?: unknown;
}

const oauthOf = (app: OAuthApp, log: Parameters<OAuthCodeFlow['authorize']>[2]) =>
  new XeroOAuth({ clientId: app.clientId, clientSecret: app.clientSecret, urls: app.urls as unknown as XeroUrls, logger: log });

/**
 * Xero's authorization-code flow with PKCE and state (https://developer.xero.com/documentation/oauth2/pkce-flow),
 * the tenants a grant reaches (`GET /connections`) and revocation, for the connect pages and the CLI.
 */
export const xeroOAuthFlow: OAuthCodeFlow = {
  kind: 'oauth2-code',
  settings: {
    title: 'Xero app',
    fields: [
      { key: 'clientId', label: 'Client id', required: true, cli: { flag: 'client-id', metavar: 'ID' } },
      { key: 'clientSecret', label: 'Client secret', secret: true, cli: { envFlag: 'client-secret-env', defaultEnv: 'ML_CONNECTOR_XERO_CLIENT_SECRET' } },
      { key: 'baseUrl', label: 'Base URL (empty for Xero production)', type: 'url', cli: { flag: 'base-url', metavar: 'URL' } },
      { key: 'webhookKey', label: 'Webhook key', secret: true },
    ],
    async read(deps) {
      const app = await readXeroApp(deps);
      const webhookKey = (await readXeroWebhookKey(deps)) !== null;
      if (!app && !webhookKey) return null;
      return { values: { clientId: app?.clientId, baseUrl: app?.baseUrl }, saved: { clientSecret: Boolean(app?.clientSecret), webhookKey } };
    },
    async save(deps, posted) {
      // An empty secret field keeps the saved secret: the page never shows it, so it cannot be resent.
      const previous = await readXeroApp(deps);
      await saveXeroApp(deps, { clientId: posted.clientId, clientSecret: posted.clientSecret || previous?.clientSecret, baseUrl: posted.baseUrl || undefined });
      if (posted.webhookKey) await saveXeroWebhookKey(deps, posted.webhookKey);
    },
  },
  async app(deps) {
    const settings = await readXeroApp(deps);
    return settings ? { clientId: settings.clientId, clientSecret: settings.clientSecret, urls: { ...urlsOf(settings) } } : null;
  },
  urlsFor: (baseUrl) => ({ ...urlsOf({ baseUrl }) }),
  baseUrlSuffixes: ['/api.xro/2.0', '/connections', '/identity', '/identity/connect/authorize'],
  reachableUrl: (urls) => urls.login!,
  authorize: (app, redirectUri, log) => oauthOf(app, log).buildAuthorizeUrl({ redirectUri }),
  async exchange(app, input, log) {
    const oauth = oauthOf(app, log);
    const credentials = await oauth.exchangeCode({ ...input, expectedState: input.state });
    const tenants = (await oauth.listConnections(credentials.accessToken)).map((t) => ({ id: t.tenantId, name: t.tenantName ?? null }));
    return { credentials: { ...credentials }, tenants };
  },
  connection(app, grant, tenant, id) {
    const config: XeroConnectionConfig = { clientId: app.clientId, urls: app.urls as unknown as XeroUrls, ...(tenant.name ? { tenantName: tenant.name } : {}) };
    return {
      id, label: tenant.name ?? tenant.id, tenantId: tenant.id, config: { ...config },
      secret: { ...grant.credentials, ...(app.clientSecret ? { clientSecret: app.clientSecret } : {}) },
      tokenExpiresAt: new Date(grant.credentials.expiresAt),
    };
  },
  defaultConnectionId: (tenant) => `xero-${tenant.id.slice(0, 8)}`,
  tenantNoun: 'tenant',
  async revoke(deps, row) {
    const config = row.config as unknown as XeroConnectionConfig;
    const secret = await readSecret<XeroCredentials & { clientSecret?: string }>(deps.db, deps.box, row.id);
    if (!config.clientId) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: `connection '${row.id}' has no client id` });
    // Revoking the refresh token removes the grant and every tenant it reached.
    await new XeroOAuth({ clientId: config.clientId, clientSecret: secret.clientSecret, urls: config.urls, logger: deps.log }).revoke(secret.refreshToken);
  },
  cli: {
    clientSecretEnv: 'ML_CONNECTOR_XERO_CLIENT_SECRET',
    sandboxApp: { clientId: 'mlc-sandbox-client', clientSecret: 'mlc-sandbox-secret' },
  },
};
