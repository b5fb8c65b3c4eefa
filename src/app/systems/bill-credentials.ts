import { z } from 'zod';
import type { BillCredentials } from '../../systems/bill/auth.ts';
import { createBillClient, type BillUrls } from '../../systems/bill/client.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import type { CredentialsFlow } from './connect-flow.ts';

/** Non-secret connection settings kept in connections.config. */
export interface BillConnectionConfig {
  urls: BillUrls;
  /** This connection's own call limits (app/systems/limits.ts). */
  limits?: unknown;
}

/**
 * BILL's session login (https://developer.bill.com/reference/login): developer key, user and
 * organisation. The credentials are tried with one login before anything is saved, so a typo is
 * reported at once and not at the first sync.
 */
export const billCredentialsFlow: CredentialsFlow = {
  kind: 'credentials',
  fields: [
    { key: 'devKey', label: 'Developer key', secret: true, required: true, cli: { flag: 'dev-key', metavar: 'KEY' } },
    { key: 'username', label: 'User name (email)', required: true, cli: { flag: 'username', metavar: 'EMAIL' } },
    { key: 'password', label: 'Password', secret: true, required: true, cli: { envFlag: 'password-env', defaultEnv: 'ML_CONNECTOR_BILL_PASSWORD' } },
    { key: 'organizationId', label: 'Organisation id', required: true, cli: { flag: 'org-id', metavar: '008…' } },
  ],
  schema: z.object({
    devKey: z.string().trim().min(1, 'the developer key is required').max(200),
    username: z.string().trim().min(1, 'the user name is required').max(200),
    password: z.string().min(1, 'the password is required').max(500),
    organizationId: z.string().trim().regex(/^[0-9A-Za-z]{6,40}$/, 'the organisation id looks like 00801…'),
  }),
  baseUrlLabel: 'Gateway URL (empty for BILL production)',
  urlsFor(baseUrl) {
    const base = baseUrl?.replace(/\/+$/, '');
    return base ? { api: `${base}/connect/v3`, events: `${base}/connect-events/v3` } : { ...billSpec.urls.production };
  },
  baseUrlSuffixes: ['/connect/v3', '/connect-events/v3', '/connect'],
  reachableUrl: (urls) => urls.api!,
  tenantField: 'organizationId',
  tenantNoun: 'organisation',
  async check(values, urls, log) {
    const store = new MemoryCredentialStore<BillCredentials>({ devKey: values.devKey!, username: values.username!, password: values.password!, organizationId: values.organizationId! });
    const billUrls = urls as unknown as BillUrls;
    await createBillClient({ credentials: store, urls: billUrls, logger: log }).session.authorize({ method: 'GET', url: billUrls.api });
    return store.load();
  },
  connection(values, urls, secret, id) {
    const config: BillConnectionConfig = { urls: urls as unknown as BillUrls };
    return { id, label: values.organizationId!, tenantId: values.organizationId!, config: { ...config }, secret };
  },
  defaultConnectionId: (values) => `bill-${values.organizationId!.slice(-8)}`,
};
