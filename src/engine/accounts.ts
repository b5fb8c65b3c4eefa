import { ConnectorError, asConnectorError } from '../core/errors.ts';
import type { BillLine, GlAccount } from '../model/types.ts';
import { listLinked, recordLinks } from '../store/repos/id-map.ts';
import type { RunContext } from './context.ts';
import { commitPage } from './commit.ts';
import { entities } from './link.ts';
import type { ChartPort, SystemPort } from './ports.ts';

/**
 * GL accounts go first: every bill line must post to an account that exists on the target. The
 * source chart is matched to the target's with the pair's matcher (code, then name); accounts that
 * bills use and the target lacks are created on demand where the pair's policy and the link allow
 * it, or fail those bills. A map-only pair (the target owns its chart) never writes it.
 */
export class AccountMap {
  private byCode = new Map<string, string>();
  private byId = new Map<string, string>();
  private sourceByCode = new Map<string, GlAccount>();
  private sourceById = new Map<string, GlAccount>();
  private hubAccounts: GlAccount[] = [];

  constructor(private readonly ctx: RunContext) {}

  private get source(): SystemPort {
    return this.ctx.sides[this.ctx.pair.accounts.from];
  }

  private get target(): SystemPort {
    return this.ctx.sides[this.ctx.pair.accounts.to];
  }

  private get targetName(): string {
    return this.ctx.systemName(this.target.system);
  }

  /** The target's chart when this link may create in it, or null. */
  private writableChart(): (ChartPort & Required<Pick<ChartPort, 'create'>>) | null {
    const { policy, mayCreate } = this.ctx.pair.accounts;
    const chart = this.target.chart;
    if (policy !== 'create-missing' || !mayCreate(this.ctx.link) || !chart.create) return null;
    return chart as ChartPort & Required<Pick<ChartPort, 'create'>>;
  }

  /** Reads both charts and records the matches, once a run (a sync starts it beside its steps). */
  private loading: Promise<void> | null = null;

  /** Loads the two charts unless this run already did or is doing: runs that meet no bill to write never read them. */
  loadIfNeeded(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  /** Waits for a load already started (a sync's); starts none. */
  async ready(): Promise<void> {
    await this.loading;
  }

  load(): Promise<void> {
    this.loading = this.read();
    return this.loading;
  }

  private async read(): Promise<void> {
    const [source, hub] = await Promise.all([this.source.chart.list(), this.target.chart.list()]);
    this.hubAccounts = hub;
    for (const a of source) {
      this.sourceById.set(a.id, a);
      if (a.code) this.sourceByCode.set(a.code.trim().toUpperCase(), a);
    }
    const { matches } = this.ctx.pair.accounts.match(source, hub, this.ctx.link);
    for (const m of matches) this.remember(m.sourceId, m.targetId);
    // Matches already on record are not written again: a sync with nothing changed adds no audit
    // rows, and an account the connector created keeps its 'created' provenance.
    const known = new Map((await listLinked(this.ctx.db, this.key())).map((r) => [r.source_id, r.target_id]));
    const fresh = matches.filter((m) => known.get(m.sourceId) !== m.targetId);
    for (const m of fresh) {
      const a = this.sourceById.get(m.sourceId)!;
      this.ctx.outcome(
        { entity: entities.account, sourceId: a.id, label: label(a), action: 'link', reason: `matched by ${m.by}` },
        { sourceSystem: this.source.system, targetSystem: this.target.system, targetId: m.targetId, step: 'matched', outcome: 'ok', message: `matched by ${m.by}` },
        { sourceSystem: this.source.system, status: 'synced', reason: `matched by ${m.by}`, errorCode: null, errorMessage: null, targetId: m.targetId },
      );
    }
    await commitPage(this.ctx, 'accounts', null, (tx) =>
      recordLinks(tx, this.key(), fresh.map((m) => ({ sourceId: m.sourceId, targetId: m.targetId, hash: null, sourceVersion: null, matchKey: m.by }))),
    );
    this.ctx.progress('accounts', matches.length, `${matches.length} of ${source.length} ${this.ctx.systemName(this.source.system)} accounts matched`);
  }

  private key() {
    return { link: this.ctx.link.name, entity: entities.account, source_system: this.source.system, target_system: this.target.system };
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

  /** How people know a line's source account ("400 Advertising"), or null when the source chart lacks it. */
  sourceLabel(line: BillLine): string | null {
    const a = this.sourceFor(line);
    return a ? label(a) : null;
  }

  /** Target account id for a bill line, or null when it has no match. */
  forLine(line: BillLine): string | null {
    if (!line.account) return null;
    if (line.account.id && this.byId.has(line.account.id)) return this.byId.get(line.account.id)!;
    return line.account.code ? (this.byCode.get(line.account.code.trim().toUpperCase()) ?? null) : null;
  }

  /**
   * Creates on the target the source accounts these lines use that it lacks, when the policy
   * allows. A create whose answer was lost is resolved by re-reading the target's chart and
   * matching again, so a retry never makes a second account.
   */
  async ensure(lines: readonly BillLine[]): Promise<void> {
    const chart = this.writableChart();
    if (!chart) return;
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
        this.ctx.outcome({ entity: entities.account, sourceId: a.id, label: label(a), action: 'create', reason: `used by a bill and missing in ${this.targetName}` }, null, null);
      }
      return;
    }
    const created: { source: GlAccount; target: GlAccount }[] = [];
    const cap = chart.createCap ?? 1;
    for (let i = 0; i < wanted.length; i += cap) {
      const chunk = wanted.slice(i, i + cap);
      try {
        const out = await chart.create(chunk.map((a) => ({ name: a.name, code: a.code, kind: a.kind })));
        chunk.forEach((source, j) => created.push({ source, target: out[j]! }));
      } catch (e) {
        const error = asConnectorError(e);
        if (error.kind !== 'retryable' && error.kind !== 'invalid_data') throw error;
        // Lost answer or a clash with an account created meanwhile: match again against BILL's chart.
        const hub = await chart.list();
        const { matches } = this.ctx.pair.accounts.match(chunk, hub, this.ctx.link);
        for (const m of matches) created.push({ source: missing.get(m.sourceId)!, target: hub.find((h) => h.id === m.targetId)! });
        const unresolved = chunk.filter((a) => !matches.some((m) => m.sourceId === a.id));
        if (unresolved.length > 0) {
          throw new ConnectorError({ code: error.code, message: `could not create ${this.targetName} accounts ${unresolved.map(label).join(', ')}: ${error.message}`, cause: error });
        }
      }
    }
    for (const { source, target } of created) {
      this.remember(source.id, target.id);
      this.hubAccounts.push(target);
      this.ctx.outcome(
        { entity: entities.account, sourceId: source.id, label: label(source), action: 'create', reason: `used by a bill and missing in ${this.targetName}` },
        { sourceSystem: this.source.system, targetSystem: this.target.system, targetId: target.id, step: 'created', outcome: 'ok', payload: { name: source.name, code: source.code } },
        { sourceSystem: this.source.system, status: 'synced', reason: `created in ${this.targetName}`, errorCode: null, errorMessage: null, targetId: target.id },
      );
    }
    await commitPage(this.ctx, 'accounts', null, (tx) =>
      recordLinks(tx, this.key(), created.map((c) => ({ sourceId: c.source.id, targetId: c.target.id, hash: null, sourceVersion: null, matchKey: 'created' }))),
    );
  }
}

const label = (a: GlAccount): string => (a.code ? `${a.code} ${a.name}` : a.name);
