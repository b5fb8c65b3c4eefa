import { asConnectorError } from '../../core/errors.ts';
import { redactText } from '../../core/redact.ts';
import { reconcileLink, type ReconcileReport } from '../../engine/reconcile.ts';
import type { Link } from '../../model/link.ts';
import type { EngineDeps } from '../../engine/sync.ts';
import type { Db } from '../../store/db.ts';
import { lastReconcile as lastSaved, type SavedReconcile } from '../../store/repos/reconcile-reports.ts';

/** A reconciliation as the worker leaves it: the report, or why there is none. */
export type ReconcileOutcome = SavedReconcile<ReconcileReport>;

/**
 * Reconciles a link as a link-work job. Reconciling only reads, but it reads BILL, so it runs in
 * the link's queue like any other work: it waits behind a running sync instead of answering
 * "busy", and BILL's 3 requests in flight per organisation hold across every process. It also
 * takes the link lease (reconcileLink), so a CLI sync in another process is never read half-way.
 * The outcome, failures included, is the job's output; reconcileLink keeps it as the link's last
 * reconciliation, as it does for the CLI. It never fails the job, since a person is waiting for
 * the answer, not a retry.
 */
export async function reconcileLinkWork(deps: EngineDeps, db: Db, link: Link): Promise<ReconcileOutcome> {
  const outcome: ReconcileOutcome = { link: link.name, at: new Date().toISOString(), report: null, error: null };
  try {
    outcome.report = await reconcileLink({ ...deps, db }, link);
  } catch (e) {
    const error = asConnectorError(e);
    outcome.error = { code: error.code, message: redactText(error.message) };
  }
  return outcome;
}

/** The link's last reconciliation, wherever it ran (null if it was never reconciled). */
export const lastReconcile = (db: Db, link: string): Promise<ReconcileOutcome | null> => lastSaved<ReconcileReport>(db, link);
