import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { AcumaticaLoginCredentials, AcumaticaSite } from '../../systems/acumatica/auth.ts';
import { createAcumaticaClient, type AcumaticaAuth } from '../../systems/acumatica/client.ts';
import { checkClientId, connectWithPassword, type AcumaticaOAuthCredentials } from '../../systems/acumatica/oauth.ts';
import { vendorSchema } from '../../systems/acumatica/schema.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import type { CredentialsFlow } from './connect-flow.ts';

/** How a connection signs in: a cookie session of a user, or OAuth 2.0 tokens of a connected application (SM303010). */
export type AcumaticaAuthKind = 'cookie' | 'oauth';

/** Non-secret connection settings kept in connections.config. */
export interface AcumaticaConnectionConfig {
  site: AcumaticaSite;
  /** Absent on connections saved before OAuth was offered: cookie. */
  auth?: AcumaticaAuthKind;
  /** The connected application's client id (`<GUID>@<Tenant>`), with `auth: 'oauth'`. */
  clientId?: string;
  /** This connection's own call limits (app/systems/limits.ts): Acumatica's come from the customer's licence. */
  limits?: unknown;
}

/** The sealed secret of a connection: the cookie sign-in's user and password, or the OAuth tokens and client secret (no password). */
export type AcumaticaSecret = AcumaticaLoginCredentials | AcumaticaOAuthCredentials;

/** A tenant's name repeats across customers' instances, so a connection's tenant is the instance and the tenant. */
export const acumaticaTenantId = (site: Pick<AcumaticaSite, 'instanceUrl' | 'tenant'>): string =>
  `${site.instanceUrl.trim().replace(/\/+$/, '').replace(/^https?:\/\//, '')}/${site.tenant}`;

const siteOf = (values: Record<string, string>, urls: Record<string, string>): AcumaticaSite =>
  ({ instanceUrl: urls.instance!, tenant: values.tenant!, ...(values.branch ? { branch: values.branch } : {}) });

/**
 * One sign-in and a one-record read check the values (and the endpoint version the instance
 * offers) before anything is saved. A cookie session is signed out at once, since it holds a
 * licence seat; OAuth keeps the tokens the password grant gave (refreshed, if the read needed it).
 */
async function checkSignIn(values: Record<string, string>, urls: Record<string, string>, log: Logger): Promise<AcumaticaLoginCredentials | AcumaticaOAuthCredentials> {
  const site = siteOf(values, urls);
  let auth: AcumaticaAuth;
  let saved: () => Promise<AcumaticaLoginCredentials | AcumaticaOAuthCredentials>;
  if (values.clientId) {
    checkClientId(values.clientId, site.tenant);
    const tokens = await connectWithPassword({ site, clientId: values.clientId, clientSecret: values.clientSecret, username: values.username!, password: values.password!, logger: log });
    const store = new MemoryCredentialStore<AcumaticaOAuthCredentials>(tokens);
    auth = { kind: 'oauth', store, clientId: values.clientId, ...(values.clientSecret ? { clientSecret: values.clientSecret } : {}) };
    saved = () => store.load();
  } else {
    const store = new MemoryCredentialStore<AcumaticaLoginCredentials>({ ...site, username: values.username!, password: values.password! });
    auth = { kind: 'cookie', store };
    saved = async () => {
      const { session: _signedOut, ...credentials } = await store.load();
      return credentials;
    };
  }
  const client = createAcumaticaClient({ site, auth, logger: log });
  try {
    await client.checkEndpoint();
    await client.listPage('Vendor', vendorSchema, { top: 1, skip: 0, select: 'VendorID' });
  } finally {
    await client.close();
  }
  return saved();
}

/**
 * Acumatica's sign-in, in one of the two ways the REST API takes (reference B2): the cookie login
 * `POST {instance}/entity/auth/login` with name, password, tenant and branch, or, when a connected
 * application's client id is given, OAuth 2.0 through it. The OAuth grant a form can run is the
 * resource-owner password grant (a code grant needs a browser round trip per customer instance,
 * which the registry's one-app-per-deployment code flow does not describe); the user's password is
 * used once and only the rotating tokens are kept. Every customer has an instance of their own, so
 * its URL is required. The client id and secret are given on the connect page or, on the command
 * line, with --client-id and the secret from the environment.
 */
export const acumaticaCredentialsFlow: CredentialsFlow = {
  kind: 'credentials',
  fields: [
    { key: 'tenant', label: 'Tenant (company) name', required: true, cli: { flag: 'tenant', metavar: 'NAME' } },
    { key: 'branch', label: 'Branch (optional)', cli: { flag: 'branch', metavar: 'ID' } },
    { key: 'username', label: 'User name', required: true, cli: { flag: 'username', metavar: 'USER' } },
    { key: 'password', label: 'Password', secret: true, required: true, cli: { envFlag: 'password-env', defaultEnv: 'ML_CONNECTOR_ACUMATICA_PASSWORD' } },
    { key: 'clientId', label: 'OAuth client id (optional: <GUID>@<Tenant> from Connected Applications, SM303010; empty signs in with a cookie session)', cli: { flag: 'client-id', metavar: 'GUID@TENANT' } },
    { key: 'clientSecret', label: 'OAuth client secret (with a client id)', secret: true, cli: { envFlag: 'client-secret-env', defaultEnv: 'ML_CONNECTOR_ACUMATICA_CLIENT_SECRET' } },
  ],
  schema: z.object({
    tenant: z.string().trim().min(1, 'the tenant is required').max(100),
    branch: z.string().trim().min(1).max(30).optional(),
    username: z.string().trim().min(1, 'the user name is required').max(200),
    password: z.string().min(1, 'the password is required').max(500),
    clientId: z.string().trim().min(1).max(200).optional(),
    clientSecret: z.string().min(1).max(500).optional(),
  }).refine((v) => !v.clientSecret || v.clientId, { path: ['clientId'], message: 'a client secret needs its client id' }) as z.ZodType<Record<string, string>>,
  baseUrlLabel: 'Instance URL (required: your Acumatica site, e.g. https://acme.acumatica.com)',
  urlsFor(baseUrl) {
    const instance = baseUrl?.trim().replace(/\/+$/, '');
    if (!instance) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'acumatica', message: 'give the Acumatica instance URL (--base-url https://your-site.acumatica.com): every customer has a site of their own' });
    return { instance };
  },
  baseUrlSuffixes: ['/entity', '/entity/auth/login', '/identity/connect/token'],
  reachableUrl: (urls) => `${urls.instance!}/entity`,
  tenantField: 'tenant',
  tenantNoun: 'tenant',
  check: checkSignIn,
  connection(values, urls, secret, id) {
    const site = siteOf(values, urls);
    const oauth = Boolean(values.clientId);
    const config: AcumaticaConnectionConfig = { site, auth: oauth ? 'oauth' : 'cookie', ...(oauth ? { clientId: values.clientId! } : {}) };
    const expiresAt = oauth ? (secret as AcumaticaOAuthCredentials).expiresAt : undefined;
    return { id, label: `${values.tenant} (${urls.instance})`, tenantId: acumaticaTenantId(site), config: { ...config }, secret: secret as AcumaticaSecret, ...(expiresAt ? { tokenExpiresAt: new Date(expiresAt) } : {}) };
  },
  defaultConnectionId: (values) => `acumatica-${values.tenant!.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 24)}`,
};
