/**
 * What a crash must never break, read from the emulators' own state (not from the connector's
 * tables): exactly one BILL bill per eligible Xero bill, equal totals per currency, exactly one Xero
 * payment per BILL payment application, and Xero's amounts due following from them.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../src/core/money.ts';
import { invoiceNumberFor } from '../../src/flows/erp-to-bill/map-bill.ts';
import { control, type CrashRig, type Json } from './crash-harness.ts';

/** Amounts as exact minor units; the emulators' JSON numbers are read through their decimal text. */
const minor = (amount: number | string, currency: string): bigint => parseMoney(amount, currency).minor;

export interface Ledgers {
  xeroBills: Json[];
  xeroPayments: Json[];
  billBills: Json[];
  billVendors: Map<string, Json>;
  billPayments: Json[];
}

export async function readLedgers(rig: CrashRig): Promise<Ledgers> {
  const [xero, bill] = await Promise.all([control(rig.xero.urls.base, 'GET', '/state'), control(rig.bill.urls.base, 'GET', '/state')]);
  const tenant = xero.tenants[0];
  const org = bill.organizations.find((o: Json) => o.id === bill.defaultOrganizationId);
  return {
    xeroBills: tenant.invoices.filter((i: Json) => i.Type === 'ACCPAY'),
    xeroPayments: tenant.payments.filter((p: Json) => p.Status !== 'DELETED'),
    billBills: org.bills.filter((b: Json) => !b.archived),
    billVendors: new Map(org.vendors.map((v: Json) => [v.id, v])),
    billPayments: org.payments,
  };
}

/** The Xero bills the connector must bring to BILL: approved and wholly unpaid (read before any payment flows back). */
export function eligibleXeroBills(ledgers: Ledgers): Json[] {
  return ledgers.xeroBills.filter((i) => i.Status === 'AUTHORISED' && minor(i.AmountPaid, i.CurrencyCode) === 0n);
}

const key = (vendorName: string, invoiceNumber: string) => `${vendorName.trim().toLowerCase()}|${invoiceNumber.trim().toLowerCase()}`;

/** Exactly one BILL bill per eligible Xero bill (by vendor and invoice number), none extra, and equal totals per currency. */
export function assertOneBillEach(ledgers: Ledgers, eligible: readonly Json[], context: string): void {
  const expected = new Map<string, number>();
  const xeroTotals = new Map<string, bigint>();
  for (const i of eligible) {
    const k = key(i.Contact.Name, invoiceNumberFor({ id: i.InvoiceID, invoiceNumber: i.InvoiceNumber ?? '' } as Parameters<typeof invoiceNumberFor>[0]));
    expected.set(k, (expected.get(k) ?? 0) + 1);
    xeroTotals.set(i.CurrencyCode, (xeroTotals.get(i.CurrencyCode) ?? 0n) + minor(i.Total, i.CurrencyCode));
  }
  const actual = new Map<string, number>();
  const billTotals = new Map<string, bigint>();
  for (const b of ledgers.billBills) {
    const vendor = ledgers.billVendors.get(b.vendorId);
    assert.ok(vendor, `${context}: BILL bill ${b.id} names vendor ${b.vendorId}, which BILL does not have`);
    const k = key(vendor.name, b.invoice.invoiceNumber);
    actual.set(k, (actual.get(k) ?? 0) + 1);
    const currency = vendor.billCurrency ?? 'USD';
    billTotals.set(currency, (billTotals.get(currency) ?? 0n) + minor(b.amount, currency));
  }
  const wrong = [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((k) => (expected.get(k) ?? 0) !== (actual.get(k) ?? 0))
    .map((k) => `${k}: Xero ${expected.get(k) ?? 0}, BILL ${actual.get(k) ?? 0}`);
  assert.deepEqual(wrong, [], `${context}: BILL bills per (vendor, invoice number) differ from the eligible Xero bills`);
  assert.equal(ledgers.billBills.length, eligible.length, `${context}: one BILL bill per eligible Xero bill`);
  assert.deepEqual(sorted(billTotals), sorted(xeroTotals), `${context}: totals per currency`);
}

/**
 * Exactly one Xero payment per settled BILL payment application, found by its reference and of the
 * same amount, and no other payment from the connector; each synced Xero bill's amount due is its
 * total less the BILL payments applied to it.
 */
export function assertOnePaymentEach(ledgers: Ledgers, erpBillOf: ReadonlyMap<string, string>, context: string): { applications: number } {
  const byReference = new Map<string, Json[]>();
  for (const p of ledgers.xeroPayments.filter((x) => String(x.Reference ?? '').startsWith('BILL '))) {
    byReference.set(p.Reference, [...(byReference.get(p.Reference) ?? []), p]);
  }
  const xeroBill = new Map(ledgers.xeroBills.map((i) => [i.InvoiceID as string, i]));
  const paidPerXeroBill = new Map<string, bigint>();
  const problems: string[] = [];
  let applications = 0;
  for (const payment of ledgers.billPayments.filter((p) => p.singleStatus === 'CLEARED')) {
    for (const app of payment.billPayments) {
      applications += 1;
      const reference = `BILL ${payment.id} ${app.id}`;
      const posted = byReference.get(reference) ?? [];
      byReference.delete(reference);
      const erpBillId = erpBillOf.get(app.billId);
      const currency = xeroBill.get(erpBillId ?? '')?.CurrencyCode ?? 'USD';
      if (posted.length !== 1) problems.push(`${reference}: ${posted.length} Xero payments`);
      else if (posted[0].Invoice.InvoiceID !== erpBillId) problems.push(`${reference}: posted against ${posted[0].Invoice.InvoiceID}, not ${erpBillId}`);
      else if (minor(posted[0].Amount, currency) !== minor(app.amount, currency)) problems.push(`${reference}: Xero ${posted[0].Amount}, BILL ${app.amount}`);
      if (erpBillId) paidPerXeroBill.set(erpBillId, (paidPerXeroBill.get(erpBillId) ?? 0n) + minor(app.amount, currency));
    }
  }
  for (const [reference, extra] of byReference) problems.push(`${reference}: ${extra.length} Xero payment(s) with no BILL application`);
  assert.deepEqual(problems, [], `${context}: Xero payments against BILL payment applications`);
  for (const [erpBillId, paid] of paidPerXeroBill) {
    const bill = xeroBill.get(erpBillId);
    assert.ok(bill, `${context}: Xero bill ${erpBillId} exists`);
    const due = minor(bill.Total, bill.CurrencyCode) - paid;
    assert.equal(minor(bill.AmountDue, bill.CurrencyCode), due, `${context}: AmountDue of Xero bill ${bill.InvoiceNumber} is its total less the BILL payments`);
    assert.equal(bill.Status, due === 0n ? 'PAID' : 'AUTHORISED', `${context}: status of Xero bill ${bill.InvoiceNumber}`);
  }
  return { applications };
}

const sorted = (m: Map<string, bigint>): [string, string][] => [...m].map(([c, v]): [string, string] => [c, v.toString()]).sort(([a], [b]) => a.localeCompare(b));
