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
