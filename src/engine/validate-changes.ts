import { getCursor } from '../store/repos/cursors.ts';
import { listLinked } from '../store/repos/id-map.ts';
import { commitPage } from './commit.ts';
import type { RunContext } from './context.ts';
import type { StepDefinition } from './pair.ts';
import type { ChangedRecord, Side } from './ports.ts';
import type { StepRunner } from './step-runner.ts';
import type { RunParts } from './sync.ts';

/** Target ids handed to one validateTargets call (its own reads go by 50 and 100 ids). */
const idsPerCheck = 100;

/**
 * The pass's cursor: when its last read began, the changes read inside the next read's overlap by
 * version, and `from`, the end of the link's first sync, which nothing before is read back from.
 */
interface ValidationCursor {
  at: string;
  seen: Record<string, string>;
  from?: string;
}

/** The cursor stream of a target's validation pass, one per system a link writes to (`qbo.validated`). */
export const validationStream = (system: string): string => `${system}.validated`;

function parseCursor(value: string | null): ValidationCursor | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as Partial<ValidationCursor> | null;
    if (v && typeof v.at === 'string' && Number.isFinite(Date.parse(v.at))) {
      return { at: v.at, seen: v.seen && typeof v.seen === 'object' ? v.seen : {}, ...(typeof v.from === 'string' && Number.isFinite(Date.parse(v.from)) ? { from: v.from } : {}) };
    }
  } catch {
    // A bare time is a cursor too (set by hand, say).
  }
  return Number.isFinite(Date.parse(value)) ? { at: value, seen: {} } : null;
}

interface SidePlan {
  side: Side;
  steps: StepRunner<any, any>[];
  stream: string;
  saved: ValidationCursor | null;
  /** Nothing was linked before this run: validation starts after it, without reading what it wrote. */
  startsNow: boolean;
}

const changeKey = (c: Pick<ChangedRecord, 'entity' | 'id'>) => `${c.entity}:${c.id}`;

/**
 * The poll's validation pass (RunOptions.validateTargets): webhooks can be missed, so each poll also
 * asks every target that offers a change listing (SystemPort.changes) what changed there since the
 * pass's cursor, and the records the id map links are validated exactly as a `validate` trigger
 * does (StepRunner.validateTargets: sources re-read and synced, the step's check raising a conflict
 * for a person, nothing written back). Records the id map does not know are the target's own.
 *
 * Prepared before the steps run, so a link that had linked nothing yet starts validating from the
 * end of this sync, instead of reading back everything its first sync wrote. Without a cursor on a
 * link that has linked records, every record is listed. The cursor moves only once every
 * validation it covers is committed; reads go back `validateOverlapMs` behind it, and a change
 * read again with the version already validated is not validated twice.
 */
export async function prepareValidation(parts: RunParts, runs: (def: StepDefinition) => boolean): Promise<() => Promise<void>> {
  const { ctx } = parts;
  const bySide = new Map<Side, StepRunner<any, any>[]>();
  for (const step of parts.steps.values()) {
    if (!step.def.validate || !runs(step.def) || !step.target.changes) continue;
    bySide.set(step.def.to, [...(bySide.get(step.def.to) ?? []), step]);
  }
  const plans: SidePlan[] = [];
  for (const [side, steps] of bySide) {
    const stream = validationStream(ctx.sides[side].system);
    const saved = parseCursor(await getCursor(ctx.db, ctx.link.name, stream));
    const startsNow = !saved && (await Promise.all(steps.map((s) => listLinked(ctx.db, s.key)))).every((rows) => rows.length === 0);
    plans.push({ side, steps, stream, saved, startsNow });
  }
  return async () => {
    for (const plan of plans) await validateSide(ctx, plan);
  };
}

async function validateSide(ctx: RunContext, plan: SidePlan): Promise<void> {
  const startedAt = Date.now();
  const at = new Date(startedAt).toISOString();
  const overlap = ctx.policy.validateOverlapMs;
  const cursor = (value: ValidationCursor) => ({ stream: plan.stream, value: JSON.stringify(value) });
  if (plan.startsNow) {
    await commitPage(ctx, 'validation', cursor({ at, seen: {}, from: at }));
    return;
  }
  const saved = plan.saved;
  const since = saved ? new Date(Math.max(Date.parse(saved.at) - overlap, saved.from ? Date.parse(saved.from) : -Infinity)) : null;
  const changes = await ctx.sides[plan.side].changes!.changedSince(plan.steps.map((s) => s.def.entity), since);
  ctx.count(`validate.read.${changes.via}`);
  const fresh = changes.records.filter((c) => saved?.seen[changeKey(c)] !== c.version);
  ctx.count('validate.changed', fresh.length);
  for (const step of plan.steps) {
    const ids = [...new Set(fresh.filter((c) => c.entity === step.def.entity).map((c) => c.id))];
    for (let i = 0; i < ids.length; i += idsPerCheck) await step.validateTargets(ids.slice(i, i + idsPerCheck));
  }
  // Only what the next read can return again is remembered (twice the overlap, for the target's own clock).
  const keepFrom = startedAt - 2 * overlap;
  const seen = Object.fromEntries(changes.records.filter((c) => c.at !== null && Date.parse(c.at) >= keepFrom).map((c) => [changeKey(c), c.version]));
  // The first sync's end bounds reads only until the overlap has passed it.
  const from = saved?.from && Date.parse(saved.from) > startedAt - overlap ? { from: saved.from } : {};
  await commitPage(ctx, 'validation', cursor({ at, seen, ...from }));
}
