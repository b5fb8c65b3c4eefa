import { parse, requireString, UsageError } from '../args.ts';
import { exitCodes, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { listConnections } from '../../store/repos/connections.ts';
import { getLink, getLinkTenants, listLinks, saveLink, tenantMismatch } from '../../store/repos/links.ts';
import { pairIds, pairOfErp, type Link, type PairId } from '../../model/link.ts';
import { parsePairSettings } from '../../pairs/index.ts';
import { displayName, registeredEntries } from '../../app/systems/index.ts';
import { hubSystemId } from '../../systems/registry.ts';
import type { Command } from './types.ts';

export const link: Command = {
  summary: `create, update or list links (an ERP tenant paired with a ${displayName(hubSystemId)} organisation)`,
  usage: `Usage: ml-connector link create --name NAME [--erp CONNECTION] [--bill CONNECTION] [--pair PAIR]
                               [--payment-account CODE] [--account-policy create|error]
                               [--department-category NAME] [--poll CRON] [--setting KEY=VALUE]...
       ml-connector link update --name NAME [the same options: only those given change]
       ml-connector link list [--json]

create refuses a name that exists (change a link with 'link update'); update refuses one that
does not.

--erp and --bill name connections (see 'ml-connector status'); when only one of a kind exists it is used.
A link that has synced stays with the ERP tenant and ${displayName(hubSystemId)} organisation it synced with: update
refuses a connection to another one (create a new link for it).
--pair is the pair the link runs (${pairIds.join(', ')}); by default the one the ERP connection's
system forms with ${displayName(hubSystemId)}, and it must agree with it.
--payment-account is the ERP bank or clearing account ${displayName(hubSystemId)} payments are posted to.
--setting sets any setting of the link's pair, repeatable; VALUE is read as JSON when it is an
object, a list, true, false or null, and as text otherwise (codes stay text), e.g. for Acumatica ⇄ BILL:
  --setting cashAccount=10100 --setting paymentMethod=CHECK --setting 'subaccountDepartments={"000-100":"Sales"}'`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      name: { type: 'string' },
      erp: { type: 'string' },
      bill: { type: 'string' },
      pair: { type: 'string' },
      'payment-account': { type: 'string' },
      'account-policy': { type: 'string' },
      'department-category': { type: 'string' },
      poll: { type: 'string' },
      setting: { type: 'string', multiple: true },
    }, true);
    const action = positionals[0];
    if (action !== 'create' && action !== 'update' && action !== 'list') throw new UsageError("say 'link create', 'link update' or 'link list'");
    if (values.pair !== undefined && !isPairId(values.pair)) throw new UsageError(`--pair '${values.pair}' is not a pair (known: ${pairIds.join(', ')})`);
    return withRuntime(values, async (rt, out) => {
      if (action === 'list') {
        const links = await listLinks(rt.db);
        out.result(links, () => (links.length ? table(links.map((l) => [l.name, l.pair, `${l.erpSystem}:${l.erpConnectionId}`, `${hubSystemId}:${l.billConnectionId}`, JSON.stringify(l.settings)])) : 'no links yet'));
        return exitCodes.ok;
      }
      const name = requireString(values.name, 'name');
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError('--name may use letters, digits, dot, dash and underscore (at most 64)');
      const connections = await listConnections(rt.db);
      // The hub side (--bill) takes the hub's connections, the ERP side (--erp) every other one.
      const hubName = displayName(hubSystemId);
      const erpIds = registeredEntries().filter((e) => e.id !== hubSystemId).map((e) => e.id);
      const pick = (flag: 'erp' | 'bill', given: string | undefined) => {
        const hub = flag === 'bill';
        const what = hub ? hubName : 'ERP';
        const candidates = connections.filter((c) => (c.system === hubSystemId) === hub);
        if (given) {
          const c = candidates.find((x) => x.id === given);
          if (!c) throw new UsageError(`--${flag} '${given}' is not a ${what} connection (have: ${candidates.map((x) => x.id).join(', ') || 'none'})`);
          return c;
        }
        if (candidates.length === 1) return candidates[0]!;
        throw new UsageError(candidates.length === 0
          ? `no ${what} connection yet: run 'ml-connector connect ${hub ? hubSystemId : erpIds.join('|')}' first`
          : `several ${what} connections exist; choose one with --${flag}`);
      };
      const existing = await getLink(rt.db, name);
      if (action === 'create' && existing) throw new UsageError(`link '${name}' exists already (${existing.erpSystem} ${existing.erpConnectionId} ⇄ ${hubSystemId} ${existing.billConnectionId}); change it with 'ml-connector link update --name ${name} …'`);
      if (action === 'update' && !existing) throw new UsageError(`no link named '${name}'; create it with 'ml-connector link create --name ${name} …'`);
      const erp = pick('erp', values.erp ?? existing?.erpConnectionId);
      const bill = pick('bill', values.bill ?? existing?.billConnectionId);
      const erpSystem = erp.system as Link['erpSystem'];
      const pair = choosePair(values.pair, erpSystem);
      if (existing && (erp.id !== existing.erpConnectionId || bill.id !== existing.billConnectionId)) {
        const pinned = await getLinkTenants(rt.db, name);
        const mismatch = pinned && tenantMismatch(name, pinned, {
          ...(erp.id !== existing.erpConnectionId ? { erpTenantId: erp.tenant_id, erpConnectionId: erp.id } : {}),
          ...(bill.id !== existing.billConnectionId ? { billOrgId: bill.tenant_id, billConnectionId: bill.id } : {}),
        });
        if (mismatch) throw new UsageError(`--${mismatch.side}: ${mismatch.message}`);
      }
      const parsed = parsePairSettings({ name, pair }, {
        ...existing?.settings,
        ...(values['payment-account'] ? { paymentAccount: { code: values['payment-account'] } } : {}),
        ...(values['account-policy'] ? { accountPolicy: values['account-policy'] } : {}),
        ...(values['department-category'] ? { departmentCategory: values['department-category'] } : {}),
        ...(values.poll ? { pollCron: values.poll } : {}),
        ...settingsGiven(values.setting),
      });
      if (!parsed.ok) throw new UsageError(`${parsed.problem.path.join('.') || 'settings'}: ${parsed.problem.message}`);
      const saved: Link = { name, pair, erpSystem, erpConnectionId: erp.id, billConnectionId: bill.id, settings: parsed.settings };
      await saveLink(rt.db, saved);
      out.result(saved, () => `link '${name}' ${existing ? 'updated' : 'created'}: ${pair}, ${erp.system} ${erp.id} ⇄ ${hubSystemId} ${bill.id}`);
      return exitCodes.ok;
    });
  },
};

/** `--setting KEY=VALUE` flags as settings: VALUE as JSON when it is an object, list, boolean or null; else text (account codes such as 10100 stay text). */
function settingsGiven(given: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const flag of given ?? []) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--setting '${flag}' must be KEY=VALUE`);
    const raw = flag.slice(eq + 1);
    let value: unknown = raw;
    if (/^\s*[[{]/.test(raw) || /^(true|false|null)$/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch (e) {
        throw new UsageError(`--setting ${flag.slice(0, eq)}: the value is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    out[flag.slice(0, eq).trim()] = value;
  }
  return out;
}

const isPairId = (s: string): s is PairId => (pairIds as readonly string[]).includes(s);

/** The pair asked for, or the one the ERP forms with BILL; a pair of another ERP is refused. */
function choosePair(given: string | undefined, erpSystem: Link['erpSystem']): PairId {
  const own = pairOfErp[erpSystem];
  if (given === undefined) return own;
  if (given !== own) throw new UsageError(`--pair '${given}' does not run ${erpSystem} links (the ERP connection is ${erpSystem}; a ${erpSystem} link runs '${own}')`);
  return own;
}
