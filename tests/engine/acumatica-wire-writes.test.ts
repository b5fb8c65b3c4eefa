/**
 * What the Acumatica ⇄ BILL pair puts on Acumatica's wire, seen by a whole run over real HTTP on
 * both back-ends: every field of every write (the Check saved, the actions releasing it) wrapped
 * as `{"value": …}`, as the contract-based API requires (Entity Representation in JSON), and
 * holding what was meant; an insert-only PUT answered 412 fails that payment alone with a reason
 * naming it, posts nothing, and a replay posts it once; and an endpoint version the instance does
 * not serve is refused at connect and at sync with the versions it offers, before any sign-in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/core/log.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import { acumaticaCredentialsFlow } from '../../src/app/systems/acumatica-credentials.ts';
import { replay } from '../../src/engine/replay.ts';
import { startAcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { forEachBackend } from '../helpers/db.ts';
import { AcumaticaSandbox, control, type Json } from '../helpers/acumatica-sandbox.ts';
import { HttpTap, type TappedRequest } from '../helpers/http-tap.ts';
import { acumaticaBillOf, assertOnePaymentEach, eligibleAcumaticaBills, readAcumaticaLedgers } from './crash-acumatica-checks.ts';

/** Keys the contract-based API sends bare: record and row ids, row numbers, the delete marker (Entity Representation in JSON). */
const systemKeys = new Set(['id', 'rowNumber', 'delete', 'custom', '_links', 'files']);

/** Every path in an entity body whose value is not `{"value": …}`; detail rows and linked entities are walked alike. */
function bareFields(entity: Json, at: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(entity ?? {})) {
    if (systemKeys.has(k)) continue;
    const path = `${at}.${k}`;
    if (Array.isArray(v)) v.forEach((row, i) => out.push(...bareFields(row, `${path}[${i}]`)));
    else if (v && typeof v === 'object' && 'value' in v) {
      if (Object.keys(v).length !== 1) out.push(`${path} (more than a value)`);
    } else if (v && typeof v === 'object') out.push(...bareFields(v, path));
    else out.push(path);
  }
  return out;
}

/** The entity bodies of a write: the record of a PUT, the `entity` and `parameters` of an action. */
function entitiesOf(r: TappedRequest): [string, Json][] {
  const body = JSON.parse(r.body || '{}');
  const name = `${r.method} ${r.path.split('?')[0]}`;
  if (r.method === 'POST') return [[`${name} entity`, body.entity], [`${name} parameters`, body.parameters ?? {}]];
  return [[name, body]];
}

const checkPut = /^PUT \/entity\/Default\/[^/]+\/Check$/;
const apiWrite = /^(PUT|POST|PATCH) \/entity\/Default\//;

forEachBackend('Acumatica ⇄ BILL on the wire', (backend) => {
  let sb: AcumaticaSandbox;
  let tap: HttpTap;
  /** BILL bill id → its Acumatica document, read once before any payment flows back. */
  let billOf: Map<string, string>;
  const ledgers = () => readAcumaticaLedgers({ acumatica: sb.acu.urls.base, bill: sb.bill.urls.base });

  before(async () => {
    sb = await AcumaticaSandbox.open(backend.db, backend.dataDir, {
      seed: 23,
      vendors: 10,
      bills: 30,
      instanceUrl: async (acu) => (tap = await HttpTap.open(acu.urls.base)).base,
    });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    const l = await ledgers();
    assert.equal(l.billBills.length, eligibleAcumaticaBills(l).length);
    billOf = acumaticaBillOf(l, eligibleAcumaticaBills(l));
    assert.equal(billOf.size, l.billBills.length);
  });
  after(async () => {
    await sb?.close();
    await tap?.close();
  });

  test('every field the run writes to Acumatica is value-wrapped, and the saved payment holds what was meant', async () => {
    const before = await ledgers();
    const [full, part] = before.billBills;
    await sb.pay(full.id);
    await sb.pay(part.id, '10.25');
    tap.requests.length = 0;
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.counts['payment.create'], 2, JSON.stringify(run.counts));
    const writes = tap.matching(apiWrite);
    assert.equal(tap.matching(checkPut).length, 2, 'one PUT per payment');
    assert.ok(tap.matching(/\/Check\/ReleaseCheck$/).length >= 2, 'each payment released');
    const bare = writes.flatMap((w) => entitiesOf(w).flatMap(([name, entity]) => bareFields(entity, name)));
    assert.deepEqual(bare, [], 'no field written bare');
    // What was sent is what Acumatica keeps: the PUT of the partial payment against its bill.
    const after = await ledgers();
    assertOnePaymentEach(after, billOf, 'after the payments');
    const sent = tap.matching(checkPut).map((w) => JSON.parse(w.body)).find((b) => b.PaymentAmount.value === 10.25);
    assert.ok(sent, 'the partial payment was sent with its amount as a number');
    const saved = after.acuChecks.find((c) => c.Description === sent.Description.value)!;
    for (const field of ['Type', 'Vendor', 'PaymentMethod', 'CashAccount', 'PaymentRef', 'Description', 'Hold']) assert.equal(saved[field], sent[field].value, field);
    assert.deepEqual([saved.CashAccount, saved.PaymentMethod], ['10100', 'CHECK'], 'on the link settings\' cash account and payment method');
    const [row] = sent.Details;
    assert.equal(`${row.DocType.value}|${row.ReferenceNbr.value}`, billOf.get(part.id), 'applied to the original bill');
    assert.equal(row.AmountPaid.value, 10.25);
  });

  test('an insert-only PUT answered 412 fails that payment alone, naming it; nothing is posted twice and a replay posts it once', async () => {
    const before = await ledgers();
    const unpaid = before.billBills.filter((b) => Number(b.paidAmount ?? 0) === 0 && !before.billPayments.some((p: Json) => p.billPayments.some((a: Json) => a.billId === b.id)));
    const [refusedBill, okBill] = unpaid;
    assert.ok(refusedBill && okBill, 'two unpaid BILL bills');
    const refusedPayment = await sb.pay(refusedBill.id);
    await sb.pay(okBill.id);
    const checksBefore = before.acuChecks.length;
    // Acumatica answers 412 to `If-None-Match: *` when the record already exists (Basic_Create_Record
    // example): the first Check PUT of the run gets that answer and never reaches the instance.
    let refused: TappedRequest | null = null;
    tap.answer = (r) => {
      if (refused || !checkPut.test(`${r.method} ${r.path.split('?')[0]}`) || !r.body.includes(refusedPayment.id)) return null;
      refused = r;
      return { status: 412, body: { message: 'The record already exists.' } };
    };
    const run = await sb.sync();
    tap.answer = () => null;
    assert.ok(refused, 'the PUT was answered 412');
    assert.equal((refused as TappedRequest).headers['if-none-match'], '*', 'the Check is saved insert-only');
    assert.equal(run.counts['payment.create'], 1, JSON.stringify(run.counts));
    assert.equal(run.counts['payment.fail'], 1, JSON.stringify(run.counts));
    const failed = run.plan.find((p) => p.entity === 'payment' && /412/.test(JSON.stringify(p)));
    assert.ok(failed, `the failure names the 412: ${JSON.stringify(run.plan)}`);
    assert.match(JSON.stringify(failed), /precondition|already exists/i);
    assert.equal(tap.matching(checkPut).filter((r) => r.body.includes(refusedPayment.id)).length, 1, 'the refused PUT was not sent again');
    const middle = await ledgers();
    assert.equal(middle.acuChecks.length, checksBefore + 1, 'only the other payment was posted');
    const replayed = await replay(sb.rt.deps, sb.link, { failed: true });
    assert.equal(replayed.status, 'succeeded', JSON.stringify(replayed.error));
    const again = await replay(sb.rt.deps, sb.link, { failed: true });
    assert.equal(again.counts['payment.create'] ?? 0, 0, 'a second replay posts nothing');
    assertOnePaymentEach(await ledgers(), billOf, 'after the replay');
  });

  test('an endpoint version the instance does not serve is refused naming the versions offered, before any sign-in', async () => {
    // At connect: an instance that serves other versions of the Default endpoint only.
    const other = await startAcumaticaEmulator({ seed: 3, versions: ['23.200.001', '25.100.001'] });
    try {
      const values = { tenant: other.sandbox.tenant, branch: other.sandbox.branch, username: other.sandbox.name, password: other.sandbox.password };
      const error = await acumaticaCredentialsFlow.check(values, acumaticaCredentialsFlow.urlsFor(other.urls.base), silentLogger).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof ConnectorError, String(error));
      assert.equal(error.code, 'MLC_ERR_CONFIG');
      assert.match(error.message, /does not serve the Default\/24\.200\.001 endpoint; it offers Default\/23\.200\.001, Default\/25\.100\.001/);
      assert.ok(!error.message.includes(other.sandbox.password), 'no password in the error');
      const stats = await control(other.urls.base, 'GET', '/stats');
      assert.equal(stats.callsByEndpoint['POST /entity/auth/login'] ?? 0, 0, 'no sign-in was made');
    } finally {
      await other.stop();
    }
    // At sync: the linked instance's administrator has replaced the endpoint version since.
    const served = [...sb.acu.options.versions];
    sb.acu.options.versions.splice(0, served.length, '25.100.001');
    try {
      await control(sb.acu.urls.base, 'POST', '/stats/reset', {});
      const run = await sb.sync();
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'MLC_ERR_CONFIG', JSON.stringify(run.error));
      assert.match(run.error!.message, /it offers Default\/25\.100\.001/);
      const stats = await control(sb.acu.urls.base, 'GET', '/stats');
      assert.equal(stats.callsByEndpoint['POST /entity/auth/login'] ?? 0, 0, 'no licence seat was taken');
    } finally {
      sb.acu.options.versions.splice(0, 1, ...served);
    }
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  });
});
