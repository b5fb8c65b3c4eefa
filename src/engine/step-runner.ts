import { ConnectorError, asConnectorError } from '../core/errors.ts';
import { mapLimit, rounds } from '../core/concurrency.ts';
import { getCursor } from '../store/repos/cursors.ts';
import { withCallClass, type CallClass } from '../http/call-class.ts';
import { getMappings, getMappingsByTarget, recordLinks, unlink, updateHash, type IdMapRow, type IntentRow } from '../store/repos/id-map.ts';
import { listRecords, type RecordRow } from '../store/repos/records.ts';
import { sendCreates, type Create, type CreateHost, type Sent } from './create-send.ts';
import { StepClaims } from './claims.ts';
import { commitPage } from './commit.ts';
import type { RunContext } from './context.ts';
import { isFatal, recordConflict, recordFailure, recordInvalid, recordNonWrite } from './failures.ts';
import { recordWaiting, settleIntents, type StepKey } from './intents.ts';
import type { Planned, Planner, SourceRecord, StepDefinition, StepRun } from './pair.ts';
import type { EntityReader, EntityWriter, Page, Read, SystemPort } from './ports.ts';

/** Source records read by id per call (Xero `IDs=`, BILL `id:in`: 50 keeps the URL short). */
const idsPerRead = 50;
/** Pending records read from the database at a time (the store caps one read at 5,000). */
const pendingPage = 5000;
/** A run gives up searching and creating again after this many rounds of lost answers for one step. */
const maxRecoveries = 5;

/** A dry run's stand-in for the target id of a record it would create. */
const plannedId = (sourceId: string) => `planned:${sourceId}`;
export const isPlannedId = (id: string) => id.startsWith('planned:');

type Write<P> = { record: SourceRecord; decision: Extract<Planned<P>, { kind: 'update' | 'archive' | 'delete' }> };

/**
 * Runs one step of a pair (ADR-0003, written once): reads the source since the step's cursor or by
 * id, plans each record with the step's pure mapper, and turns the decisions into writes on the
 * target. A create is recorded as an intent and committed before it is sent; every batch settles
 * before anything is searched for; a lost answer leaves the intent to be found on the target by
 * its match key (adopted), waited for inside the settle window, or released past it and created
 * again from a fresh read of the source. The cursor moves only once the page's writes are committed.
 */
export class StepRunner<S extends SourceRecord, P> {
  /** Source id → target id, or null when the record did not make it this run. */
  private readonly resolved = new Map<string, string | null>();
  private recoveries = 0;
  /** What dependents running beside this step wait on (sync.ts runs the graph). */
  readonly claims = new StepClaims();
  /** The delta's cursor and first page, asked for when the run starts (startReading). */
  private early: Promise<{ since: string | null; pages: AsyncIterator<Page<S>>; first: Promise<IteratorResult<Page<S>>> }> | null = null;
  private readonly planner: Planner<S, P>;
  private readonly run: StepRun;
  readonly key: StepKey;

  constructor(
    private readonly ctx: RunContext,
    readonly def: StepDefinition<S, P>,
    run: Omit<StepRun, 'ctx' | 'source' | 'target' | 'key'>,
  ) {
    this.key = { link: ctx.link.name, entity: def.entity, source_system: this.source.system, target_system: this.target.system };
    this.run = { ...run, ctx, source: this.source, target: this.target, key: this.key };
    this.planner = def.planner(this.run);
  }

  get source(): SystemPort {
    return this.ctx.sides[this.def.from];
  }

  get target(): SystemPort {
    return this.ctx.sides[this.def.to];
  }

  private get reader(): EntityReader<S> {
    const reader = this.source.read[this.def.entity] as EntityReader<S> | undefined;
    if (!reader) throw this.unsupported(this.source, `read ${this.def.entity}s`);
    return reader;
  }

  private get writer(): EntityWriter<P, unknown> {
    const writer = this.target.write[this.def.targetEntity] as EntityWriter<P, unknown> | undefined;
    if (!writer) throw this.unsupported(this.target, `write ${this.def.targetEntity}s`);
    return writer;
  }

  private unsupported(port: SystemPort, what: string): ConnectorError {
    return new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `pair '${this.ctx.pair.id}' asks ${this.ctx.systemName(port.system)} to ${what}, which its adapter does not offer` });
  }

  private base(record: SourceRecord) {
    return { sourceSystem: this.source.system, targetSystem: this.target.system, sourceVersion: record.updatedAt };
  }

  private entry(record: S) {
    return { entity: this.def.entity, sourceId: record.id, label: this.def.label(record) };
  }

  /**
   * Settles intents left by earlier runs (a crash, or an answer lost then): each is searched for on
   * the target; one found is adopted, one released past the settle window is read again from the
   * source and processed, so exactly one target record results.
   */
  async settle(): Promise<void> {
    if (this.ctx.dryRun) return;
    const settled = await settleIntents(this.ctx, this.key, (intents) => this.search(intents));
    for (const { intent, targetId } of settled.adopted) this.adopt(intent.source_id, targetId);
    if (settled.released.length > 0) await this.recreate(settled.released);
  }

  /**
   * Reads the step's cursor and asks for its first page of changes now, while other steps work:
   * reads that depend on nothing start together. The page is processed by syncChanged, in the
   * step's turn (after what it depends on), so nothing moves earlier but the read.
   */
  startReading(): void {
    if (this.early) return;
    this.early = (async () => {
      const since = await getCursor(this.ctx.db, this.ctx.link.name, this.def.stream);
      // A step with no cursor yet meets every source record as new: what its planner reads of the
      // target to match them (BILL's vendor list) is read beside the first page.
      if (since === null) this.planner.warm?.();
      // The planner hears of each page as soon as its source has answered (Planner.ahead).
      const ahead = this.planner.ahead ? (records: readonly Partial<S>[], last: boolean) => this.planner.ahead!(records, last) : undefined;
      const begin = () => {
        const pages = this.reader.iterate(since, ahead)[Symbol.asyncIterator]();
        const first = pages.next();
        first.catch(() => undefined);
        return { pages, first };
      };
      const own = since === null ? undefined : this.def.callClass;
      return { since, ...(own ? withCallClass(own, begin) : begin()) };
    })();
    this.early.catch(() => undefined);
  }

  /**
   * The call class the step's work runs in this run, when it has one of its own
   * (StepDefinition.callClass): not on its first run, which reads the source's whole history and
   * is bulk work like the rest of a first sync.
   */
  async ownCallClass(): Promise<CallClass | undefined> {
    if (!this.def.callClass) return undefined;
    this.startReading();
    const since = await this.early!.then((e) => e.since, () => null);
    return since === null ? undefined : this.def.callClass;
  }

  /** Records changed since the step's checkpoint; pages gathered until they fill the writer's batches in flight. */
  async syncChanged(): Promise<void> {
    if (this.def.rereadPending) await this.rereadPending();
    this.startReading();
    const { pages, first } = await this.early!;
    this.early = null;
    // Pages are read ahead and processed in rounds of every page in by then (core/concurrency.ts
    // rounds): the first page goes out while the next is read, and when writing is the slower side
    // a round fills every batch the writer may have in flight (one BILL page of 100 payments fills
    // only two Xero batches of 50, and Xero takes 5 at once), so the batches go out together.
    const caps = this.writer.caps;
    const perRound = caps.batch * caps.inFlight;
    let done = 0;
    const size = (page: Page<S>) => page.items.length + page.invalid.length;
    for await (const round of rounds(resume(first, pages), size, perRound)) {
      const gathered: S[] = [];
      for (const page of round) {
        this.claims.claim(page.items.map((r) => r.id));
        // Committed with the round whose cursor passes them.
        recordInvalid(this.ctx, this.def.entity, page.invalid, this.base({ id: '', updatedAt: null }));
        gathered.push(...page.items);
      }
      await this.process(gathered);
      await commitPage(this.ctx, this.stepName, { stream: this.def.stream, value: round[round.length - 1]!.cursor });
      done += gathered.length;
      this.ctx.progress(this.stepName, done);
    }
    this.claims.doneReading();
  }

  private get stepName(): string {
    return `${this.def.entity}s`;
  }

  /** Re-runs these source records whatever the cursor says (replay, webhook follow-ups, retries). */
  async syncIds(ids: readonly string[], labels?: ReadonlyMap<string, string>): Promise<void> {
    for (let i = 0; i < ids.length; i += idsPerRead) {
      await this.processRead(await this.reader.get(ids.slice(i, i + idsPerRead), labels));
      await commitPage(this.ctx, this.stepName, null);
    }
  }

  /**
   * A `validate` trigger: records changed on this step's target. Their sources are read again and
   * synced as usual, then the step's own check compares what the target holds now; each problem is
   * a conflict on the record for a person, nothing is written to put it back.
   */
  async validateTargets(targetIds: readonly string[]): Promise<void> {
    const links = [...(await getMappingsByTarget(this.ctx.db, { link: this.ctx.link.name, entity: this.def.entity }, targetIds)).values()].filter((r) => r.state === 'linked');
    this.ctx.count(`${this.def.entity}.validate`, links.length);
    if (links.length === 0 || !this.def.validate) return;
    await this.syncIds(links.map((r) => r.source_id));
    const problems = await this.def.validate(this.run, links);
    // An empty label keeps the one the sync above gave the record (the step's own label: what a
    // person knows it by), never the match key, which is the target's search key.
    for (const p of problems) recordConflict(this.ctx, { entity: this.def.entity, sourceId: p.sourceId, label: '' }, { sourceSystem: this.source.system, targetSystem: this.target.system }, p.reason, p.targetId);
    await commitPage(this.ctx, this.stepName, null);
  }

  /** Target ids for these source records, syncing (by id) the ones not linked yet. */
  async ensure(sourceIds: readonly string[]): Promise<Map<string, string | null>> {
    // While this step syncs beside the asker, the records its delta read are linked by its own
    // writes: waited for one by one rather than read and sent again.
    if (this.claims.running) {
      await this.claims.settled(sourceIds, (id) => !this.resolved.has(id), async (ids) => {
        const rows = await getMappings(this.ctx.db, this.key, ids);
        return new Set([...rows].filter(([, r]) => r.state === 'linked').map(([id]) => id));
      });
    }
    const unknown = [...new Set(sourceIds)].filter((id) => !this.resolved.has(id));
    if (unknown.length > 0) {
      const mapped = await getMappings(this.ctx.db, this.key, unknown);
      for (const [id, row] of mapped) if (row.state === 'linked') this.resolved.set(id, row.target_id);
      const missing = unknown.filter((id) => !this.resolved.has(id));
      if (missing.length > 0) {
        await this.syncIds(missing);
        for (const id of missing) if (!this.resolved.has(id)) this.resolved.set(id, null);
      }
    }
    return new Map(sourceIds.map((id) => [id, this.resolved.get(id) ?? null]));
  }

  /**
   * Records left pending (a payment still on its way) are read again by id on every run: their
   * source does not promise to move its change marker when they settle (BILL, reference A6).
   */
  private async rereadPending(): Promise<void> {
    const rows: RecordRow[] = [];
    for (let offset = 0; ; offset += pendingPage) {
      const page = await listRecords(this.ctx.db, { link: this.ctx.link.name, entity: this.def.entity, sourceSystem: this.source.system, status: ['pending'], limit: pendingPage, offset });
      rows.push(...page);
      if (page.length < pendingPage) break;
    }
    if (rows.length === 0) return;
    this.ctx.count(`${this.def.entity}.pending_reread`, rows.length);
    const labels = new Map(rows.flatMap((r) => (r.label ? [[r.source_id, r.label] as const] : [])));
    for (let i = 0; i < rows.length; i += idsPerRead) {
      const chunk = rows.slice(i, i + idsPerRead);
      const read = await this.reader.get(chunk.map((r) => r.source_id), labels);
      await this.processRead(read);
      // A record still on its way that its source no longer returns (deleted or voided away) is for
      // a person to look at: left pending it would be read again on every run and never raised.
      const seen = new Set([...read.items.map((r) => r.id), ...read.invalid.map((r) => r.id)]);
      for (const row of chunk) {
        if (seen.has(row.source_id)) continue;
        const where = this.ctx.systemName(this.source.system);
        recordConflict(this.ctx, { entity: this.def.entity, sourceId: row.source_id, label: row.label ?? '' },
          { sourceSystem: this.source.system, targetSystem: this.target.system },
          `${where} no longer returns this ${this.def.entity}, which was waiting to settle (${row.reason ?? 'pending'}); check it in ${where}`, row.target_id ?? null);
      }
      await commitPage(this.ctx, this.stepName, null);
    }
  }

  private async processRead(read: Read<S>): Promise<void> {
    recordInvalid(this.ctx, this.def.entity, read.invalid, this.base({ id: '', updatedAt: null }));
    await this.process(read.items);
  }

  private adopt(sourceId: string, targetId: string): void {
    this.resolved.set(sourceId, targetId);
    this.planner.created?.(sourceId, targetId, null);
  }

  /** Creates again, from a fresh read of the source, the records whose intents were released. */
  private async recreate(released: readonly IntentRow[]): Promise<void> {
    if (++this.recoveries > maxRecoveries) {
      throw new ConnectorError({
        code: 'MLC_ERR_NETWORK',
        message: `${this.ctx.systemName(this.target.system)} keeps losing the answers to ${this.def.targetEntity} creates; the next run resumes from the saved state`,
      });
    }
    const labels = new Map(released.flatMap((i) => {
      const label = this.def.labelOfIntent?.(i);
      return label ? [[i.source_id, label] as const] : [];
    }));
    await this.syncIds(released.map((i) => i.source_id), labels);
  }

  /**
   * Target records under the intents' match keys that no other source record is linked to, one
   * per intent. Nothing can have been written before the oldest intent, which lets a target read one window.
   */
  private async search(intents: readonly IntentRow[]): Promise<Map<string, string>> {
    const since = new Date(intents.reduce((t, i) => Math.min(t, new Date(i.created_at).getTime()), Date.now()));
    const found = await this.writer.findByMatchKey([...new Set(intents.map((i) => i.match_key ?? ''))], since);
    const taken = new Set((await getMappingsByTarget(this.ctx.db, this.key, found.map((f) => f.id))).keys());
    const pool = new Map<string, string[]>();
    for (const f of found) {
      if (taken.has(f.id) || pool.get(f.key)?.includes(f.id)) continue;
      pool.set(f.key, [...(pool.get(f.key) ?? []), f.id]);
    }
    const out = new Map<string, string>();
    for (const i of intents) {
      const id = pool.get(i.match_key ?? '')?.shift();
      if (id) out.set(i.source_id, id);
    }
    return out;
  }

  /** Plans a batch of source records and carries out the decisions; dependents waiting on them go on once they settle. */
  async process(read: readonly S[]): Promise<void> {
    try {
      await this.processRecords(read);
    } finally {
      for (const r of read) this.claims.release(r.id);
    }
  }

  private async processRecords(read: readonly S[]): Promise<void> {
    if (read.length === 0) return;
    const ctx = this.ctx;
    const mapped = await getMappings(ctx.db, this.key, read.map((r) => r.id));
    // A record whose create is in doubt waits for its intent to settle; it is never sent twice.
    for (const r of read) {
      if (mapped.get(r.id)?.state !== 'intent') continue;
      this.resolved.set(r.id, null);
      recordWaiting(ctx, this.key, r.id, this.def.label(r));
    }
    const records = read.filter((r) => mapped.get(r.id)?.state !== 'intent');
    if (records.length === 0) return;
    // Groups are planned one after another, each sent while the next is planned (its references
    // linked meanwhile); every send settles before anything is searched for or the page commits.
    const groups = this.planner.split?.(records, mapped, this.writer.caps.batch) ?? [records];
    const sends: Promise<Sent<P>>[] = [];
    const writes: Write<P>[] = [];
    let planError: unknown = null;
    try {
      for (const group of groups) {
        const planned = await this.plan(group, mapped);
        writes.push(...planned.writes);
        const sending = this.send(planned.creates);
        // Awaited below with every other send; a failure is not left unhandled meanwhile.
        sending.catch(() => undefined);
        sends.push(sending);
      }
    } catch (e) {
      planError = e;
    }
    const results = await Promise.allSettled(sends);
    if (planError !== null) throw planError;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const sent = results.map((r) => (r as PromiseFulfilledResult<Sent<P>>).value);
    const fatal = sent.find((x) => x.fatal)?.fatal;
    if (fatal) throw fatal;
    await this.settleInDoubt(sent.flatMap((x) => x.inDoubt));
    if (writes.length > 0) await mapLimit(writes, this.writer.caps.inFlight, (w) => this.write(w));
  }

  /** Plans one group and records what needs no write; answers its creates and other writes. */
  private async plan(records: readonly S[], mapped: ReadonlyMap<string, IdMapRow>): Promise<{ creates: Create<P>[]; writes: Write<P>[] }> {
    const ctx = this.ctx;
    const decisions = await this.planner.plan(records, mapped);
    const creates: Create<P>[] = [];
    const writes: Write<P>[] = [];
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    records.forEach((r, i) => {
      const d = decisions[i]!;
      const entry = this.entry(r);
      switch (d.kind) {
        case 'create':
          creates.push({ record: r, payload: d.payload, hash: d.hash });
          break;
        case 'update':
        case 'archive':
        case 'delete':
          writes.push({ record: r, decision: d });
          break;
        case 'link':
          this.resolved.set(r.id, d.targetId);
          this.planner.created?.(r.id, d.targetId, null);
          links.push({ sourceId: r.id, targetId: d.targetId, hash: d.hash, sourceVersion: r.updatedAt });
          ctx.outcome({ ...entry, action: 'link', reason: `existing ${ctx.systemName(this.target.system)} ${this.def.targetEntity} matched by ${d.by}` },
            { ...this.base(r), targetId: d.targetId, step: 'linked', outcome: 'ok', message: `matched by ${d.by}` },
            { sourceSystem: this.source.system, status: 'synced', reason: `linked to existing ${ctx.systemName(this.target.system)} ${this.def.targetEntity} (${d.by})`, errorCode: null, errorMessage: null, targetId: d.targetId });
          break;
        case 'unchanged':
          this.resolved.set(r.id, d.targetId);
          if (d.pending) {
            // Written already, but the source moved it back or into a state not known here: watched until it settles.
            ctx.outcome({ ...entry, action: 'unchanged', reason: d.reason }, null,
              { sourceSystem: this.source.system, status: 'pending', reason: d.reason, errorCode: null, errorMessage: null, targetId: d.targetId });
          } else recordNonWrite(ctx, entry, this.base(r), d);
          break;
        default:
          // Skipped, failed or in conflict: not linked this run, so a record referencing it is not held up.
          this.resolved.set(r.id, null);
          recordNonWrite(ctx, entry, this.base(r), d, { skipStatus: d.pending ? 'pending' : 'skipped', failedPayload: d.failedPayload });
      }
    });
    if (links.length > 0 && !ctx.dryRun) await recordLinks(ctx.db, this.key, links);
    for (const r of records) if (this.resolved.has(r.id)) this.claims.release(r.id);
    return { creates, writes };
  }

  private async write({ record, decision: d }: Write<P>): Promise<void> {
    const ctx = this.ctx;
    const entry = this.entry(record as S);
    const base = { ...this.base(record), targetId: d.targetId };
    const target = ctx.systemName(this.target.system);
    const reason = d.kind === 'update' ? this.def.texts.updateReason : d.reason;
    if (d.kind === 'update') this.resolved.set(record.id, d.targetId);
    if (ctx.dryRun) return ctx.outcome({ ...entry, action: d.kind, reason }, null, null);
    const writer = this.writer;
    if (!writer[d.kind]) throw this.unsupported(this.target, `${d.kind} ${this.def.targetEntity}s`);
    try {
      let status: string;
      if (d.kind === 'update') {
        await writer.update!(d.targetId, d.payload, this.planner.currentOf?.(d.targetId) ?? null);
        await updateHash(ctx.db, this.key, record.id, d.hash, record.updatedAt);
        status = `updated in ${target}`;
      } else if (d.kind === 'archive') {
        await writer.archive!(d.targetId);
        status = `archived in ${target}`;
      } else {
        await writer.delete!(d.targetId);
        await unlink(ctx.db, this.key, record.id);
        status = this.def.texts.deleted?.(d.reason) ?? `removed from ${target}: ${d.reason}`;
      }
      const step = d.kind === 'update' ? 'updated' : d.kind === 'archive' ? 'archived' : 'deleted';
      ctx.outcome({ ...entry, action: d.kind, reason },
        { ...base, step, outcome: 'ok', ...(d.kind === 'update' ? { payload: d.payload } : { message: d.reason }) },
        { sourceSystem: this.source.system, status: 'synced', reason: status, errorCode: null, errorMessage: null, targetId: d.kind === 'delete' ? null : d.targetId });
    } catch (e) {
      const error = asConnectorError(e);
      if (isFatal(error)) throw error;
      recordFailure(ctx, entry, base, error.code, error.message, d.kind === 'update' ? d.payload : undefined, error.vendorBody);
    }
  }

  /** Creates on the target (create-send.ts); a dry run only says what it would create. */
  private async send(creates: readonly Create<P>[]): Promise<Sent<P>> {
    if (!this.ctx.dryRun) return sendCreates(this.createHost, creates);
    for (const c of creates) {
      this.resolved.set(c.record.id, plannedId(c.record.id));
      this.ctx.outcome({ ...this.entry(c.record as S), action: 'create', reason: this.def.texts.createReason(c.record as S, true) }, null, null);
    }
    return { inDoubt: [], fatal: null };
  }

  private get createHost(): CreateHost<P> {
    return {
      ctx: this.ctx, key: this.key, def: this.def, writer: this.writer, claims: this.claims,
      entry: (r) => this.entry(r as S),
      base: (r) => this.base(r),
      resolve: (r, targetId, payload) => {
        this.resolved.set(r.id, targetId);
        if (targetId && payload !== undefined) this.planner.created?.(r.id, targetId, payload);
      },
    };
  }

  /** Once every create of the page has settled, the ones in doubt are searched for, and those released are created again from a fresh read. */
  private async settleInDoubt(inDoubt: readonly Create<P>[]): Promise<void> {
    const ctx = this.ctx;
    if (inDoubt.length === 0) return;
    const target = ctx.systemName(this.target.system);
    ctx.log.warn({ link: ctx.link.name, entity: this.def.entity, count: inDoubt.length }, `answers to ${this.def.targetEntity} creates lost; searching ${target} once every create has settled`);
    const settled = await settleIntents(ctx, this.key, (intents) => this.search(intents), {
      only: inDoubt.map((c) => c.record.id), inDoubt: true, labels: new Map(inDoubt.map((c) => [c.record.id, this.def.label(c.record as S)])),
    });
    for (const { intent, targetId } of settled.adopted) this.adopt(intent.source_id, targetId);
    for (const intent of settled.waiting) this.resolved.set(intent.source_id, null);
    if (settled.released.length > 0) await this.recreate(settled.released);
  }
}

/** The pages of an iterator whose first page was asked for already. */
async function* resume<T>(first: Promise<IteratorResult<T>>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  for (let next = await first; !next.done; next = await rest.next()) yield next.value;
}
