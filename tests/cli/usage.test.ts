/**
 * The command line's contract: help for the root and every command, and exit code 2 with a
 * message naming the bad argument for every kind of usage mistake. None of these open a database.
 * The root help and a sample of each kind run through the real bin (its streams and exit code);
 * the per-command loops run main() in one worker (in-process-cli.ts), so the sources load once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { commands } from '../../src/cli/commands/index.ts';
import { maxBasePort } from '../../src/emulators/catalog.ts';
import { InProcessCli } from './in-process-cli.ts';
import { runCli, type CliResult } from './run-cli.ts';

const inProcess = new InProcessCli();
after(() => inProcess.close());

test('--help lists every command and exits 0; no command at all prints the same and exits 2', async () => {
  for (const args of [['--help'], ['help']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, args.join(' '));
    for (const name of Object.keys(commands)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), `${args.join(' ')} lists ${name}`);
    assert.match(r.stdout, /Exit codes: 0 ok, 1 needs attention/);
  }
  const bare = await runCli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stdout, /Usage: ml-connector <command>/);
});

test('every command has --help (and -h): its usage on stdout, exit 0', async () => {
  const check = (name: string, r: CliResult) => {
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: ml-connector ${name}\\b`), `${name} --help prints its usage`);
    assert.equal(r.stderr, '', `${name} --help writes nothing to stderr`);
  };
  for (const name of Object.keys(commands)) check(name, await inProcess.run([name, '--help']));
  check('status', await runCli(['status', '--help']));
  const short = await runCli(['sync', '-h']);
  assert.equal(short.code, 0);
  assert.match(short.stdout, /^Usage: ml-connector sync/);
});

test('usage mistakes exit 2 and name what was wrong, with the command usage on stderr', async () => {
  const cases: { args: string[]; names: RegExp; realBin?: true }[] = [
    { args: ['frobnicate'], names: /unknown command 'frobnicate'/, realBin: true },
    { args: ['sync', '--bogus'], names: /'--bogus'/, realBin: true },
    { args: ['sync', '--link'], names: /--link/ },
    { args: ['status', 'extra'], names: /'extra'/ },
    { args: ['audit'], names: /exactly one record id/ },
    { args: ['replay'], names: /either --failed or one record id/ },
    { args: ['link', 'rename'], names: /'link create', 'link update' or 'link list'/ },
    { args: ['connect', 'sap'], names: /'connect xero' or 'connect bill'/ },
    { args: ['connect', 'xero', '--base-url', 'ftp://x'], names: /--base-url must be an http\(s\) URL, got 'ftp:\/\/x'/ },
    { args: ['emulate', '--port', 'eighty'], names: new RegExp(`--port must be a whole number from 0 to ${maxBasePort}, got 'eighty'`) },
  ];
  for (const c of cases) {
    const r = c.realBin ? await runCli(c.args) : await inProcess.run(c.args);
    assert.equal(r.code, 2, `${c.args.join(' ')} exits 2 (stderr: ${r.stderr})`);
    assert.match(r.stderr, c.names, `${c.args.join(' ')} names the problem`);
    assert.equal(r.stdout, '', `${c.args.join(' ')} keeps stdout empty`);
    if (c.args.length > 1) assert.match(r.stderr, new RegExp(`Usage: ml-connector ${c.args[0]}`), `${c.args.join(' ')}: the command usage follows the error`);
  }
});
