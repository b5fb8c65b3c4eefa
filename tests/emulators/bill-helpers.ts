/**
 * Shared helpers for the BILL emulator tests: a tiny HTTP client over real loopback fetch, control
 * calls, and a local webhook receiver that keeps the exact body bytes for signature checks.
 */
import { startReceiver as startReceiverAt, type Receiver } from '../helpers/webhook-receiver.ts';
import { controlAnswer, toRes, type Res } from '../helpers/emulator-control.ts';
import { randomUUID } from 'node:crypto';
import type { BillEmulator } from '../../src/emulators/bill/index.ts';

export { toRes, type Res };

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

export const control = (bill: BillEmulator, method: string, path: string, body?: unknown): Promise<Res> => controlAnswer(bill.urls.base, method, path, body);

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

export { type Received, type Receiver, sleepMs, waitFor } from '../helpers/webhook-receiver.ts';

/** A webhook endpoint on loopback for this emulator's deliveries. */
export const startReceiver = (): Promise<Receiver> => startReceiverAt('/hook');
