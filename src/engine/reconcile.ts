import { asConnectorError, ConnectorError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { tryAcquireLease } from '../store/repos/leases.ts';
import { saveReconcile } from '../store/repos/reconcile-reports.ts';
import { closeSides } from './ports.ts';
import type { EngineDeps } from './sync.ts';
import type { Link } from '../model/link.ts';
import type { ReconcileReport } from './reconcile-report.ts';

export type { Difference, ReconcileReport } from './reconcile-report.ts';

/**
 * Reconciles a link under its lease, so it never reads while a sync in any process is half-way
 * through writing (which would show differences that the sync is about to remove). A link being
 * synced is MLC_ERR_CONFLICT: reconcile again when the run ends. The outcome, report or failure,
 * is kept as the link's last reconciliation wherever it ran (CLI, worker), so every reader shows
 * the same answer.
 */
export async function reconcileLink(deps: Pick<EngineDeps, 'db' | 'log' | 'open' | 'pairOf'>, link: Link): Promise<ReconcileReport> {
  const at = new Date().toISOString();
  let report: ReconcileReport;
  try {
    report = await reconcileUnderLease(deps, link);
  } catch (e) {
    const error = asConnectorError(e);
    await saveReconcile(deps.db, { link: link.name, at, report: null, error: { code: error.code, message: redactText(error.message) } }).catch(() => undefined);
    throw e;
  }
  await saveReconcile(deps.db, { link: link.name, at, report, error: null });
  return report;
}

async function reconcileUnderLease(deps: Pick<EngineDeps, 'db' | 'log' | 'open' | 'pairOf'>, link: Link): Promise<ReconcileReport> {
  const lease = await tryAcquireLease(deps.db, `link:${link.name}`);
  if (!lease) throw new ConnectorError({ code: 'MLC_ERR_CONFLICT', message: `link '${link.name}' is being synced by another process; reconcile again when it finishes` });
  try {
    const report = await reconcile(deps, link);
    deps.log.info({ link: link.name, differences: report.differences.length }, 'reconcile finished');
    return report;
  } finally {
    await lease.release();
  }
}

/** Compares the two ledgers now, without the lease and without keeping the report (demo, benchmarks, tests). */
export async function reconcile(deps: Pick<EngineDeps, 'db' | 'log' | 'open' | 'pairOf'>, link: Link): Promise<ReconcileReport> {
  const pair = deps.pairOf(link);
  const sides = await deps.open(link);
  try {
    return await pair.reconcile({ db: deps.db, link, sides, log: deps.log });
  } finally {
    await closeSides(sides, (system, e) => deps.log.warn({ link: link.name, system, err: String(e) }, 'could not close the connection after reconciling'));
  }
}
