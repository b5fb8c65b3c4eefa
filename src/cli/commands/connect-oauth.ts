import { createInterface } from 'node:readline';
import type { Runtime } from '../../app/runtime.ts';
import type { OAuthCodeFlow } from '../../app/systems/connect-flow.ts';
import type { SystemEntry } from '../../app/systems/index.ts';
import { runLoopbackConsent } from '../../app/systems/loopback-consent.ts';
import { assertReachable } from '../../app/reachable.ts';
import { ConnectorError } from '../../core/errors.ts';
import { getConnection, readSecret, saveConnection } from '../../store/repos/connections.ts';
import { requireString, UsageError } from '../args.ts';
import type { Output } from '../output.ts';

export const oauthOptions = {
  'client-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  tenant: { type: 'string' },
  'redirect-port': { type: 'string' },
} as const;

export function oauthSynopsis(id: string): string {
  return `ml-connector connect ${id} --client-id ID [--client-secret-env VAR] [--tenant NAME|ID]
                                [--base-url URL] [--name ID] [--redirect-port N] [--json]`;
}

export function oauthHelp(entry: SystemEntry, flow: OAuthCodeFlow): string {
  const name = entry.spec.displayName;
  const sandbox = flow.cli.sandboxApp;
  return `${entry.id}: runs the OAuth 2.0 code flow (PKCE + state) through a callback on 127.0.0.1; open the printed
URL in a browser. On a server or over SSH, where the browser runs on another machine, paste the
address the browser was sent to (http://127.0.0.1:…/callback?code=…; the page itself fails to
load) into this terminal and press Enter; or give --redirect-port N and forward that port
(ssh -L N:127.0.0.1:N). The redirect address must be registered with the ${name} app; the emulator's
sandbox app accepts any loopback address. The app's client secret is read from the environment variable named by
--client-secret-env (default ${flow.cli.clientSecretEnv}), never from the command line;${sandbox ? ` the
sandbox app of 'ml-connector emulate' is ${sandbox.clientId} with the secret ${sandbox.clientSecret}, and
its authorize page consents at once (opening the URL with curl -L completes it too).` : ''}
With several ${flow.tenantNoun}s, --tenant picks one (default: the first). --name names the connection; given
the name of an existing ${name} connection, it is connected again to the same ${flow.tenantNoun} (or refused,
naming the ${flow.tenantNoun}s granted), so its links keep working. --base-url is the address of one host for
login, identity and API (the emulator: http://127.0.0.1:PORT, no path); the defaults are ${name}'s
production hosts. The host is checked first: a refused or silent address fails at once.`;
}

type Values = Partial<Record<'client-id' | 'client-secret-env' | 'tenant' | 'name', string>>;

/** `connect <id>` for an OAuth 2.0 code-flow system: consent through the loopback callback, then the chosen tenant is saved. */
export async function connectOAuth(rt: Runtime, out: Output, entry: SystemEntry, flow: OAuthCodeFlow, values: Values, base: string | undefined, redirectPort: number | undefined): Promise<void> {
  const name = entry.spec.displayName;
  const clientId = requireString(values['client-id'], 'client-id');
  const secretVar = values['client-secret-env'] ?? flow.cli.clientSecretEnv;
  // Connecting an existing connection again keeps its tenant (its links point at it) and,
  // when the environment gives no secret, the app secret stored with it.
  const existing = values.name ? await getConnection(rt.db, values.name) : null;
  if (existing && existing.system !== entry.id) throw new UsageError(`connection '${existing.id}' is a ${existing.system} connection; choose another --name`);
  const storedSecret = existing && !process.env[secretVar]
    ? await readSecret<{ clientSecret?: string }>(rt.db, rt.box, existing.id).then((s) => s.clientSecret, () => undefined)
    : undefined;
  const clientSecret = process.env[secretVar] || storedSecret || undefined;
  const urls = flow.urlsFor(base);
  await assertReachable(flow.reachableUrl(urls), name, base ? '--base-url' : 'the network');
  const app = { clientId, clientSecret, urls };
  // A pasted redirect address completes the flow like the callback (a browser on another machine).
  const pasted = createInterface({ input: process.stdin, terminal: false });
  const grant = await runLoopbackConsent({
    system: entry.id, displayName: name, flow, app, pasted, log: rt.log,
    ...(redirectPort !== undefined ? { callbackPort: redirectPort } : {}),
    onUrl: (url) => {
      process.stderr.write(`Open this URL to connect ${name}:\n${url}\n` +
        'When the browser is on another machine, paste here the address it was sent to (http://127.0.0.1:…/callback?…) and press Enter.\n');
    },
  }).finally(() => {
    pasted.close();
    process.stdin.destroy();
  }).catch((e: unknown) => {
    // invalid_client: the token endpoint refused the app's credentials (RFC 6749 §5.2).
    if (e instanceof ConnectorError && e.vendorCode === 'invalid_client') {
      const sandbox = flow.cli.sandboxApp;
      throw new ConnectorError({
        code: e.code, system: entry.id, vendorCode: e.vendorCode, cause: e,
        message: `${name} refused the app's credentials (invalid_client) for client id '${clientId}': ${clientSecret ? `check the client secret in ${secretVar}` : `the client secret is read from ${secretVar}, which is not set`}${sandbox && clientId === sandbox.clientId ? ` (the sandbox's is ${sandbox.clientSecret}: ${flow.cli.clientSecretEnv}=${sandbox.clientSecret})` : ''}`,
      });
    }
    throw e;
  });
  const nameOf = (t: { id: string; name: string | null }) => t.name ?? t.id;
  const names = grant.tenants.map((t) => `'${nameOf(t)}'`).join(', ') || 'none';
  const wanted = values.tenant ?? existing?.tenant_id ?? undefined;
  const tenant = wanted ? grant.tenants.find((t) => t.id === wanted || t.name === wanted) : grant.tenants[0];
  if (!tenant) {
    if (!values.tenant && existing) {
      throw new UsageError(`connection '${existing.id}' is ${flow.tenantNoun} '${existing.label ?? existing.tenant_id}', which this consent did not grant (granted: ${names}); grant it at consent, or give --tenant NAME with another --name`);
    }
    throw new UsageError(`no ${flow.tenantNoun} '${values.tenant ?? ''}' among ${names}`);
  }
  const connection = flow.connection(app, grant, tenant, values.name ?? flow.defaultConnectionId(tenant));
  await saveConnection(rt.db, rt.box, { ...connection, system: entry.id });
  const others = grant.tenants.filter((t) => t !== tenant);
  out.result(
    { id: connection.id, system: entry.id, tenantId: tenant.id, tenantName: tenant.name ?? undefined, tenants: grant.tenants.map((t) => ({ id: t.id, name: t.name ?? undefined })) },
    () => `connected ${name} ${flow.tenantNoun} '${nameOf(tenant)}' as connection '${connection.id}'${others.length > 0 ? ` (other ${flow.tenantNoun}s: ${others.map(nameOf).join(', ')})` : ''}`,
  );
}
