/**
 * Shared helpers for the Xero emulator tests: a small client over real loopback fetch that logs in
 * through the sandbox app's OAuth flow, control calls, and a local webhook receiver that keeps the
 * exact body bytes so signatures can be checked.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startXeroEmulator, type XeroEmulator, type XeroEmulatorOptions } from '../../src/emulators/xero/index.ts';

export interface Res {
  status: number;
  // Tests read arbitrary JSON shapes; each test checks the fields it cares about.
  body: any;
  text: string;
  headers: Headers;
}

export async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown = text;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: r.status, body, text, headers: r.headers };
}

export class XeroClient {
  tenantId: string;
  constructor(
    readonly em: XeroEmulator,
    public accessToken: string,
    public refreshToken: string | undefined,
  ) {
    this.tenantId = em.tenantIds.primary;
  }

  static async open(em: XeroEmulator, scope?: string): Promise<XeroClient> {
    const t = await em.login(scope ? { scope } : {});
    return new XeroClient(em, t.access_token, t.refresh_token);
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(`${this.em.urls.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        'xero-tenant-id': this.tenantId,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return toRes(r);
  }

  get(path: string, headers?: Record<string, string>): Promise<Res> {
    return this.call('GET', path, undefined, headers);
  }
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<Res> {
    return this.call('PUT', path, body, headers);
  }
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Res> {
    return this.call('POST', path, body, headers);
  }
}

/** Starts an emulator and logs in; the caller stops it. */
export async function openXero(opts: XeroEmulatorOptions = {}): Promise<{ em: XeroEmulator; c: XeroClient }> {
  const em = await startXeroEmulator({ seed: 11, ...opts });
  const c = await XeroClient.open(em);
  return { em, c };
}

export async function control(em: XeroEmulator, method: string, path: string, body?: unknown): Promise<Res> {
  const r = await fetch(`${em.urls.base}/_emulator${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return toRes(r);
}

export const advance = (em: XeroEmulator, seconds: number) => control(em, 'POST', '/clock', { advanceSeconds: seconds });

export function basic(em: XeroEmulator): string {
  return `Basic ${Buffer.from(`${em.sandbox.clientId}:${em.sandbox.clientSecret}`).toString('base64')}`;
}

/** POSTs a form to the token endpoint with the sandbox client's Basic auth. */
export async function tokenCall(em: XeroEmulator, form: Record<string, string>, auth = basic(em)): Promise<Res> {
  const r = await fetch(`${em.urls.identity}/connect/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return toRes(r);
}

/** A minimal valid bill for the primary tenant. */
export function billInput(contactId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'ACCPAY',
    Contact: { ContactID: contactId },
    Date: '2026-11-02',
    DueDate: '2026-12-02',
    InvoiceNumber: 'TEST-1',
    LineItems: [{ Description: 'Widgets', Quantity: 3, UnitAmount: 33.33, AccountCode: '453' }],
    ...overrides,
  };
}

/** The first ACTIVE supplier of the primary tenant. */
export function aSupplier(em: XeroEmulator): string {
  const t = em.state.primary;
  const s = [...t.contacts.values()].find((c) => c.IsSupplier && c.ContactStatus === 'ACTIVE');
  if (!s) throw new Error('seed has no supplier');
  return s.ContactID;
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
  /** Decides the answer per request (default 200, empty body). */
  respond: (r: Received) => { status: number; delayMs?: number; body?: string; cookie?: boolean };
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
      const { status, delayMs, body, cookie } = receiver.respond(item);
      setTimeout(() => {
        if (cookie) res.setHeader('set-cookie', 'session=abc');
        res.writeHead(status).end(body ?? '');
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xero-hook`;
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
