import { parse, UsageError } from '../args.ts';
import { exitCodes, table, type Output } from '../output.ts';
import { withRuntime } from '../context.ts';
import type { Link } from '../../model/link.ts';
import { saveLink } from '../../store/repos/links.ts';
import { settingsWithEntries, suggestValueMaps, suggestedEntries, type ValueMapSuggestions } from '../../pairs/value-maps.ts';
import { pickLinks } from './pick-link.ts';
import type { Command } from './types.ts';

export const mapping: Command = {
  summary: "suggest a link's value maps (Acumatica subaccount → BILL department) and write the confirmed entries",
  usage: `Usage: ml-connector mapping suggest [--link NAME] [--json]
       ml-connector mapping apply [--link NAME] [--map SETTING] [--only VALUE,...] [--json]

Some pairs keep a value map in the link's settings, e.g. Acumatica ⇄ BILL maps each subaccount to a
BILL department (setting subaccountDepartments). 'suggest' reads both systems and proposes an entry
per unmapped value (by code, then by name), and names the values with no candidate; it writes
nothing. 'apply' writes the suggestions into the link's settings: all of them, or only the values
given with --only (comma-separated). Entries already in the map are kept; change or remove one
with 'ml-connector link update --setting' or on the dashboard's Mapping page.
--map names the setting when the link's pair has more than one map.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { link: { type: 'string' }, map: { type: 'string' }, only: { type: 'string' } }, true);
    const action = positionals[0];
    if ((action !== 'suggest' && action !== 'apply') || positionals.length > 1) throw new UsageError("say 'mapping suggest' or 'mapping apply'");
    if (action === 'suggest' && (values.only !== undefined || values.map !== undefined)) throw new UsageError('--only and --map go with mapping apply');
    const only = values.only?.split(',').map((v) => v.trim()).filter(Boolean);
    if (values.only !== undefined && only?.length === 0) throw new UsageError('--only needs at least one value');
    const confirm = { only, map: values.map };
    return withRuntime(values, async (rt, out) => {
      const links = await pickLinks(rt.db, values.link);
      if (action === 'suggest') {
        const all = await Promise.all(links.map(async (link) => ({ link: link.name, maps: await suggestValueMaps(rt.deps, link) })));
        return printSuggestions(out, all);
      }
      const link = onlyLink(links);
      return applyConfirmed(out, link, await suggestValueMaps(rt.deps, link), confirm, async (settings) => saveLink(rt.db, { ...link, settings }));
    }, {
      // Beside a running serve on the embedded database: the server reads both systems and saves the settings.
      command: `mapping ${action}`,
      async run(api, out) {
        const names = values.link ? [values.link] : (await api.call<{ items: { name: string }[] }>('GET', '/links')).body.items.map((l) => l.name);
        const suggestionsOf = async (name: string) => (await api.call<{ link: string; maps: ValueMapSuggestions[] }>('GET', `/links/${encodeURIComponent(name)}/mapping-suggestions`)).body;
        if (action === 'suggest') return printSuggestions(out, await Promise.all(names.map(suggestionsOf)));
        const link = (await api.call<Link>('GET', `/links/${encodeURIComponent(onlyLink(names))}`)).body;
        return applyConfirmed(out, link, (await suggestionsOf(link.name)).maps, confirm, async (settings, setting) => {
          await api.call('PATCH', `/links/${encodeURIComponent(link.name)}`, { settings: { [setting]: settings[setting] } });
        });
      },
    });
  },
};

function onlyLink<T extends string | Link>(links: readonly T[]): T {
  if (links.length !== 1) throw new UsageError('several links exist; choose one with --link');
  return links[0]!;
}

function printSuggestions(out: Output, all: readonly { link: string; maps: readonly ValueMapSuggestions[] }[]): number {
  out.result(all, () => all.map((l) => (l.maps.length === 0 ? `Link '${l.link}': its pair keeps no value map.` : l.maps.map((m) => humanMap(l.link, m)).join('\n\n'))).join('\n\n'));
  return exitCodes.ok;
}

function humanMap(link: string, m: ValueMapSuggestions): string {
  const state = (r: ValueMapSuggestions['rows'][number]): string => {
    if (r.current !== null) return `= ${r.current} (mapped${r.currentMissing ? `; ${m.to} has no active '${r.current}'` : ''})`;
    if (r.suggestion) return `→ ${r.suggestion.value} (suggested by ${r.suggestion.by})`;
    return r.ambiguous.length > 0 ? `no suggestion: several match (${r.ambiguous.join(', ')})` : 'no candidate';
  };
  const rows = m.rows.map((r) => [`  ${r.label}${r.active ? '' : ' (inactive)'}`, state(r)]);
  const suggested = m.rows.filter((r) => r.suggestion).map((r) => r.value);
  const none = m.rows.filter((r) => r.current === null && !r.suggestion).map((r) => r.value);
  return [
    `Link '${link}': ${m.from} → ${m.to} (setting ${m.setting})`,
    table(rows),
    `  ${suggested.length} suggested, ${m.rows.length - suggested.length - none.length} mapped already, ${none.length} without a suggestion${none.length ? `: ${none.join(', ')}` : ''}`,
    ...(m.stale.length ? [`  Entries no ${m.from} uses (their keys are not codes as records give them): ${m.stale.map((e) => `${e.value} → ${e.target}`).join(', ')}`] : []),
    `  ${m.note}`,
    suggested.length ? `  Confirm with: ml-connector mapping apply --link ${link} [--only ${suggested.slice(0, 3).join(',')}${suggested.length > 3 ? ',…' : ''}]` : '  Nothing to confirm.',
  ].join('\n');
}

/** Writes the suggestions asked for into the map's setting through `save`; a bad --only or --map is a usage error. */
async function applyConfirmed(
  out: Output,
  link: Link,
  maps: readonly ValueMapSuggestions[],
  confirm: { only: string[] | undefined; map: string | undefined },
  save: (settings: Link['settings'], setting: string) => Promise<void>,
): Promise<number> {
  if (maps.length === 0) throw new UsageError(`link '${link.name}' (${link.pair}) keeps no value map`);
  const map = confirm.map ? maps.find((m) => m.setting === confirm.map) : maps.length === 1 ? maps[0] : undefined;
  if (!map) throw new UsageError(confirm.map ? `--map '${confirm.map}' is not a value map of link '${link.name}' (have: ${maps.map((m) => m.setting).join(', ')})` : `choose the map with --map (${maps.map((m) => m.setting).join(', ')})`);
  const chosen = suggestedEntries(map, confirm.only);
  if (!chosen.ok) throw new UsageError(`--only: ${chosen.message}`);
  const entries = Object.entries(chosen.entries);
  if (entries.length > 0) {
    const next = settingsWithEntries(link, map.setting, chosen.entries);
    if (!next.ok) throw new UsageError(`${next.problem.path.join('.')}: ${next.problem.message}`);
    await save(next.settings, map.setting);
  }
  out.result({ link: link.name, setting: map.setting, written: chosen.entries }, () => entries.length === 0
    ? `link '${link.name}': nothing to confirm in ${map.setting} (every ${map.from} is mapped or has no suggestion)`
    : [`link '${link.name}': ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} written to ${map.setting}:`, table(entries.map(([k, v]) => [`  ${k}`, `→ ${v}`]))].join('\n'));
  return exitCodes.ok;
}
