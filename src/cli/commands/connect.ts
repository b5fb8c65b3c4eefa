import { createInterface } from 'node:readline';
import { intOption, parse, requireString, urlOption, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { getConnection, readSecret, saveConnection } from '../../store/repos/connections.ts';
import { ConnectorError } from '../../core/errors.ts';
import { assertReachable } from '../../app/reachable.ts';
import { runXeroConsent } from '../../app/xero-connect.ts';
import { xeroUrls } from '../../systems/xero/client.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { createBillClient } from '../../systems/bill/client.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import type { BillCredentials } from '../../systems/bill/auth.ts';
import type { Command } from './types.ts';

const usage = `Usage: ml-connector connect xero --client-id ID [--client-secret-env VAR] [--tenant NAME|ID]
                                [--base-url URL] [--name ID] [--redirect-port N] [--json]
       ml-connector connect bill --dev-key KEY --username EMAIL --org-id 008… [--password-env VAR]
                                [--base-url URL] [--name ID] [--json]

xero: runs the OAuth 2.0 code flow (PKCE + state) through a callback on 127.0.0.1; open the printed
URL in a browser. On a server or over SSH, where the browser runs on another machine, paste the
address the browser was sent to (http://127.0.0.1:…/callback?code=…; the page itself fails to
load) into this terminal and press Enter; or give --redirect-port N and forward that port
(ssh -L N:127.0.0.1:N). The redirect address must be registered with the Xero app; the emulator's
sandbox app accepts any loopback address. The app's client secret is read from the environment variable named by
--client-secret-env (default ML_CONNECTOR_XERO_CLIENT_SECRET), never from the command line; the
sandbox app of 'ml-connector emulate' is mlc-sandbox-client with the secret mlc-sandbox-secret, and
its authorize page consents at once (opening the URL with curl -L completes it too).
With several tenants, --tenant picks one (default: the first). --name names the connection; given
the name of an existing Xero connection, it is connected again to the same tenant (or refused,
naming the tenants granted), so its links keep working. --base-url is the address of one host for
login, identity and API (the emulator: http://127.0.0.1:PORT, no path); the defaults are Xero's
production hosts. The host is checked first: a refused or silent address fails at once.
bill: --base-url is the server's address without /connect/v3 (the emulator: http://127.0.0.1:PORT).
Logs in once to check the credentials before saving them. The password is read from the
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
      'redirect-port': { type: 'string' },
    }, true);
    const redirectPort = intOption(values['redirect-port'], 'redirect-port', 1, 65535);
    const system = positionals[0];
    if (system !== 'xero' && system !== 'bill') throw new UsageError("say 'connect xero' or 'connect bill'");
    const base = urlOption(values['base-url'], 'base-url');
    if (base) checkBaseUrl(system, base);
    return withRuntime(values, async (rt, out) => {
      if (system === 'xero') {
        const clientId = requireString(values['client-id'], 'client-id');
        const secretVar = values['client-secret-env'] ?? 'ML_CONNECTOR_XERO_CLIENT_SECRET';
        // Connecting an existing connection again keeps its tenant (its links point at it) and,
        // when the environment gives no secret, the app secret stored with it.
        const existing = values.name ? await getConnection(rt.db, values.name) : null;
        if (existing && existing.system !== 'xero') throw new UsageError(`connection '${existing.id}' is a ${existing.system} connection; choose another --name`);
        const storedSecret = existing && !process.env[secretVar]
          ? await readSecret<{ clientSecret?: string }>(rt.db, rt.box, existing.id).then((s) => s.clientSecret, () => undefined)
          : undefined;
        const clientSecret = process.env[secretVar] || storedSecret || undefined;
        const urls = base ? { api: `${base}/api.xro/2.0`, login: base, identity: base, connections: `${base}/connections` } : xeroUrls('production');
        await assertReachable(urls.login, 'Xero', base ? '--base-url' : 'the network');
        // A pasted redirect address completes the flow like the callback (a browser on another machine).
        const pasted = createInterface({ input: process.stdin, terminal: false });
        const consent = await runXeroConsent({
          clientId, clientSecret, urls, pasted,
          ...(redirectPort !== undefined ? { callbackPort: redirectPort } : {}),
          onUrl: (url) => {
            process.stderr.write(`Open this URL to connect Xero:\n${url}\n` +
              'When the browser is on another machine, paste here the address it was sent to (http://127.0.0.1:…/callback?…) and press Enter.\n');
          },
        }).finally(() => {
          pasted.close();
          process.stdin.destroy();
        }).catch((e: unknown) => {
          if (e instanceof ConnectorError && e.vendorCode === 'invalid_client') {
            throw new ConnectorError({
              code: e.code, system: 'xero', vendorCode: e.vendorCode, cause: e,
              message: `Xero refused the app's credentials (invalid_client) for client id '${clientId}': ${clientSecret ? `check the client secret in ${secretVar}` : `the client secret is read from ${secretVar}, which is not set`}${clientId === 'mlc-sandbox-client' ? " (the sandbox's is mlc-sandbox-secret: ML_CONNECTOR_XERO_CLIENT_SECRET=mlc-sandbox-secret)" : ''}`,
            });
          }
          throw e;
        });
        const names = consent.tenants.map((t) => `'${t.tenantName ?? t.tenantId}'`).join(', ') || 'none';
        const wanted = values.tenant ?? existing?.tenant_id ?? undefined;
        const tenant = wanted
          ? consent.tenants.find((t) => t.tenantId === wanted || t.tenantName === wanted)
          : consent.tenants[0];
        if (!tenant) {
          if (!values.tenant && existing) {
            throw new UsageError(`connection '${existing.id}' is tenant '${existing.label ?? existing.tenant_id}', which this consent did not grant (granted: ${names}); grant it at consent, or give --tenant NAME with another --name`);
          }
          throw new UsageError(`no tenant '${values.tenant ?? ''}' among ${names}`);
        }
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
      await assertReachable(urls.api, 'BILL', base ? '--base-url' : 'the network');
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

/**
 * --base-url is a server's address: the paths under it are the connector's to add. A URL copied
 * from the emulator's ready line (…/connect/v3, …/api.xro/2.0) is refused with the one to give.
 */
function checkBaseUrl(system: 'xero' | 'bill', base: string): void {
  const u = new URL(base);
  const suffixes = system === 'bill' ? ['/connect/v3', '/connect-events/v3', '/connect'] : ['/api.xro/2.0', '/connections', '/identity', '/identity/connect/authorize'];
  const path = u.pathname.replace(/\/$/, '');
  const hit = suffixes.find((sfx) => path.endsWith(sfx));
  if (hit) {
    const origin = `${u.origin}${path.slice(0, path.length - hit.length)}`;
    throw new UsageError(`--base-url is the ${system === 'bill' ? 'BILL' : 'Xero'} server's address without ${hit}: give --base-url ${origin}`);
  }
}
