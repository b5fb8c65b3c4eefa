import { parseArgs } from 'node:util';
import { erpNames, latencyProfiles, resolveLatency, type ErpName, type LatencyProfile } from './latency.ts';
import type { BenchOptions } from './run.ts';
import { parseScaleOptions, scaleOnly, scaleUsage } from './scale-args.ts';
import type { ScaleOptions } from './scale-run.ts';

/** The benchmark's command line (`npm run bench -- …`): what to run, or a UsageError naming the flag at fault. */
export const usage = `Usage: npm run bench -- [--erp xero|acumatica|qbo] [--bills N] [--profile loopback|real] [--latency-ms N] [--xero-latency-ms N] [--acumatica-latency-ms N] [--qbo-latency-ms N] [--bill-latency-ms N] [--seed N] [--suppliers N] [--skip-payments] [--no-reconcile] [--detail] [--json] [--cpu-profile DIR]
       npm run bench -- --memory [--bills N] [--large-bills N] [--latency-ms N]

  --erp E           the pair's ERP: xero (default), acumatica, or qbo (BILL → QuickBooks Online: BILL is
                    seeded, its bills become purchase orders, its payments Bills and BillPayments)
  --bills N         ERP bills to seed (default 2000; up to 50000; Acumatica: AP documents of every type;
                    qbo: BILL bills, up to 5000)
  --profile P       loopback (default: 25 ms per call) or real (Xero and BILL at 300 ms per call, bulk
                    and batch calls slower with their size: BILL 5 ms, Xero 3 ms per item; Acumatica at
                    500 ms per call; QBO at 400 ms per call; all assumed)
  --latency-ms N    emulated latency per API call of every system (overrides the profile's)
  --xero-latency-ms N, --acumatica-latency-ms N, --qbo-latency-ms N, --bill-latency-ms N
                    one system's latency per call (default --latency-ms)
  --suppliers N     ERP suppliers / vendors (default bills / 10, between 12 and 5000; qbo: BILL vendors, up to 1000)
  --skip-payments   time the first sync only
  --no-reconcile    do not reconcile the ledgers at the end
  --detail          also list the calls per endpoint
  --json            print the figures as one JSON object
  --cpu-profile DIR write a V8 CPU profile of each timed run to DIR (<phase>.cpuprofile)
  --memory          peak RSS of a first sync at --bills (default 2000) and --large-bills (default 20000), each in its own process
${scaleUsage}`;

export class UsageError extends Error {}

export type BenchCommand =
  | { kind: 'help' }
  | { kind: 'memory'; small: number; large: number; latencyMs: number; seed: number }
  | { kind: 'run'; options: BenchOptions; json: boolean; detail: boolean }
  | { kind: 'scale'; options: ScaleOptions; json: boolean };

function whole(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

/** An error of the command line: one of ours, or node:util's for an unknown flag or a missing value. */
export const isUsageError = (e: unknown): e is Error =>
  e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'));

export function parseBenchArgs(argv: string[]): BenchCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      bills: { type: 'string' },
      'large-bills': { type: 'string' },
      'latency-ms': { type: 'string' },
      erp: { type: 'string' },
      'xero-latency-ms': { type: 'string' },
      'acumatica-latency-ms': { type: 'string' },
      'qbo-latency-ms': { type: 'string' },
      'bill-latency-ms': { type: 'string' },
      profile: { type: 'string' },
      seed: { type: 'string' },
      suppliers: { type: 'string' },
      'skip-payments': { type: 'boolean', default: false },
      'no-reconcile': { type: 'boolean', default: false },
      detail: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
      memory: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      orgs: { type: 'string' },
      workers: { type: 'string' },
      'worker-concurrency': { type: 'string' },
      'bill-hour-ms': { type: 'string' },
      'bill-hourly': { type: 'string' },
    },
  });
  if (values.help) return { kind: 'help' };
  const scale = values.orgs !== undefined;
  if (!scale) {
    const given = scaleOnly.find((flag) => values[flag] !== undefined);
    if (given) throw new UsageError(`--${given} needs --orgs (the many-organisations run)`);
  }
  const erp = (values.erp ?? 'xero') as ErpName;
  if (!erpNames.includes(erp)) throw new UsageError(`--erp must be ${erpNames.slice(0, -1).join(', ')} or ${erpNames.at(-1)}, got '${values.erp}'`);
  // The BILL emulator seeds at most 5,000 bills and 1,000 vendors (src/emulators/bill/seed.ts).
  const source = erp === 'qbo' ? { bills: 5000, suppliers: 1000 } : { bills: 50_000, suppliers: 5000 };
  const bills = whole(values.bills, 'bills', 2000, 1, source.bills);
  // The many-organisations run speaks to production latency unless told otherwise.
  const profile = (values.profile ?? (scale ? 'real' : 'loopback')) as LatencyProfile;
  if (!latencyProfiles.includes(profile)) throw new UsageError(`--profile must be ${latencyProfiles.join(' or ')}, got '${values.profile}'`);
  const optionalMs = (flag: string) => (values[flag as 'latency-ms'] === undefined ? undefined : whole(values[flag as 'latency-ms'], flag, 0, 0, 10_000));
  const latencyMs = optionalMs('latency-ms');
  const latency = resolveLatency({ profile, latencyMs, perSystemMs: { xero: optionalMs('xero-latency-ms'), acumatica: optionalMs('acumatica-latency-ms'), qbo: optionalMs('qbo-latency-ms'), bill: optionalMs('bill-latency-ms') } });
  const otherErp = erpNames.find((e) => e !== erp && values[`${e}-latency-ms`] !== undefined);
  if (otherErp) throw new UsageError(`--${otherErp}-latency-ms does not apply to a run with --erp ${erp}`);
  const seed = whole(values.seed, 'seed', 7, 0, 2 ** 31 - 1);
  if (scale) return { kind: 'scale', options: parseScaleOptions(values, { whole, latency, seed, fail: (m) => new UsageError(m) }), json: values.json };
  if (values.memory) {
    if (erp !== 'xero') throw new UsageError('--memory measures the Xero first sync; leave out --erp');
    const large = whole(values['large-bills'], 'large-bills', 20_000, 1, 50_000);
    return { kind: 'memory', small: bills, large, latencyMs: latencyMs ?? 25, seed };
  }
  const options: BenchOptions = {
    erp,
    bills,
    suppliers: whole(values.suppliers, 'suppliers', Math.min(source.suppliers, Math.max(12, Math.round(bills / 10))), 1, source.suppliers),
    profile,
    latency,
    seed,
    skipPayments: values['skip-payments'],
    reconcile: !values['no-reconcile'],
    cpuProfileDir: values['cpu-profile'] ?? null,
  };
  return { kind: 'run', options, json: values.json, detail: values.detail };
}
