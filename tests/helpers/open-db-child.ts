// Child process for the data-directory lock tests: opens the data directory given as the first
// argument, prints what happened as one JSON line, and closes it again (or, with --exit, leaves
// with process.exit() and no close, to show the exit hook removes the lock).
import { openDatabase } from '../../src/store/db.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: open-db-child.ts <dataDir>');
try {
  const db = await openDatabase({ dataDir });
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from kv');
  process.stdout.write(`${JSON.stringify({ opened: true, pid: process.pid, kvRows: rows[0]?.n })}\n`);
  if (process.argv.includes('--exit')) process.exit(0);
  await db.close();
} catch (e) {
  process.stdout.write(`${JSON.stringify({ opened: false, message: (e as Error).message })}\n`);
  process.exitCode = 3;
}
