import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import type { AcumaticaLoginCredentials, AcumaticaSite } from '../../systems/acumatica/auth.ts';
import { createAcumaticaClient } from '../../systems/acumatica/client.ts';
import { vendorSchema } from '../../systems/acumatica/schema.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import type { CredentialsFlow } from './connect-flow.ts';

/** Non-secret connection settings kept in connections.config. */
export interface AcumaticaConnectionConfig {
  site: AcumaticaSite;
  /** This connection's own call limits (app/systems/limits.ts): Acumatica's come from the customer's licence. */
  limits?: unknown;
}

/** A tenant's name repeats across customers' instances, so a connection's tenant is the instance and the tenant. */
export const acumaticaTenantId = (site: Pick<AcumaticaSite, 'instanceUrl' | 'tenant'>): string =>
  `${site.instanceUrl.trim().replace(/\/+$/, '').replace(/^https?:\/\//, '')}/${site.tenant}`;

/**
 * Acumatica's cookie sign-in (`POST {instance}/entity/auth/login` with name, password, tenant and
 * branch): every customer has an instance of their own, so its URL is required. One sign-in and a
 * one-record read check the values (and the endpoint version the instance offers) before anything
 * is saved; the session is signed out at once, since it holds a licence seat.
 */
export const acumaticaCredentialsFlow: CredentialsFlow = {
  kind: 'credentials',
  fields: [
    { key: 'tenant', label: 'Tenant (company) name', required: true, cli: { flag: 'tenant', metavar: 'NAME' } },
    { key: 'branch', label: 'Branch (optional)', cli: { flag: 'branch', metavar: 'ID' } },
    { key: 'username', label: 'User name', required: true, cli: { flag: 'username', metavar: 'USER' } },
    { key: 'password', label: 'Password', secret: true, required: true, cli: { envFlag: 'password-env', defaultEnv: 'ML_CONNECTOR_ACUMATICA_PASSWORD' } },
  ],
  schema: z.object({
    tenant: z.string().trim().min(1, 'the tenant is required').max(100),
    branch: z.string().trim().min(1).max(30).optional(),
    username: z.string().trim().min(1, 'the user name is required').max(200),
    password: z.string().min(1, 'the password is required').max(500),
  }) as z.ZodType<Record<string, string>>,
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
  async check(values, urls, log) {
    const site: AcumaticaSite = { instanceUrl: urls.instance!, tenant: values.tenant!, ...(values.branch ? { branch: values.branch } : {}) };
    const store = new MemoryCredentialStore<AcumaticaLoginCredentials>({ ...site, username: values.username!, password: values.password! });
    const client = createAcumaticaClient({ site, auth: { kind: 'cookie', store }, logger: log });
    try {
      await client.checkEndpoint();
      await client.listPage('Vendor', vendorSchema, { top: 1, skip: 0, select: 'VendorID' });
    } finally {
      await client.close();
    }
    const { session: _signedOut, ...credentials } = await store.load();
    return credentials;
  },
  connection(values, urls, secret, id) {
    const site: AcumaticaSite = { instanceUrl: urls.instance!, tenant: values.tenant!, ...(values.branch ? { branch: values.branch } : {}) };
    const config: AcumaticaConnectionConfig = { site };
    return { id, label: `${values.tenant} (${urls.instance})`, tenantId: acumaticaTenantId(site), config: { ...config }, secret };
  },
  defaultConnectionId: (values) => `acumatica-${values.tenant!.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 24)}`,
};
