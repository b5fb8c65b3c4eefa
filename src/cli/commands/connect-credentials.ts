import type { Runtime } from '../../app/runtime.ts';
import type { CredentialsFlow } from '../../app/systems/connect-flow.ts';
import type { SystemEntry } from '../../app/systems/index.ts';
import { assertReachable } from '../../app/reachable.ts';
import { saveConnection } from '../../store/repos/connections.ts';
import { requireString, UsageError } from '../args.ts';
import type { Output } from '../output.ts';

/** The command-line options of a credentials flow: a flag per field, or for a secret the flag naming its environment variable. */
export function credentialOptions(flow: CredentialsFlow): Record<string, { type: 'string' }> {
  return Object.fromEntries(flow.fields.flatMap((f) => (f.cli ? [['flag' in f.cli ? f.cli.flag : f.cli.envFlag, { type: 'string' as const }]] : [])));
}

export function credentialsSynopsis(id: string, flow: CredentialsFlow): string {
  const flags = flow.fields.flatMap((f) => (f.cli && 'flag' in f.cli ? [f.required ? `--${f.cli.flag} ${f.cli.metavar}` : `[--${f.cli.flag} ${f.cli.metavar}]`] : []));
  const fromEnv = flow.fields.flatMap((f) => (f.cli && 'envFlag' in f.cli ? [`[--${f.cli.envFlag} VAR]`] : []));
  const parts = [...flags, ...fromEnv];
  return `ml-connector connect ${id} ${parts.join(' ')}
                                [--base-url URL] [--name ID] [--json]`;
}

export function credentialsHelp(entry: SystemEntry, flow: CredentialsFlow): string {
  const suffix = flow.baseUrlSuffixes[0] ?? '';
  const fromEnv = flow.fields.flatMap((f) => (f.cli && 'envFlag' in f.cli ? [`The ${f.label.toLowerCase()} is read from the
environment variable named by --${f.cli.envFlag} (default ${f.cli.defaultEnv}${f.required ? '' : ', used when set'}), never from the
command line.`] : []));
  return `${entry.id}: --base-url is the server's address without ${suffix} (the emulator: http://127.0.0.1:PORT).
Logs in once to check the credentials before saving them. ${fromEnv.join(' ')} Secrets are stored encrypted (AES-256-GCM).`;
}

/** `connect <id>` for a system that logs in with credentials: one login checks them, then they are saved encrypted. */
export async function connectCredentials(rt: Runtime, out: Output, entry: SystemEntry, flow: CredentialsFlow, values: Record<string, string | undefined>, base: string | undefined): Promise<void> {
  const name = entry.spec.displayName;
  const given: Record<string, string> = {};
  // Secrets from the environment first, then the flags, in the order of the form. An optional
  // field is left out when its flag (or, for a secret, its environment variable) is not given; an
  // environment variable named by its flag must be set, so a typo is not taken for "none".
  for (const f of flow.fields) {
    if (!f.cli || !('envFlag' in f.cli)) continue;
    const named = values[f.cli.envFlag];
    const variable = named ?? f.cli.defaultEnv;
    const value = process.env[variable];
    if (value) given[f.key] = value;
    else if (f.required || named !== undefined) throw new UsageError(`set the ${name} ${f.label.toLowerCase()} in the environment variable ${variable}`);
  }
  for (const f of flow.fields) {
    if (!f.cli || !('flag' in f.cli)) continue;
    if (f.required || values[f.cli.flag] !== undefined) given[f.key] = requireString(values[f.cli.flag], f.cli.flag);
  }
  const urls = flow.urlsFor(base);
  await assertReachable(flow.reachableUrl(urls), name, base ? '--base-url' : 'the network');
  // Log in once before saving, so wrong credentials are reported now and not at the first sync.
  const secret = await flow.check(given, urls, rt.log);
  const tenantId = given[flow.tenantField]!;
  const connection = flow.connection(given, urls, secret, values.name ?? flow.defaultConnectionId(given));
  await saveConnection(rt.db, rt.box, { ...connection, system: entry.id });
  out.result({ id: connection.id, system: entry.id, [flow.tenantField]: tenantId, loginChecked: true },
    () => `connected ${name} ${flow.tenantNoun} ${tenantId} as connection '${connection.id}' (login checked)`);
}
