import { parse, requireString, urlOption, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { saveConnection } from '../../store/repos/connections.ts';
import { runXeroConsent } from '../../app/xero-connect.ts';
import { xeroUrls } from '../../systems/xero/client.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { createBillClient } from '../../systems/bill/client.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import type { BillCredentials } from '../../systems/bill/auth.ts';
import type { Command } from './types.ts';

const usage = `Usage: ml-connector connect xero --client-id ID [--client-secret-env VAR] [--tenant NAME|ID]
                                [--base-url URL] [--name ID] [--json]
       ml-connector connect bill --dev-key KEY --username EMAIL --org-id 008… [--password-env VAR]
                                [--base-url URL] [--name ID] [--json]

xero: runs the OAuth 2.0 code flow (PKCE + state) through a callback on 127.0.0.1; open the printed
URL in a browser. With several tenants, --tenant picks one (default: the first). --base-url points
login, identity and API at one host (the emulator); the defaults are Xero's production hosts.
bill: logs in once to check the credentials before saving them. The password is read from the
environment variable named by --password-env (default ML_CONNECTOR_BILL_PASSWORD), never from the
command line. Secrets are stored encrypted (AES-256-GCM).`;

export const connect: Command = {
  summary: 'connect a Xero tenant (OAuth) or a BILL organisation (login)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      'client-id': { type: 'string' },
      'client-secret-env': { type: 'string' },
      tenant: { type: 'string' },
      'base-url': { type: 'string' },
      name: { type: 'string' },
      'dev-key': { type: 'string' },
      username: { type: 'string' },
      'org-id': { type: 'string' },
      'password-env': { type: 'string' },
    }, true);
    const system = positionals[0];
    if (system !== 'xero' && system !== 'bill') throw new UsageError("say 'connect xero' or 'connect bill'");
    const base = urlOption(values['base-url'], 'base-url');
    return withRuntime(values, async (rt, out) => {
      if (system === 'xero') {
        const clientId = requireString(values['client-id'], 'client-id');
        const secretVar = values['client-secret-env'] ?? 'ML_CONNECTOR_XERO_CLIENT_SECRET';
        const clientSecret = process.env[secretVar] || undefined;
        const urls = base ? { api: `${base}/api.xro/2.0`, login: base, identity: base, connections: `${base}/connections` } : xeroUrls('production');
        const consent = await runXeroConsent({
          clientId, clientSecret, urls,
          onUrl: (url) => {
            process.stderr.write(`Open this URL to connect Xero:\n${url}\n`);
          },
        });
        const tenant = values.tenant
          ? consent.tenants.find((t) => t.tenantId === values.tenant || t.tenantName === values.tenant)
          : consent.tenants[0];
        if (!tenant) throw new UsageError(`no tenant '${values.tenant ?? ''}' among ${consent.tenants.map((t) => t.tenantName).join(', ') || 'none'}`);
        const id = values.name ?? `xero-${tenant.tenantId.slice(0, 8)}`;
        await saveConnection(rt.db, rt.box, {
          id, system: 'xero', label: tenant.tenantName ?? tenant.tenantId, tenantId: tenant.tenantId,
          config: { clientId, urls, tenantName: tenant.tenantName },
          secret: { ...consent.credentials, ...(clientSecret ? { clientSecret } : {}) },
          tokenExpiresAt: new Date(consent.credentials.expiresAt),
        });
        out.result({ id, system, tenantId: tenant.tenantId, tenantName: tenant.tenantName, tenants: consent.tenants.map((t) => ({ id: t.tenantId, name: t.tenantName })) },
          () => `connected Xero tenant '${tenant.tenantName}' as connection '${id}'${consent.tenants.length > 1 ? ` (other tenants: ${consent.tenants.filter((t) => t !== tenant).map((t) => t.tenantName).join(', ')})` : ''}`);
        return exitCodes.ok;
      }
      const passwordVar = values['password-env'] ?? 'ML_CONNECTOR_BILL_PASSWORD';
      const password = process.env[passwordVar];
      if (!password) throw new UsageError(`set the BILL password in the environment variable ${passwordVar}`);
      const creds: BillCredentials = {
        devKey: requireString(values['dev-key'], 'dev-key'),
        username: requireString(values.username, 'username'),
        password,
        organizationId: requireString(values['org-id'], 'org-id'),
      };
      const urls = base ? { api: `${base}/connect/v3`, events: `${base}/connect-events/v3` } : { ...billSpec.urls.production };
      // Log in once before saving, so wrong credentials are reported now and not at the first sync.
      const store = new MemoryCredentialStore<BillCredentials>(creds);
      const client = createBillClient({ credentials: store, urls, logger: rt.log });
      await client.session.authorize({ method: 'GET', url: urls.api });
      const checked = await store.load();
      const id = values.name ?? `bill-${creds.organizationId.slice(-8)}`;
      await saveConnection(rt.db, rt.box, { id, system: 'bill', label: creds.organizationId, tenantId: creds.organizationId, config: { urls }, secret: checked });
      out.result({ id, system, organizationId: creds.organizationId, loginChecked: true }, () => `connected BILL organisation ${creds.organizationId} as connection '${id}' (login checked)`);
      return exitCodes.ok;
    });
  },
};
