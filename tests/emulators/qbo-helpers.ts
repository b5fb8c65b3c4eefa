/**
 * Shared helpers for the QuickBooks Online emulator tests: a client over real loopback fetch that
 * logs in through the sandbox app's OAuth flow and calls /v3/company/{realmId}/…, control calls,
 * and a small reader of the XSD's element declarations (the official schemas are XML data).
 */
import { readFileSync } from 'node:fs';
import { controlAnswer, toRes, type Res } from '../helpers/emulator-control.ts';
import { startQboEmulator, type QboEmulator, type QboEmulatorOptions } from '../../src/emulators/qbo/index.ts';

export { toRes, type Res };

export class QboClient {
  realmId: string;
  constructor(
    readonly em: QboEmulator,
    public accessToken: string,
    public refreshToken: string | undefined,
  ) {
    this.realmId = em.sandbox.realmId;
  }

  static async open(em: QboEmulator): Promise<QboClient> {
    const t = await em.login();
    return new QboClient(em, t.access_token, t.refresh_token);
  }

  /** `path` is relative to /v3/company/{realmId}; minorversion=75 is added as clients send it. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, realmId = this.realmId): Promise<Res> {
    const url = new URL(`${this.em.urls.api}/${realmId}${path}`);
    if (!url.searchParams.has('minorversion')) url.searchParams.set('minorversion', '75');
    const r = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'application/text' : 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return toRes(r);
  }

  query(text: string): Promise<Res> {
    return this.call('GET', `/query?query=${encodeURIComponent(text)}`);
  }
}

export async function startQbo(opts: QboEmulatorOptions = {}): Promise<{ em: QboEmulator; client: QboClient }> {
  const em = await startQboEmulator({ seed: 7, ...opts });
  return { em, client: await QboClient.open(em) };
}

export async function control(em: QboEmulator, method: string, path: string, body?: unknown): Promise<Res> {
  return controlAnswer(em.urls.base, method, path, body);
}

export const basic = (em: QboEmulator): string => `Basic ${Buffer.from(`${em.sandbox.clientId}:${em.sandbox.clientSecret}`).toString('base64')}`;

export async function tokenCall(em: QboEmulator, form: Record<string, string>): Promise<Res> {
  return toRes(await fetch(em.urls.token, {
    method: 'POST',
    headers: { authorization: basic(em), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  }));
}

/** The first expense account, the AP account, the bank and card accounts and a vendor of the seeded company. */
export async function seeded(client: QboClient): Promise<{ expense: any; ap: any; bank: any; card: any; vendor: any }> {
  const accounts = (await client.query('select * from Account MAXRESULTS 1000')).body.QueryResponse.Account as any[];
  const vendor = (await client.query('select * from Vendor')).body.QueryResponse.Vendor[0];
  return {
    expense: accounts.find((a) => a.AccountType === 'Expense'),
    ap: accounts.find((a) => a.AccountType === 'Accounts Payable'),
    bank: accounts.find((a) => a.AccountType === 'Bank'),
    card: accounts.find((a) => a.AccountType === 'Credit Card'),
    vendor,
  };
}

export const expenseLine = (accountId: string, amount: number | string) => ({
  Amount: amount,
  DetailType: 'AccountBasedExpenseLineDetail',
  AccountBasedExpenseLineDetail: { AccountRef: { value: accountId } },
});
