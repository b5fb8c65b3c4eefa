/**
 * Shared helpers for the Acumatica emulator tests: a small cookie-keeping client over real loopback
 * fetch that speaks the value-wrapped wire format, control calls, and value wrapping shorthands.
 */
import { control as controlAt, toRes, type Res } from '../helpers/emulator-control.ts';
import { startAcumaticaEmulator, type AcumaticaEmulator, type AcumaticaEmulatorOptions } from '../../src/emulators/acumatica/index.ts';

export { toRes, type Res };
export { startReceiver, waitFor, sleepMs } from '../helpers/webhook-receiver.ts';

/** `{"value": v}` for each field given. */
export function wrap(fields: Record<string, unknown>): Record<string, { value: unknown }> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: v }]));
}

/** The plain values of a wire record's wrapped fields (system fields and arrays left out). */
export function values(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && 'value' in v) out[k] = (v as { value: unknown }).value;
  }
  return out;
}

export const control = (acu: AcumaticaEmulator, method: 'GET' | 'POST', path: string, body?: unknown) => controlAt(acu.urls.base, method, path, body);

export async function login(acu: AcumaticaEmulator, overrides: Record<string, unknown> = {}): Promise<Res> {
  const { name, password, tenant, branch } = acu.sandbox;
  return toRes(await fetch(acu.urls.login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password, tenant, branch, ...overrides }) }));
}

export class AcuClient {
  constructor(
    readonly acu: AcumaticaEmulator,
    readonly auth: { cookie?: string; bearer?: string },
  ) {}

  static async open(acu: AcumaticaEmulator, overrides: Record<string, unknown> = {}): Promise<AcuClient> {
    const res = await login(acu, overrides);
    if (res.status !== 204) throw new Error(`login failed: ${res.status} ${res.text}`);
    return new AcuClient(acu, { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') });
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const url = path.startsWith('http') ? path : `${this.acu.urls.endpoint}${path}`;
    const r = await fetch(url, {
      method,
      headers: {
        ...(this.auth.cookie ? { cookie: this.auth.cookie } : {}),
        ...(this.auth.bearer ? { authorization: `Bearer ${this.auth.bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return toRes(r);
  }

  get(path: string): Promise<Res> {
    return this.call('GET', path);
  }
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<Res> {
    return this.call('PUT', path, body, headers);
  }

  /** Runs an action and polls its Location until it is no longer 202; returns the final answer. */
  async action(entity: string, action: string, keys: Record<string, unknown>): Promise<{ first: Res; final: Res; polls: number }> {
    const first = await this.call('POST', `/${entity}/${action}`, { entity: wrap(keys), parameters: {} });
    let final = first;
    let polls = 0;
    while (final.status === 202 && polls < 10) {
      final = await this.call('GET', first.headers.get('location')!);
      polls += 1;
    }
    return { first, final, polls };
  }

  logout(): Promise<Res> {
    return this.call('POST', this.acu.urls.logout);
  }
}

export async function openAcumatica(options: AcumaticaEmulatorOptions = {}): Promise<{ acu: AcumaticaEmulator; c: AcuClient }> {
  const acu = await startAcumaticaEmulator({ webhookDelayScale: 0.001, ...options });
  return { acu, c: await AcuClient.open(acu) };
}

/** A released bill of `amount` for vendor V00002 on account 61000 (created through the API). */
export async function releasedBill(c: AcuClient, amount: number, vendor = 'V00002'): Promise<Record<string, unknown>> {
  const put = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: vendor, Hold: false, VendorRef: `T-${amount}-${Math.round(amount * 7)}` }), Details: [wrap({ Account: '61000', Subaccount: '100010', ExtendedCost: amount })] });
  if (put.status !== 200) throw new Error(`bill refused: ${put.status} ${put.text}`);
  const { final } = await c.action('Bill', 'ReleaseBill', { Type: 'Bill', ReferenceNbr: put.body.ReferenceNbr.value });
  if (final.status !== 204) throw new Error(`release failed: ${final.status} ${final.text}`);
  return values(put.body);
}
