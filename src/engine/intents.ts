import { dropIntents, listIntents, markInDoubt, recordLinks, type IdMapKey, type IntentRow } from '../store/repos/id-map.ts';
import type { RunContext } from './context.ts';

/** The id-map key of one step: link, entity and the two systems. */
export type StepKey = IdMapKey & { source_system: string; target_system: string };

/**
 * Searches the target for the records these intents stand for, by their match keys; answers
 * source id → target id for the ones found that no other source record is linked to.
 */
export type IntentSearch = (intents: readonly IntentRow[]) => Promise<Map<string, string>>;

export interface Settlement {
  /** Found on the target: now linked. */
  adopted: { intent: IntentRow; targetId: string }[];
  /** Not found, but the write may still land (inside the settle window): kept; not created again yet. */
  waiting: IntentRow[];
  /** Not found and past the settle window: the intent is dropped, so the record may be created again. */
  released: IntentRow[];
}

const none: Settlement = { adopted: [], waiting: [], released: [] };

/**
 * Settles outstanding intents (ADR-0003): each is searched for on the target; a match is adopted,
 * and an intent not found is released for a new create only once its write can no longer land
 * (EnginePolicy.settleMs after it was last sent or found in doubt). Until then it stays, and the
 * record is reported as pending, never created a second time.
 *
 * Only call this when no write of the step is in flight: a search made while a sibling request is
 * still creating records would miss them. `only` limits it to some source ids (the in-doubt items of
 * a write that just settled); `inDoubt` restarts their settle clock first.
 */
export async function settleIntents(
  ctx: RunContext,
  key: StepKey,
  search: IntentSearch,
  options: { only?: readonly string[]; inDoubt?: boolean; labels?: ReadonlyMap<string, string> } = {},
): Promise<Settlement> {
  if (ctx.dryRun) return none;
  if (options.inDoubt && options.only) await markInDoubt(ctx.db, key, options.only);
  const wanted = options.only ? new Set(options.only) : null;
  const intents = (await listIntents(ctx.db, key)).filter((i) => !wanted || wanted.has(i.source_id));
  if (intents.length === 0) return none;
  const found = await search(intents);
  const out: Settlement = { adopted: [], waiting: [], released: [] };
  for (const intent of intents) {
    const targetId = found.get(intent.source_id);
    if (targetId) out.adopted.push({ intent, targetId });
    else if (intent.age_ms >= ctx.policy.settleMs) out.released.push(intent);
    else out.waiting.push(intent);
  }
  await ctx.db.transaction(async (tx) => {
    await recordLinks(tx, key, out.adopted.map(({ intent, targetId }) => ({
      sourceId: intent.source_id, targetId, hash: intent.content_hash, sourceVersion: intent.source_version,
    })));
    await dropIntents(tx, key, out.released.map((i) => i.source_id));
  });
  const target = ctx.systemName(key.target_system);
  for (const { intent, targetId } of out.adopted) {
    ctx.outcome(
      { entity: key.entity, sourceId: intent.source_id, label: options.labels?.get(intent.source_id) ?? '', action: 'link', reason: `found in ${target} after the answer to its create was lost` },
      { sourceSystem: key.source_system, targetSystem: key.target_system, sourceVersion: intent.source_version, targetId, step: 'recovered', outcome: 'ok', message: `matched by ${intent.match_key ?? 'its key'}` },
      { sourceSystem: key.source_system, status: 'synced', reason: `created in ${target}`, errorCode: null, errorMessage: null, targetId },
    );
  }
  for (const intent of out.waiting) recordWaiting(ctx, key, intent.source_id, options.labels?.get(intent.source_id) ?? '');
  ctx.count(`${key.entity}.recovered`, out.adopted.length);
  if (out.waiting.length + out.released.length > 0) {
    ctx.log.info({ link: ctx.link.name, entity: key.entity, adopted: out.adopted.length, waiting: out.waiting.length, released: out.released.length }, 'settled writes in doubt');
  }
  return out;
}

/**
 * Reports a record whose create is in doubt and not found on the target yet: pending, with the
 * reason, until a later run finds it or releases it for a new create.
 */
export function recordWaiting(ctx: RunContext, key: StepKey, sourceId: string, label: string): void {
  const target = ctx.systemName(key.target_system);
  const reason = `the create was sent to ${target} but its answer was lost, and ${target} does not show the record yet; it is looked for again on the next run before anything is created again`;
  ctx.outcome(
    { entity: key.entity, sourceId, label, action: 'skip', reason },
    { sourceSystem: key.source_system, targetSystem: key.target_system, targetId: null, step: 'in_doubt', outcome: 'skipped', errorCode: 'MLC_ERR_AMBIGUOUS_WRITE', message: reason },
    { sourceSystem: key.source_system, status: 'pending', reason, errorCode: 'MLC_ERR_AMBIGUOUS_WRITE', errorMessage: reason, targetId: null },
  );
}
