import { ConnectorError } from '../core/errors.ts';
import { UsageError } from './args.ts';
import { exitCodes } from './output.ts';
import { commands } from './commands/index.ts';
import { networkCause } from '../app/reachable.ts';

const overview = `ml-connector: sync engine between BILL and the ERPs that keep the books

Usage: ml-connector <command> [options]

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`).join('\n')}

Global options: --data-dir DIR (default .data, or ML_CONNECTOR_DATA_DIR), --json, --help
DATABASE_URL selects a PostgreSQL server instead of the embedded database.
Exit codes: 0 ok, 1 needs attention (differences or failed records), 2 usage error,
3 a connection needs to be made again, 4 other failure.`;

/** Runs the CLI and returns the exit code (bin/ml-connector.js sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview}\n`);
    return name ? exitCodes.ok : exitCodes.usage;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command '${name}'\n\n${overview}\n`);
    return exitCodes.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return exitCodes.ok;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\n${command.usage}\n`);
      return exitCodes.usage;
    }
    if (e instanceof ConnectorError) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      return e.kind === 'needs_reauth' ? exitCodes.reconnect : exitCodes.failure;
    }
    // A bare "fetch failed" says nothing: the cause chain names the address and the reason.
    process.stderr.write(`error: ${networkCause(e)}\n`);
    return exitCodes.failure;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
