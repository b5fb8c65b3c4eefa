import type { SystemLatency, SystemName } from './latency.ts';
import type { ScaleOptions } from './scale-run.ts';

/** The many-organisations flags of `npm run bench` (parsed by args.ts, checked here). */
export const scaleUsage = `       npm run bench -- --orgs N [--workers N] [--worker-concurrency N] [--bills N] [--suppliers N] [--bill-hour-ms N] [--bill-hourly N] [--profile P] [--latency-ms N] [--xero-latency-ms N] [--bill-latency-ms N] [--seed N] [--json]

  --orgs N          many organisations on one BILL developer key (2 to 50): N Xero tenants, N BILL
                    organisations, N links, a throwaway PostgreSQL and --workers worker processes;
                    one firm syncs alone, then every other first sync is queued at once and a payment
                    is made in the first firm's BILL while they run (default profile: real)
  --workers N       worker processes (\`serve --role worker\`, default 2, up to 4)
  --worker-concurrency N  jobs each worker runs at once (default 2, the serve default; up to 8)
  --bills N, --suppliers N  each firm's Xero bills (default 600, up to 2000) and suppliers (default 300, up to 1000)
  --bill-hour-ms N  the compressed "hour" of BILL's hourly allowance, in ms (default 30000; a test
                    knob of the BILL emulator, 5000 to 3600000); the connector's BILL connections
                    get the same window through their limits
  --bill-hourly N   the devKey's allowance per compressed hour (default 60, 10 to 20000), lowered
                    so it binds during the run; the connector budgets 19,500/20,000 of it, as it does of BILL's 20,000`;

type Values = Record<string, string | boolean | undefined>;

/** Flags of the single-organisation runs that mean nothing with --orgs: refused, not ignored. */
const singleOnly = ['memory', 'large-bills', 'skip-payments', 'no-reconcile', 'detail', 'cpu-profile', 'acumatica-latency-ms', 'qbo-latency-ms'] as const;
/** Flags of the many-organisations run that mean nothing without --orgs. */
export const scaleOnly = ['workers', 'worker-concurrency', 'bill-hour-ms', 'bill-hourly'] as const;

export function parseScaleOptions(values: Values, checks: { whole: (value: string | undefined, flag: string, fallback: number, min: number, max: number) => number; latency: Record<SystemName, SystemLatency>; seed: number; fail: (message: string) => Error }): ScaleOptions {
  const { whole, fail } = checks;
  if (values.erp !== undefined && values.erp !== 'xero') throw fail(`--orgs runs Xero ⇄ BILL firms; --erp ${String(values.erp)} does not apply`);
  for (const flag of singleOnly) {
    const v = values[flag];
    if (v !== undefined && v !== false) throw fail(`--${flag} does not apply to a run with --orgs`);
  }
  const str = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const billHourly = whole(str('bill-hourly'), 'bill-hourly', 60, 10, 20_000);
  return {
    orgs: whole(str('orgs'), 'orgs', 20, 2, 50),
    workers: whole(str('workers'), 'workers', 2, 1, 4),
    workerConcurrency: whole(str('worker-concurrency'), 'worker-concurrency', 2, 1, 8),
    bills: whole(str('bills'), 'bills', 600, 1, 2000),
    suppliers: whole(str('suppliers'), 'suppliers', 300, 1, 1000),
    latency: { xero: checks.latency.xero, bill: checks.latency.bill },
    billHourMs: whole(str('bill-hour-ms'), 'bill-hour-ms', 30_000, 5000, 3_600_000),
    billHourly,
    // The BILL spec budgets 19,500 of the published 20,000 (src/systems/bill/spec.ts): the same share of the lowered allowance.
    budget: Math.max(1, Math.floor((billHourly * 19_500) / 20_000)),
    seed: checks.seed,
    timeoutMs: 30 * 60_000,
  };
}
