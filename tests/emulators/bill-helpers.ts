/**
 * Shared helpers for the BILL emulator tests: a tiny HTTP client over real loopback fetch, control
 * calls, and a local webhook receiver that keeps the exact body bytes for signature checks.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { BillEmulator } from '../../src/emulators/bill/index.ts';

export interface Res {
  status: number;
  // Tests read arbitrary JSON shapes; the emulator's answers are checked field by field.
  body: any;
  headers: Headers;
}

async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown = text;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: r.status, body, headers: r.headers };
}

export interface Creds {
  devKey: string;
  sessionId: string;
  organizationId: string;
}

export async function login(bill: BillEmulator, overrides: Partial<BillEmulator['sandbox']> = {}): Promise<Res> {
  const r = await fetch(`${bill.urls.api}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...bill.sandbox, ...overrides }),
  });
  return toRes(r);
}

export class Client {
  constructor(
    readonly bill: BillEmulator,
    readonly creds: Creds,
  ) {}

  static async open(bill: BillEmulator, overrides: Partial<BillEmulator['sandbox']> = {}): Promise<Client> {
    const res = await login(bill, overrides);
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return new Client(bill, { devKey: overrides.devKey ?? bill.sandbox.devKey, sessionId: res.body.sessionId, organizationId: res.body.organizationId });
  }

  async call(method: string, path: string, body?: unknown, opts: { events?: boolean; headers?: Record<string, string> } = {}): Promise<Res> {
    const base = opts.events ? this.bill.urls.events : this.bill.urls.api;
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        devKey: this.creds.devKey,
        sessionId: this.creds.sessionId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return toRes(r);
  }

  get(path: string, opts?: { events?: boolean }): Promise<Res> {
    return this.call('GET', path, undefined, opts);
  }
  post(path: string, body?: unknown, opts?: { events?: boolean; headers?: Record<string, string> }): Promise<Res> {
    return this.call('POST', path, body, opts);
  }
  put(path: string, body: unknown, opts?: { events?: boolean }): Promise<Res> {
    return this.call('PUT', path, body, opts);
  }
  patch(path: string, body: unknown, opts?: { events?: boolean }): Promise<Res> {
    return this.call('PATCH', path, body, opts);
  }
  del(path: string, opts?: { events?: boolean }): Promise<Res> {
    return this.call('DELETE', path, undefined, opts);
  }

  /** Creates a subscription with a fresh idempotency key. */
  subscribe(body: unknown, key: string = randomUUID()): Promise<Res> {
    return this.post('/subscriptions', body, { events: true, headers: { 'X-Idempotent-Key': key } });
  }
}

export async function control(bill: BillEmulator, method: string, path: string, body?: unknown): Promise<Res> {
  const r = await fetch(`${bill.urls.base}/_emulator${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return toRes(r);
}

export const advance = (bill: BillEmulator, seconds: number) => control(bill, 'POST', '/clock', { advanceSeconds: seconds });

/** Asserts BILL's error envelope and returns the codes. */
export function errorCodes(res: Res): string[] {
  if (!Array.isArray(res.body)) throw new Error(`expected an error array, got ${JSON.stringify(res.body)}`);
  for (const e of res.body as Record<string, unknown>[]) {
    for (const k of ['timestamp', 'code', 'severity', 'category', 'message']) {
      if (typeof e[k] !== 'string') throw new Error(`error item lacks ${k}: ${JSON.stringify(e)}`);
    }
  }
  return (res.body as { code: string }[]).map((e) => e.code);
}

export interface Received {
  at: number;
  raw: Buffer;
  headers: IncomingHttpHeaders;
  json: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides the answer per request (default 200 at once). */
  respond: (r: Received) => { status: number; delayMs?: number };
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: () => ({ status: 200 }), close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const item: Received = { at: Date.now(), raw, headers: req.headers, json: JSON.parse(raw.toString('utf8')) };
      receiver.received.push(item);
      const { status, delayMs } = receiver.respond(item);
      setTimeout(() => res.writeHead(status).end(), delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
