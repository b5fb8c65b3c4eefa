import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * `ml-connector emulate` as a user runs it: a separate process that prints exactly one JSON line
 * when ready, serves the real paths on loopback, and stops cleanly on SIGINT/SIGTERM.
 */
const bin = 'bin/ml-connector.js';

interface Started {
  child: ChildProcessWithoutNullStreams;
  ready: Record<string, { api: string; control: string; [k: string]: unknown }>;
  extraStdout: string[];
}

async function startEmulate(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [bin, 'emulate', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const extraStdout: string[] = [];
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulate printed no ready line within 30 s')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`emulate exited early with ${code}`)));
  });
  lines.on('line', (line) => extraStdout.push(line));
  return { child, ready: JSON.parse(first) as Started['ready'], extraStdout };
}

async function stop(s: Started, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(s.child, 'exit');
  s.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('emulate prints one JSON line with both systems, serves the real paths and stops on SIGTERM with 0', async () => {
  const s = await startEmulate(['--seed', '7', '--latency-ms', '0']);
  try {
    assert.match(s.ready.xero!.api, /^http:\/\/127\.0\.0\.1:\d+\/api\.xro\/2\.0$/);
    assert.match(String(s.ready.xero!.identity), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(s.ready.bill!.api, /^http:\/\/127\.0\.0\.1:\d+\/connect\/v3$/);

    // The real paths answer as the vendors do: Xero wants a bearer token, BILL a live session.
    const xero = await fetch(`${s.ready.xero!.api}/Invoices`, { headers: { accept: 'application/json' } });
    assert.equal(xero.status, 401);
    await xero.arrayBuffer();
    const devKey = (s.ready.bill!.sandbox as { devKey: string }).devKey;
    const bill = await json(`${s.ready.bill!.api}/vendors`, { headers: { devKey, sessionId: 'not-a-session' } });
    assert.equal(bill.status, 401);
    assert.equal((bill.body as unknown as { code: string }[])[0]?.code, 'BDC_1109');

    const stats = await json(`${s.ready.bill!.control}/stats`);
    assert.equal(stats.status, 200);
    assert.ok(Number(stats.body.totalCalls) >= 1, 'the refused call is counted');
  } finally {
    assert.equal(await stop(s, 'SIGTERM'), 0);
  }
  assert.deepEqual(s.extraStdout, [], 'exactly one line on stdout');
});

test('emulate is deterministic by seed across processes, and SIGINT also stops it with 0', async () => {
  const seedBody = JSON.stringify({ seed: 11, suppliers: 5, bills: 12 });
  const states: string[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await startEmulate(['--only', 'xero', '--seed', '11']);
    try {
      assert.equal(s.ready.bill, undefined, '--only xero starts no BILL emulator');
      const seeded = await fetch(`${s.ready.xero!.control}/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: seedBody });
      assert.equal(seeded.status, 200);
      await seeded.arrayBuffer();
      const state = await json(`${s.ready.xero!.control}/state`);
      // Ports differ between runs; everything else must not.
      states.push(JSON.stringify(state.body).replace(/127\.0\.0\.1:\d+/g, 'HOST'));
    } finally {
      assert.equal(await stop(s, 'SIGINT'), 0);
    }
  }
  assert.ok(states[0]!.length > 1000, 'the seeded state is not empty');
  assert.equal(states[0], states[1]);
});

test('bad emulate arguments exit 2 naming the argument', async () => {
  for (const [args, named] of [[['--only', 'sap'], '--only'], [['--port', 'abc'], 'port'], [['--latency-ms', '-5'], 'latency-ms'], [['--bogus'], 'bogus']] as const) {
    const child = spawn(process.execPath, [bin, 'emulate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2, `${args.join(' ')} → exit 2 (stderr: ${stderr})`);
    assert.ok(stderr.includes(named), `${args.join(' ')}: the message names '${named}': ${stderr}`);
  }
});
