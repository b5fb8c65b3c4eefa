import { parseArgs } from 'node:util';
import { latencyProfiles, resolveLatency, type LatencyProfile } from './latency.ts';
import { runMemoryComparison } from './memory.ts';
import { formatEndpoints, formatReport } from './report.ts';
import { runBench, type BenchOptions } from './run.ts';

/**
 * `npm run bench`: syncs N seeded Xero bills to BILL against the emulators (run in their own process
 * with emulated latency), then posts a share of BILL payments back, and prints the throughput, API
 * calls per record, in-flight maxima, limit rejections, peak RSS and the measured time against the
 * floor the limits allow. `--memory` compares peak RSS at two sizes in separate processes.
 */
const usage = `Usage: npm run bench -- [--bills N] [--profile loopback|real] [--latency-ms N] [--xero-latency-ms N] [--bill-latency-ms N] [--seed N] [--suppliers N] [--skip-payments] [--no-reconcile] [--detail] [--json] [--cpu-profile DIR]
       npm run bench -- --memory [--bills N] [--large-bills N] [--latency-ms N]

  --bills N         Xero bills to seed (default 2000; up to 50000)
  --profile P       loopback (default: 25 ms per call) or real (Xero and BILL at 300 ms per call, bulk
                    and batch calls slower with their size: BILL 5 ms, Xero 3 ms per item, assumed)
  --latency-ms N    emulated latency per API call of both systems (overrides the profile's)
  --xero-latency-ms N, --bill-latency-ms N
                    one system's latency per call (default --latency-ms)
  --suppliers N     Xero suppliers (default bills / 10, between 12 and 5000)
  --skip-payments   time the first sync only
  --no-reconcile    do not reconcile the ledgers at the end
  --detail          also list the calls per endpoint
  --json            print the figures as one JSON object
  --cpu-profile DIR write a V8 CPU profile of each timed run to DIR (<phase>.cpuprofile)
  --memory          peak RSS of a first sync at --bills (default 2000) and --large-bills (default 20000), each in its own process`;

function whole(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      bills: { type: 'string' },
      'large-bills': { type: 'string' },
      'latency-ms': { type: 'string' },
      'xero-latency-ms': { type: 'string' },
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
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const bills = whole(values.bills, 'bills', 2000, 1, 50_000);
  const profile = (values.profile ?? 'loopback') as LatencyProfile;
  if (!latencyProfiles.includes(profile)) throw new UsageError(`--profile must be ${latencyProfiles.join(' or ')}, got '${values.profile}'`);
  const optionalMs = (flag: string) => (values[flag as 'latency-ms'] === undefined ? undefined : whole(values[flag as 'latency-ms'], flag, 0, 0, 10_000));
  const latencyMs = optionalMs('latency-ms');
  const latency = resolveLatency({ profile, latencyMs, perSystemMs: { xero: optionalMs('xero-latency-ms'), bill: optionalMs('bill-latency-ms') } });
  const seed = whole(values.seed, 'seed', 7, 0, 2 ** 31 - 1);
  if (values.memory) {
    const large = whole(values['large-bills'], 'large-bills', 20_000, 1, 50_000);
    return runMemoryComparison({ small: bills, large, latencyMs: latencyMs ?? 25, seed }, (line) => process.stdout.write(`${line}\n`));
  }
  const options: BenchOptions = {
    bills,
    suppliers: whole(values.suppliers, 'suppliers', Math.min(5000, Math.max(12, Math.round(bills / 10))), 1, 5000),
    profile,
    latency,
    seed,
    skipPayments: values['skip-payments'],
    reconcile: !values['no-reconcile'],
    cpuProfileDir: values['cpu-profile'] ?? null,
  };
  // Progress goes to stderr so --json output stays one clean object.
  const report = await runBench(options, (line) => process.stderr.write(`${line}\n`));
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${[...formatReport(report), ...(values.detail ? formatEndpoints(report) : [])].join('\n')}\n`);
  const failed = report.phases.some((p) => p.status === 'failed') || report.ledgersAgree === false;
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${e.message}\n\n${usage}\n`);
    return 2;
  }
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 4;
});
