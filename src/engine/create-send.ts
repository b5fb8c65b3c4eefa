import type { ConnectorError } from '../core/errors.ts';
import { dropIntents, recordIntents, recordLinks } from '../store/repos/id-map.ts';
import { sendInBatches, type WriteOutcome } from './bulk.ts';
import type { StepClaims } from './claims.ts';
import type { PlanEntry, RunContext } from './context.ts';
import { recordFailure } from './failures.ts';
import type { StepKey } from './intents.ts';
import type { SourceRecord, StepDefinition } from './pair.ts';
import type { EntityWriter } from './ports.ts';

export type Create<P> = { record: SourceRecord; payload: P; hash: string | null };

/** What a send left to do once every send of its page settled: items in doubt, and the error that ends the run. */
export type Sent<P> = { inDoubt: Create<P>[]; fatal: ConnectorError | null };

/** What sending a step's creates needs of its runner (step-runner.ts). */
export interface CreateHost<P> {
  ctx: RunContext;
  key: StepKey;
  def: StepDefinition<any, P>;
  writer: EntityWriter<P, unknown>;
  claims: StepClaims;
  entry(record: SourceRecord): Omit<PlanEntry, 'action' | 'reason'>;
  base(record: SourceRecord): { sourceSystem: string; targetSystem: string; sourceVersion: string | null };
  /** The record is linked to targetId (a create confirmed, with its payload), or will not be this run (null). */
  resolve(record: SourceRecord, targetId: string | null, payload?: P): void;
}

/**
 * Creates on the target (ADR-0003): intents committed first, batches sent within the writer's
 * caps, records a dependent step asked for first; as each batch settles, its items are linked or
 * their intents dropped in one transaction, and only then are they known to dependents. Items in
 * doubt are handed back, to be searched for once every send of the page has settled.
 */
export async function sendCreates<P>(host: CreateHost<P>, creates: readonly Create<P>[]): Promise<Sent<P>> {
  const { ctx, key, def, writer } = host;
  if (creates.length === 0) return { inDoubt: [], fatal: null };
  const options = def.writeOptions?.(ctx);
  await recordIntents(ctx.db, key, creates.map((c) => ({
    sourceId: c.record.id, matchKey: def.matchKey(c.payload, c.record), sourceVersion: c.record.updatedAt, hash: c.hash,
  })));
  const target = ctx.systemName(key.target_system);
  const inDoubt: Create<P>[] = [];
  const settleBatch = async (indices: readonly number[], outcomes: readonly WriteOutcome<string>[]) => {
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null; extra?: Record<string, unknown> }[] = [];
    const notWritten: string[] = [];
    for (const i of indices) {
      const o = outcomes[i]!;
      const c = creates[i]!;
      if (o.kind === 'written') links.push({ sourceId: c.record.id, targetId: o.value, hash: c.hash, sourceVersion: c.record.updatedAt, ...(def.linkExtra ? { extra: def.linkExtra(c.record, c.payload) } : {}) });
      else if (o.kind !== 'unknown') notWritten.push(c.record.id);
    }
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, key, links);
      await dropIntents(tx, key, notWritten);
    });
    for (const i of indices) {
      const o = outcomes[i]!;
      const c = creates[i]!;
      const entry = host.entry(c.record);
      const base = host.base(c.record);
      if (o.kind === 'written') {
        host.resolve(c.record, o.value, c.payload);
        ctx.outcome({ ...entry, action: 'create', reason: def.texts.createReason(c.record, false) },
          { ...base, targetId: o.value, step: 'created', outcome: 'ok', payload: c.payload, response: { id: o.value } },
          { sourceSystem: key.source_system, status: 'synced', reason: def.texts.created ?? `created in ${target}`, errorCode: null, errorMessage: null, targetId: o.value });
      } else if (o.kind === 'refused') {
        host.resolve(c.record, null);
        recordFailure(ctx, entry, { ...base, targetId: null }, o.error.code, o.error.message, c.payload, o.error.vendorBody);
      } else if (o.kind === 'unknown') {
        inDoubt.push(c);
        continue;
      }
      host.claims.release(c.record.id);
    }
  };
  const rank = (i: number) => host.claims.rank(creates[i]!.record.id);
  const { outcomes, fatal } = await sendInBatches(creates.map((c) => c.payload), writer.caps, (batch) => writer.create(batch, options), { rank, onBatch: settleBatch });
  // Never sent because a fatal error ended the step first: the run ends before this page
  // commits, so the record is read again next run.
  const unsent = outcomes.flatMap((o, i) => (o.kind === 'unsent' ? [i] : []));
  if (unsent.length > 0) await settleBatch(unsent, outcomes);
  return { inDoubt, fatal };
}
