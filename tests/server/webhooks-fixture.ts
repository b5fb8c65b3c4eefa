/**
 * A server as `serve` runs it, in one process over real HTTP: both emulators, a link connected
 * through the real OAuth and login paths, the durable queue with link workers, and a fastify app
 * with the webhooks plugin on a loopback port. Xero's webhook points at it with a key saved the way
 * a user saves it; BILL's subscription is created through the subscription API. Tests then change
 * data in an emulator and read the result back from the other emulator's state.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import type { BillEmulator } from '../../src/emulators/bill/index.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';
import type { EngineDeps } from '../../src/engine/sync.ts';
import type { Link } from '../../src/model/link.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import type { Db } from '../../src/store/db.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { linkWorkJob, type ServerServices } from '../../src/server/contract.ts';
import { webhooksPlugin } from '../../src/server/webhooks/plugin.ts';
import { saveXeroWebhookKey } from '../../src/app/systems/xero-app.ts';
import { ensureBillSubscription } from '../../src/app/systems/bill-subscriptions/index.ts';
import { startLinkWorkers } from '../../src/server/worker/index.ts';
import { control, type Json } from '../helpers/emulator-control.ts';

export { control, type Json };

export interface LiveServerOptions {
  seed?: number;
  /** Start link workers (default true); tests of the inbound side alone leave them off. */
  workers?: boolean;
  latencyMs?: number;
}

export class LiveServer {
  private xeroToken: string | null = null;

  private constructor(
    readonly emulators: Emulators,
    readonly xero: XeroEmulator,
    readonly bill: BillEmulator,
    readonly services: ServerServices,
    readonly app: FastifyInstance,
    readonly link: Link,
    readonly xeroTenantId: string,
    readonly billOrgId: string,
    readonly xeroWebhookKey: string,
  ) {}

  static async open(db: Db, dataDir: string, options: LiveServerOptions = {}): Promise<LiveServer> {
    const seed = options.seed ?? 11;
    // BILL's 2-4-8-16 s retry schedule shrunk a hundred times, so a disabled subscription takes 0.3 s.
    const emulators = await startEmulators({ only: ['xero', 'bill'], seed, latencyMs: options.latencyMs ?? 0, webhookDelayScale: 0.01 });
    let queue: Queue | null = null;
    let app: FastifyInstance | null = null;
    try {
      const xero = emulators.xero!;
      const bill = emulators.bill!;
      await control(xero.urls.base, 'POST', '/seed', { seed, suppliers: 4, bills: 0, customers: 0, salesInvoices: 0, purchaseOrders: 0 });
      await control(bill.urls.base, 'POST', '/seed', { seed, vendors: 0, bills: 0 });
      const log = silentLogger;
      const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
      const deps: EngineDeps = engineDeps({ db, box, log });
      const rt: Runtime = { db, box, log, dataDir, deps, close: async () => undefined };
      const linked = await connectSandbox(rt, emulators, { linkName: 'live' });
      queue = await startQueue(db, { jobs: [linkWorkJob], pollingIntervalSeconds: 0.5, statsIntervalSeconds: 1 });
      app = Fastify();
      const services: ServerServices = { db, box, log, deps, queue, apiToken: randomBytes(24).toString('hex'), publicUrl: '' };
      await app.register(webhooksPlugin, { services });
      await app.listen({ port: 0, host: '127.0.0.1' });
      services.publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

      const xeroWebhookKey = randomBytes(48).toString('base64');
      await saveXeroWebhookKey(services, xeroWebhookKey);
      xero.setWebhook({ url: `${services.publicUrl}/webhooks/xero`, key: xeroWebhookKey });
      await ensureBillSubscription(services, linked.link.billConnectionId);
      if (options.workers !== false) await startLinkWorkers(services, { concurrency: 1 });
      return new LiveServer(emulators, xero, bill, services, app, linked.link, linked.xeroTenantId, linked.billOrgId, xeroWebhookKey);
    } catch (e) {
      await app?.close();
      await queue?.stop({ timeoutMs: 2000 });
      await emulators.stop();
      throw e;
    }
  }

  get db(): Db {
    return this.services.db;
  }

  /** Calls Xero's Accounting API with a grant of its own, as a bookkeeper's other app would. */
  async xeroApi(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<Json> {
    this.xeroToken ??= (await this.xero.login()).access_token;
    const res = await fetch(`${this.xero.urls.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.xeroToken}`,
        'xero-tenant-id': this.xeroTenantId,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Xero ${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  /** An approved (AUTHORISED), unpaid ACCPAY bill for the first supplier, coded to an expense account. */
  async createApprovedBill(invoiceNumber: string, amount = '125.40'): Promise<Json> {
    const contacts = (await this.xeroApi('GET', '/Contacts')).Contacts as Json[];
    const accounts = (await this.xeroApi('GET', '/Accounts')).Accounts as Json[];
    const expense = accounts.find((a) => a.Type === 'EXPENSE' && a.Code && a.Status === 'ACTIVE');
    const supplier = contacts.find((c) => c.ContactStatus === 'ACTIVE');
    if (!supplier || !expense) throw new Error('the Xero seed has no supplier or expense account');
    const body = await this.xeroApi('PUT', '/Invoices', {
      Invoices: [{
        Type: 'ACCPAY', Status: 'AUTHORISED', InvoiceNumber: invoiceNumber, Contact: { ContactID: supplier.ContactID },
        Date: '2026-09-01', DueDate: '2026-10-01', LineAmountTypes: 'NoTax',
        LineItems: [{ Description: `Webhook test ${invoiceNumber}`, Quantity: 1, UnitAmount: amount, AccountCode: expense.Code }],
      }],
    });
    return body.Invoices[0];
  }

  async xeroInvoice(id: string): Promise<Json> {
    return (await this.xeroApi('GET', `/Invoices/${id}`)).Invoices[0];
  }

  /** The BILL organisation as `/_emulator/state` shows it. */
  async billOrg(): Promise<Json> {
    const state = await control(this.bill.urls.base, 'GET', '/state');
    return state.organizations.find((o: Json) => o.id === this.billOrgId);
  }

  async billBillsNumbered(invoiceNumber: string): Promise<Json[]> {
    const org = await this.billOrg();
    return (org.bills as Json[]).filter((b) => b.invoice?.invoiceNumber === invoiceNumber || b.invoiceNumber === invoiceNumber);
  }

  async webhookRows(system: string): Promise<Json[]> {
    return (await this.db.query('select * from webhook_events where system = $1 order by id', [system])).rows;
  }

  /** Link-work jobs not finished yet (waiting, running or waiting to retry). */
  async unfinishedJobs(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'link-work' and state in ('created', 'active', 'retry')");
    return rows[0]!.n;
  }

  /** Every link-work job ever sent, in any state. */
  async allJobs(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'link-work'");
    return rows[0]!.n;
  }

  /** Waits until both emulators have delivered everything and the queue has run every job. */
  async settle(): Promise<void> {
    await this.xero.flushWebhooks();
    await this.bill.ctx.webhooks.idle();
    await waitFor('the queue to drain', async () => ((await this.unfinishedJobs()) === 0 ? true : undefined), 60_000);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.services.queue.stop({ timeoutMs: 5000 });
    await this.emulators.stop();
  }
}

/**
 * Polls until check returns a value (not undefined), or fails after timeoutMs naming what it waited
 * for. The outcome never depends on timing: only how long a passing test takes does.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
