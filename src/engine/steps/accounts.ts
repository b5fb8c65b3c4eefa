import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import type { BillLine, GlAccount } from '../../model/types.ts';
import { matchAccounts } from '../../flows/xero-to-bill/match-accounts.ts';
import { listLinked, recordLinks } from '../../store/repos/id-map.ts';
import type { RunContext } from '../context.ts';
import { commitPage } from '../commit.ts';
import { entities } from '../link.ts';

/**
 * GL accounts go first: every bill line must post to an account that exists on BILL. The ERP chart
 * is matched to BILL's by code then name; accounts that bills use and BILL lacks are created on
 * demand (or fail those bills, per the link's accountPolicy).
 */
export class AccountMap {
  private byCode = new Map<string, string>();
  private byId = new Map<string, string>();
  private sourceByCode = new Map<string, GlAccount>();
  private sourceById = new Map<string, GlAccount>();
  private hubAccounts: GlAccount[] = [];

  constructor(private readonly ctx: RunContext) {}

  /** Reads both charts and records the matches. */
  private loaded = false;

  /** Loads the two charts unless this run already did: runs that meet no bill to write never read them. */
  async loadIfNeeded(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  async load(): Promise<void> {
    this.loaded = true;
    const [source, hub] = await Promise.all([this.ctx.erp.listAccounts(), this.ctx.hub.listAccounts()]);
    this.hubAccounts = hub;
    for (const a of source) {
      this.sourceById.set(a.id, a);
      if (a.code) this.sourceByCode.set(a.code.trim().toUpperCase(), a);
    }
    const { matches } = matchAccounts(source, hub);
    for (const m of matches) this.remember(m.sourceId, m.targetId);
    // Matches already on record are not written again: a sync with nothing changed adds no audit
    // rows, and an account the connector created keeps its 'created' provenance.
    const known = new Map((await listLinked(this.ctx.db, this.key())).map((r) => [r.source_id, r.target_id]));
    const fresh = matches.filter((m) => known.get(m.sourceId) !== m.targetId);
    for (const m of fresh) {
      const a = this.sourceById.get(m.sourceId)!;
      this.ctx.outcome(
        { entity: entities.account, sourceId: a.id, label: label(a), action: 'link', reason: `matched by ${m.by}` },
        { sourceSystem: this.ctx.erp.system, targetSystem: 'bill', targetId: m.targetId, step: 'matched', outcome: 'ok', message: `matched by ${m.by}` },
        { sourceSystem: this.ctx.erp.system, status: 'synced', reason: `matched by ${m.by}`, errorCode: null, errorMessage: null, targetId: m.targetId },
      );
    }
    await commitPage(this.ctx, 'accounts', null, (tx) =>
      recordLinks(tx, this.key(), fresh.map((m) => ({ sourceId: m.sourceId, targetId: m.targetId, hash: null, sourceVersion: null, matchKey: m.by }))),
    );
    this.ctx.progress('accounts', matches.length, `${matches.length} of ${source.length} ERP accounts matched`);
  }

  private key() {
    return { link: this.ctx.link.name, entity: entities.account, source_system: this.ctx.erp.system, target_system: 'bill' };
  }

  private remember(sourceId: string, targetId: string): void {
    const a = this.sourceById.get(sourceId);
    this.byId.set(sourceId, targetId);
    if (a?.code) this.byCode.set(a.code.trim().toUpperCase(), targetId);
  }

  private sourceFor(line: BillLine): GlAccount | undefined {
    if (!line.account) return undefined;
    if (line.account.id && this.sourceById.has(line.account.id)) return this.sourceById.get(line.account.id);
    return line.account.code ? this.sourceByCode.get(line.account.code.trim().toUpperCase()) : undefined;
  }

  /** BILL account id for a bill line, or null when it has no match. */
  forLine(line: BillLine): string | null {
    if (!line.account) return null;
    if (line.account.id && this.byId.has(line.account.id)) return this.byId.get(line.account.id)!;
    return line.account.code ? (this.byCode.get(line.account.code.trim().toUpperCase()) ?? null) : null;
  }

  /**
   * Creates on BILL the ERP accounts these lines use that BILL lacks, when the policy allows. A
   * create whose answer was lost is resolved by re-reading BILL's chart and matching again, so a
   * retry never makes a second account.
   */
  async ensure(lines: readonly BillLine[]): Promise<void> {
    if (this.ctx.link.settings.accountPolicy !== 'create') return;
    const missing = new Map<string, GlAccount>();
    for (const line of lines) {
      if (this.forLine(line)) continue;
      const source = this.sourceFor(line);
      if (source) missing.set(source.id, source);
    }
    if (missing.size === 0) return;
    const wanted = [...missing.values()];
    if (this.ctx.dryRun) {
      for (const a of wanted) {
        this.remember(a.id, `new-account:${a.code ?? a.id}`);
        this.ctx.outcome({ entity: entities.account, sourceId: a.id, label: label(a), action: 'create', reason: 'used by a bill and missing in BILL' }, null, null);
      }
      return;
    }
    const created: { source: GlAccount; target: GlAccount }[] = [];
    for (let i = 0; i < wanted.length; i += this.ctx.hub.caps.bulkAccounts) {
      const chunk = wanted.slice(i, i + this.ctx.hub.caps.bulkAccounts);
      try {
        const out = await this.ctx.hub.createAccounts(chunk.map((a) => ({ name: a.name, code: a.code, kind: a.kind })));
        chunk.forEach((source, j) => created.push({ source, target: out[j]! }));
      } catch (e) {
        const error = asConnectorError(e);
        if (error.kind !== 'retryable' && error.kind !== 'invalid_data') throw error;
        // Lost answer or a clash with an account created meanwhile: match again against BILL's chart.
        const hub = await this.ctx.hub.listAccounts();
        const { matches } = matchAccounts(chunk, hub);
        for (const m of matches) created.push({ source: missing.get(m.sourceId)!, target: hub.find((h) => h.id === m.targetId)! });
        const unresolved = chunk.filter((a) => !matches.some((m) => m.sourceId === a.id));
        if (unresolved.length > 0) {
          throw new ConnectorError({ code: error.code, message: `could not create BILL accounts ${unresolved.map(label).join(', ')}: ${error.message}`, cause: error });
        }
      }
    }
    for (const { source, target } of created) {
      this.remember(source.id, target.id);
      this.hubAccounts.push(target);
      this.ctx.outcome(
        { entity: entities.account, sourceId: source.id, label: label(source), action: 'create', reason: 'used by a bill and missing in BILL' },
        { sourceSystem: this.ctx.erp.system, targetSystem: 'bill', targetId: target.id, step: 'created', outcome: 'ok', payload: { name: source.name, code: source.code } },
        { sourceSystem: this.ctx.erp.system, status: 'synced', reason: 'created in BILL', errorCode: null, errorMessage: null, targetId: target.id },
      );
    }
    await commitPage(this.ctx, 'accounts', null, (tx) =>
      recordLinks(tx, this.key(), created.map((c) => ({ sourceId: c.source.id, targetId: c.target.id, hash: null, sourceVersion: null, matchKey: 'created' }))),
    );
  }
}

const label = (a: GlAccount): string => (a.code ? `${a.code} ${a.name}` : a.name);
