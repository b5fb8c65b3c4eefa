import type { ConnectorError, ErrorCode } from '../core/errors.ts';
import type { Decision } from '../flows/types.ts';
import type { RunContext, PlanEntry } from './context.ts';
import type { InvalidRecord } from './ports.ts';

/**
 * Errors that stop the whole run instead of failing one record: the connection needs the user
 * (re-auth) or the call allowance is used up. The cursor stays where it was, so nothing is lost.
 */
export function isFatal(error: ConnectorError): boolean {
  return error.kind === 'needs_reauth' || error.kind === 'rate_limited' || error.kind === 'bug';
}

/** Records one record's failure: audit row with what was sent and what came back, status 'failed'. */
export function recordFailure(
  ctx: RunContext,
  entry: Omit<PlanEntry, 'action' | 'reason'>,
  base: { sourceSystem: string; targetSystem: string | null; sourceVersion?: string | null; targetId?: string | null },
  code: ErrorCode,
  message: string,
  payload?: unknown,
  response?: unknown,
): void {
  ctx.outcome(
    { ...entry, action: 'fail', reason: `${code}: ${message}` },
    { ...base, targetId: base.targetId ?? null, step: 'failed', outcome: 'failed', errorCode: code, message, payload, response },
    { sourceSystem: base.sourceSystem, status: 'failed', reason: message, errorCode: code, errorMessage: message, targetId: base.targetId ?? null },
  );
}

/**
 * Records each record a read could not decode or map as failed with its own code, so it is seen
 * and can be replayed; the caller commits them with the page whose cursor passes them. A record
 * read without its id is kept under "unreadable:<label>" (nothing can ask its source for it again
 * by id; its next change brings it back).
 */
export function recordInvalid(
  ctx: RunContext,
  entity: string,
  records: readonly InvalidRecord[],
  base: { sourceSystem: string; targetSystem: string | null },
): void {
  for (const r of records) {
    const sourceId = r.id ?? `unreadable:${r.label || 'a record without id or name'}`;
    recordFailure(ctx, { entity, sourceId, label: r.label }, base, r.code, `${ctx.systemName(base.sourceSystem)} sent a ${entity} that cannot be read: ${r.reason}`);
  }
}

/** Records a conflict that needs a person: status 'conflict', never silently ignored. */
export function recordConflict(
  ctx: RunContext,
  entry: Omit<PlanEntry, 'action' | 'reason'>,
  base: { sourceSystem: string; targetSystem: string | null; sourceVersion?: string | null },
  reason: string,
  targetId: string | null,
): void {
  ctx.outcome(
    { ...entry, action: 'conflict', reason },
    { ...base, targetId, step: 'conflict', outcome: 'conflict', errorCode: 'MLC_ERR_CONFLICT', message: reason },
    { sourceSystem: base.sourceSystem, status: 'conflict', reason, errorCode: 'MLC_ERR_CONFLICT', errorMessage: reason, targetId },
  );
}

/** Records a source record left as it is on the target (still counted as synced). */
function recordUnchanged(ctx: RunContext, entry: Omit<PlanEntry, 'action' | 'reason'>, sourceSystem: string, reason: string, targetId: string): void {
  ctx.outcome({ ...entry, action: 'unchanged', reason }, null, { sourceSystem, status: 'synced', reason, errorCode: null, errorMessage: null, targetId });
}

/** Records a skipped record with its reason; `status` is 'pending' when it will be taken up later by itself. */
function recordSkip(
  ctx: RunContext,
  entry: Omit<PlanEntry, 'action' | 'reason'>,
  base: { sourceSystem: string; targetSystem: string | null; sourceVersion?: string | null },
  reason: string,
  status: 'skipped' | 'pending' = 'skipped',
): void {
  ctx.outcome({ ...entry, action: 'skip', reason }, { ...base, targetId: null, step: 'skipped', outcome: 'skipped', message: reason },
    { sourceSystem: base.sourceSystem, status, reason, errorCode: null, errorMessage: null, targetId: null });
}

/**
 * Records a decision that writes nothing on the target (unchanged, skip, conflict, fail) and says
 * so; returns false for the decisions the caller writes itself (create, update, link, …).
 */
export function recordNonWrite(
  ctx: RunContext,
  entry: Omit<PlanEntry, 'action' | 'reason'>,
  base: { sourceSystem: string; targetSystem: string | null; sourceVersion?: string | null },
  d: Decision<unknown>,
  options: { skipStatus?: 'skipped' | 'pending'; failedPayload?: unknown } = {},
): boolean {
  switch (d.kind) {
    case 'unchanged':
      recordUnchanged(ctx, entry, base.sourceSystem, d.reason, d.targetId);
      return true;
    case 'skip':
      recordSkip(ctx, entry, base, d.reason, options.skipStatus);
      return true;
    case 'conflict':
      recordConflict(ctx, entry, base, d.reason, d.targetId ?? null);
      return true;
    case 'fail':
      recordFailure(ctx, entry, base, d.code, d.reason, options.failedPayload);
      return true;
    default:
      return false;
  }
}
