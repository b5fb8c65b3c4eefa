import { intOption, parse, urlOption, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { registeredEntries, systemEntry, type SystemEntry } from '../../app/systems/index.ts';
import { connectCredentials, credentialOptions, credentialsHelp, credentialsSynopsis } from './connect-credentials.ts';
import { connectOAuth, oauthHelp, oauthOptions, oauthSynopsis } from './connect-oauth.ts';
import type { Command } from './types.ts';

const entries = registeredEntries();

const synopsis = (e: SystemEntry) => (e.connect.kind === 'oauth2-code' ? oauthSynopsis(e.id) : credentialsSynopsis(e.id, e.connect));
const help = (e: SystemEntry) => (e.connect.kind === 'oauth2-code' ? oauthHelp(e, e.connect) : credentialsHelp(e, e.connect));

/** One synopsis and one paragraph per registered system, in the registry's order. */
const usage = `${entries.map((e, i) => `${i === 0 ? 'Usage: ' : '       '}${synopsis(e)}`).join('\n')}

${entries.map(help).join('\n')}`;

const options = {
  ...oauthOptions,
  'base-url': { type: 'string' },
  name: { type: 'string' },
  ...Object.assign({}, ...entries.map((e) => (e.connect.kind === 'credentials' ? credentialOptions(e.connect) : {}))),
} as const;

export const connect: Command = {
  summary: `connect ${entries.map((e) => `a ${e.spec.displayName} ${e.connect.tenantNoun} (${e.connect.kind === 'oauth2-code' ? 'OAuth' : 'login'})`).join(' or ')}`,
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, options, true);
    const v = values as Record<string, string | undefined>;
    const redirectPort = intOption(v['redirect-port'], 'redirect-port', 1, 65535);
    const entry = positionals[0] === undefined ? undefined : systemEntry(positionals[0]);
    if (!entry) throw new UsageError(`say ${entries.map((e) => `'connect ${e.id}'`).join(' or ')}`);
    const base = urlOption(v['base-url'], 'base-url');
    if (base) checkBaseUrl(entry, base);
    return withRuntime(values, async (rt, out) => {
      if (entry.connect.kind === 'oauth2-code') await connectOAuth(rt, out, entry, entry.connect, v, base, redirectPort);
      else await connectCredentials(rt, out, entry, entry.connect, v, base);
      return exitCodes.ok;
    });
  },
};

/**
 * --base-url is a server's address: the paths under it are the connector's to add. A URL copied
 * from the emulator's ready line (…/connect/v3, …/api.xro/2.0) is refused with the one to give.
 */
function checkBaseUrl(entry: SystemEntry, base: string): void {
  const u = new URL(base);
  const path = u.pathname.replace(/\/$/, '');
  const hit = entry.connect.baseUrlSuffixes.find((sfx) => path.endsWith(sfx));
  if (hit) {
    const origin = `${u.origin}${path.slice(0, path.length - hit.length)}`;
    throw new UsageError(`--base-url is the ${entry.spec.displayName} server's address without ${hit}: give --base-url ${origin}`);
  }
}
