/**
 * Webhook latency (`npm run bench:webhooks [-- --n 10]`): how long a change takes to reach the other
 * side through webhooks alone. Both emulators answer every call after 25 ms; the server's webhook
 * endpoints, the durable queue and one link worker run in this process on an embedded database in
 * a temporary directory. N approved bills are created in Xero one at a time, each timed from the
 * moment Xero accepted it to the moment the bill exists in BILL; then each is paid in BILL and timed
 * until the payment shows on the Xero bill (PAID). Prints median and p95 of both and where the time
 * went (webhook-timeline.ts: delivery, receipt, queue pick-up, reads, writes, database); the target
 * is a p95 under 1 second each way.
 *
 * Each change is made the moment the previous one is seen, so a change can wait for the job that
 * handles the echo of the connector's own previous write (Xero reports the payment it was sent as
 * an INVOICE UPDATE, BILL the bill it was sent): the queue runs one job per BILL organisation at a
 * time. `--settled` makes each change only once the connector has settled (no job queued or
 * running, nothing received for 300 ms), as when people make changes seconds apart.
 *
 * `--poll-only` runs the worker as it was before it was woken on enqueue and at the end of each
 * job (pg-boss polling every 0.5 s alone), to compare the two on the same machine.
 *
 * The default of 10 changes each way keeps the run inside Xero's 60 calls a minute per tenant: each
 * follow-up reads accounts, contacts and the bill (a few calls), and the benchmark's own bill creates
 * count against the same tenant, so at 20 changes within a minute the limiter, not the webhook path,
 * sets the pace (as it would in production).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { openRuntime } from '../app/runtime.ts';
import { startEmulators } from '../emulators/index.ts';
import { connectSandbox } from '../sandbox/connect.ts';
import { startQueue } from '../store/queue.ts';
import { linkWorkJob, type ServerServices } from '../server/contract.ts';
import { ensureBillSubscription } from '../app/systems/bill-subscriptions/index.ts';
import { webhooksPlugin } from '../server/webhooks/plugin.ts';
import { saveXeroWebhookKey } from '../app/systems/xero-app.ts';
import { startLinkWorkers } from '../server/worker/index.ts';
import { handleLinkWork } from '../server/worker/handler.ts';
import { now, WebhookTimeline, type ChangeBreakdown } from './webhook-timeline.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10' }, latency: { type: 'string', default: '25' }, trace: { type: 'boolean', default: false }, settled: { type: 'boolean', default: false }, 'poll-only': { type: 'boolean', default: false } } });
const n = Number(values.n);
const latencyMs = Number(values.latency);
if (!Number.isInteger(n) || n < 1 || n > 500) throw new Error('--n must be a whole number from 1 to 500');

const parts: [keyof ChangeBreakdown, string][] = [
  ['deliveryMs', 'webhook delivery'],
  ['receiveMs', 'receipt, enqueue, commit'],
  ['pickUpMs', 'queue pick-up'],
  ['behindOtherJobMs', '  of which behind another job'],
  ['readsMs', 'reads'],
  ['writesMs', 'writes'],
  ['databaseMs', 'database'],
  ['otherMs', 'other'],
];

function printBreakdown(direction: string, changes: ChangeBreakdown[]): void {
  const cell = (key: keyof ChangeBreakdown) => {
    const s = summary(changes.map((c) => c[key] as number));
    return `${Math.round(s.median)} / ${Math.round(s.p95)} ms`;
  };
  console.log(`  ${direction}: ${parts.map(([key, label]) => `${label.trim()} ${cell(key)}`).join(', ')}`);
  const calls = new Map<string, number>();
  for (const c of changes) calls.set(c.calls.join(', '), (calls.get(c.calls.join(', ')) ?? 0) + 1);
  const [usual] = [...calls].sort((a, b) => b[1] - a[1]);
  if (usual) console.log(`    calls of the follow-up (${usual[1]} of ${changes.length} changes): ${usual[0] || 'none'}`);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! };
};

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** With --settled: until no link-work job is queued or running and nothing came in or ended for 300 ms. */
async function settled(db: { query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> }): Promise<void> {
  if (!values.settled) return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')`, [linkWorkJob.name]);
    if (rows[0]!.n === 0 && now() - timeline.lastActivity() >= 300) return;
    if (Date.now() > deadline) throw new Error('the connector did not settle within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'mlc-bench-webhooks-'));
const timeline = new WebhookTimeline();
const emulators = await startEmulators({ only: ['xero', 'bill'], seed: 5, latencyMs });
// The runtime logs to the timeline, which keeps the API calls' timings (and drops every other line).
const rt = await openRuntime({ dataDir, masterKey: randomBytes(32).toString('hex'), log: timeline.logger });
const xero = emulators.xero!;
const bill = emulators.bill!;
try {
  xero.seed({ seed: 5, suppliers: 4, bills: 0, customers: 0, salesInvoices: 0, purchaseOrders: 0 });
  bill.seed({ seed: 5, vendors: 0, bills: 0 });
  const linked = await connectSandbox(rt, emulators, { linkName: 'bench' });
  const queue = await startQueue(rt.db, { jobs: [linkWorkJob], pollingIntervalSeconds: 0.5, statsIntervalSeconds: 1 });
  const app = Fastify();
  timeline.watchWebhooks(app);
  timeline.watchDatabase(rt.db);
  const services: ServerServices = { db: rt.db, box: rt.box, log: rt.log, deps: rt.deps, queue: timeline.watchQueue(queue), apiToken: randomBytes(24).toString('hex'), publicUrl: '' };
  await app.register(webhooksPlugin, { services });
  await app.listen({ port: 0, host: '127.0.0.1' });
  services.publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const key = randomBytes(48).toString('base64');
  await saveXeroWebhookKey(services, key);
  xero.setWebhook({ url: `${services.publicUrl}/webhooks/xero`, key });
  await ensureBillSubscription(services, linked.link.billConnectionId);
  if (values['poll-only']) {
    // For comparison: a worker pg-boss only polls, never woken on enqueue or at the end of a job.
    await services.queue.work(linkWorkJob, (work, job) => handleLinkWork(services.deps, services.db, work, { id: job.id, retryCount: job.retryCount, signal: job.signal }), { localConcurrency: 1 });
  } else await startLinkWorkers(services, { concurrency: 1 });

  // The changes are made as a person in Xero would, through another app: at Xero the connector's
  // allowance (60 calls a minute) is per app and tenant, so they must not use it up.
  const token = (await xero.otherApp('Bookkeeper in Xero')).tokens.access_token;
  const tenant = xero.state.tenant(linked.xeroTenantId)!;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${xero.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'xero-tenant-id': linked.xeroTenantId, accept: 'application/json', 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`Xero ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const contact = (await call('GET', '/Contacts')).Contacts.find((c: any) => c.ContactStatus === 'ACTIVE');
  const expense = (await call('GET', '/Accounts')).Accounts.find((a: any) => a.Type === 'EXPENSE' && a.Code && a.Status === 'ACTIVE');
  const billOrg = () => bill.state.org(linked.billOrgId)!;
  const billOf = (invoiceNumber: string) => [...billOrg().bills.values()].find((b) => b.invoice.invoiceNumber === invoiceNumber);

  const traces = { bills: [] as string[][], payments: [] as string[][] };
  const billMs: number[] = [];
  const billParts: ChangeBreakdown[] = [];
  const created: { invoiceId: string; number: string }[] = [];
  for (let i = 1; i <= n; i += 1) {
    const number = `LAT-${String(i).padStart(4, '0')}`;
    await settled(rt.db);
    const inv = (await call('PUT', '/Invoices', {
      Invoices: [{ Type: 'ACCPAY', Status: 'AUTHORISED', InvoiceNumber: number, Contact: { ContactID: contact.ContactID }, Date: '2026-09-01', DueDate: '2026-10-01', LineAmountTypes: 'NoTax', LineItems: [{ Description: number, Quantity: 1, UnitAmount: `${100 + i}.25`, AccountCode: expense.Code }] }],
    })).Invoices[0];
    const t0 = now();
    await until(() => billOf(number) !== undefined, `${number} in BILL`);
    billMs.push(now() - t0);
    billParts.push(timeline.breakdown(t0, now()));
    traces.bills.push(timeline.trace(t0, now()));
    created.push({ invoiceId: inv.InvoiceID, number });
  }

  const paymentMs: number[] = [];
  const paymentParts: ChangeBreakdown[] = [];
  for (const c of created) {
    await settled(rt.db);
    const t0 = now();
    bill.pay({ billId: billOf(c.number)!.id });
    await until(() => tenant.invoices.get(c.invoiceId)?.Status === 'PAID', `payment of ${c.number} in Xero`);
    paymentMs.push(now() - t0);
    paymentParts.push(timeline.breakdown(t0, now()));
    traces.payments.push(timeline.trace(t0, now()));
  }

  const bills = summary(billMs);
  const payments = summary(paymentMs);
  const fmt = (ms: number) => `${Math.round(ms)} ms`;
  console.log(`webhook latency, ${n} changes each way (${values.settled ? 'each once the previous one settled' : 'back to back'}${values['poll-only'] ? '; worker polling only' : ''}), emulators at ${latencyMs} ms per call, one worker, embedded database`);
  console.log(`  Xero bill approved -> bill in BILL:      median ${fmt(bills.median)}, p95 ${fmt(bills.p95)}, max ${fmt(bills.max)}`);
  console.log(`  BILL payment made  -> payment in Xero:   median ${fmt(payments.median)}, p95 ${fmt(payments.p95)}, max ${fmt(payments.max)}`);
  console.log('');
  console.log('where the time goes (median / p95 over the changes of each direction):');
  printBreakdown('Xero bill -> BILL', billParts);
  printBreakdown('BILL payment -> Xero', paymentParts);
  if (values.trace) {
    // The slowest change of each direction, event by event.
    const slowest = (ms: number[]) => ms.indexOf(Math.max(...ms));
    console.log(['', 'slowest Xero bill, event by event:', ...traces.bills[slowest(billMs)]!.map((l) => `  ${l}`)].join('\n'));
    console.log(['', 'slowest BILL payment, event by event:', ...traces.payments[slowest(paymentMs)]!.map((l) => `  ${l}`)].join('\n'));
  }
  const ok = bills.p95 < 1000 && payments.p95 < 1000;
  console.log(ok ? '  target p95 < 1 s each way: met' : '  target p95 < 1 s each way: NOT met');
  await app.close();
  await queue.stop({ timeoutMs: 5000 });
  process.exitCode = ok ? 0 : 1;
} finally {
  await emulators.stop();
  await rt.close();
  rmSync(dataDir, { recursive: true, force: true });
}
