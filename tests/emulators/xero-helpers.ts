/**
 * Shared helpers for the Xero emulator tests: a small client over real loopback fetch that logs in
 * through the sandbox app's OAuth flow, control calls, and a local webhook receiver that keeps the
 * exact body bytes so signatures can be checked.
 */
import { startReceiver as startReceiverAt, type Receiver } from '../helpers/webhook-receiver.ts';
import { controlAnswer, toRes, type Res } from '../helpers/emulator-control.ts';
import { startXeroEmulator, type XeroEmulator, type XeroEmulatorOptions } from '../../src/emulators/xero/index.ts';

export { toRes, type Res };

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

export const control = (em: XeroEmulator, method: string, path: string, body?: unknown): Promise<Res> => controlAnswer(em.urls.base, method, path, body);

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

export { type Received, type Receiver, sleepMs, waitFor } from '../helpers/webhook-receiver.ts';

/** A webhook endpoint on loopback for this emulator's deliveries. */
export const startReceiver = (): Promise<Receiver> => startReceiverAt('/xero-hook');
