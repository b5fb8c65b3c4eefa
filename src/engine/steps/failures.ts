import type { ConnectorError, ErrorCode } from '../../core/errors.ts';
import type { RunContext, PlanEntry } from '../context.ts';

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
export function recordUnchanged(ctx: RunContext, entry: Omit<PlanEntry, 'action' | 'reason'>, sourceSystem: string, reason: string, targetId: string): void {
  ctx.outcome({ ...entry, action: 'unchanged', reason }, null, { sourceSystem, status: 'synced', reason, errorCode: null, errorMessage: null, targetId });
}

/** Records a skipped record with its reason; `status` is 'pending' when it will be taken up later by itself. */
export function recordSkip(
  ctx: RunContext,
  entry: Omit<PlanEntry, 'action' | 'reason'>,
  base: { sourceSystem: string; targetSystem: string | null; sourceVersion?: string | null },
  reason: string,
  status: 'skipped' | 'pending' = 'skipped',
): void {
  ctx.outcome({ ...entry, action: 'skip', reason }, { ...base, targetId: null, step: 'skipped', outcome: 'skipped', message: reason },
    { sourceSystem: base.sourceSystem, status, reason, errorCode: null, errorMessage: null, targetId: null });
}
