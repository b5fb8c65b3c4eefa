import { isUsageError, parseBenchArgs, usage } from './args.ts';
import { runMemoryComparison } from './memory.ts';
import { formatEndpoints, formatReport } from './report.ts';
import { runBench } from './run.ts';
import { formatScaleReport, scaleFailed } from './scale-format.ts';
import { runScaleBench } from './scale-run.ts';

/**
 * `npm run bench`: syncs N seeded ERP bills (Xero, or Acumatica with `--erp acumatica`) to BILL
 * against the emulators (each in its own process with emulated latency), then posts a share of BILL
 * payments back (`--erp qbo`: N seeded BILL bills to QuickBooks Online purchase orders, then BILL
 * payments as Bills and BillPayments), and prints the throughput, API calls per record, in-flight maxima, limit
 * rejections, peak RSS and the measured time against the floors the limits and the data allow. `--memory` compares peak RSS at two sizes in separate processes.
 * `--orgs N` runs many organisations on one BILL developer key with worker processes on PostgreSQL (scale-run.ts).
 */
async function main(argv: string[]): Promise<number> {
  const command = parseBenchArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (command.kind === 'memory') return runMemoryComparison(command, (line) => process.stdout.write(`${line}\n`));
  if (command.kind === 'scale') {
    const report = await runScaleBench(command.options, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(command.json ? `${JSON.stringify(report)}\n` : `${formatScaleReport(report).join('\n')}\n`);
    return scaleFailed(report) ? 1 : 0;
  }
  const { options, json, detail } = command;
  // Progress goes to stderr so --json output stays one clean object.
  const report = await runBench(options, (line) => process.stderr.write(`${line}\n`));
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${[...formatReport(report), ...(detail ? formatEndpoints(report) : [])].join('\n')}\n`);
  const failed = report.phases.some((p) => p.status === 'failed') || report.ledgersAgree === false;
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  if (isUsageError(e)) {
    process.stderr.write(`${e.message}\n\n${usage}\n`);
    return 2;
  }
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 4;
});
