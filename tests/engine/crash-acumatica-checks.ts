/**
 * What must hold on Acumatica ⇄ BILL after a crash or under faults, read from the emulators' own
 * state (not the connector's tables): exactly one BILL bill per released, unpaid Acumatica bill
 * with equal totals per currency; exactly one released Acumatica payment (Check, type Payment) per
 * BILL payment application, of its amount, applied to the original bill; and each such bill's
 * balance lowered by what BILL paid, Closed at zero.
 */
import assert from 'node:assert/strict';
import { control, minorOf, releasedUnpaid, unwrap, type Json } from '../helpers/acumatica-sandbox.ts';

export interface AcumaticaLedgers {
  acuBills: Json[];
  acuVendors: Map<string, Json>;
  acuChecks: Json[];
  billBills: Json[];
  billVendors: Map<string, Json>;
  billPayments: Json[];
}

export async function readAcumaticaLedgers(bases: { acumatica: string; bill: string }, tenant = 'Company'): Promise<AcumaticaLedgers> {
  const [acu, bill] = await Promise.all([control(bases.acumatica, 'GET', '/state'), control(bases.bill, 'GET', '/state')]);
  const records = acu.tenants.find((t: Json) => t.name === tenant).records;
  const org = bill.organizations.find((o: Json) => o.id === bill.defaultOrganizationId);
  return {
    acuBills: records.Bill.map(unwrap),
    acuVendors: new Map(records.Vendor.map(unwrap).map((v: Json) => [v.VendorID, v])),
    acuChecks: (records.Check ?? []).map(unwrap),
    billBills: org.bills.filter((b: Json) => !b.archived),
    billVendors: new Map(org.vendors.map((v: Json) => [v.id, v])),
    billPayments: org.payments,
  };
}

/** The invoice number a document has in BILL (src/systems/acumatica/to-model.ts: an adjustment is named apart from its bill). */
function invoiceNumberOf(b: Json): string {
  const ref = String(b.VendorRef ?? '').trim();
  if (b.Type === 'Bill') return ref || b.ReferenceNbr;
  return ref ? `${ref} (${b.Type} ${b.ReferenceNbr})` : `${b.Type} ${b.ReferenceNbr}`;
}

const key = (vendorName: string, invoiceNumber: string) => `${vendorName.trim().toLowerCase()}|${invoiceNumber.trim().toLowerCase()}`;

/** `Type|ReferenceNbr` of each BILL bill's Acumatica document, matched by vendor name and invoice number. */
export function acumaticaBillOf(ledgers: AcumaticaLedgers, eligible: readonly Json[]): Map<string, string> {
  const byKey = new Map(eligible.map((b) => [key(ledgers.acuVendors.get(b.Vendor)?.VendorName ?? '', invoiceNumberOf(b)), `${b.Type}|${b.ReferenceNbr}`]));
  const out = new Map<string, string>();
  for (const b of ledgers.billBills) {
    const id = byKey.get(key(ledgers.billVendors.get(b.vendorId)?.name ?? '', b.invoice.invoiceNumber));
    if (id) out.set(b.id, id);
  }
  return out;
}

/** The documents that must reach BILL, read before any payment flows back. */
export const eligibleAcumaticaBills = (ledgers: AcumaticaLedgers): Json[] => releasedUnpaid(ledgers.acuBills);

/** Exactly one BILL bill per eligible Acumatica document (by vendor name and invoice number), none extra, equal totals per currency. */
export function assertOneBillEach(ledgers: AcumaticaLedgers, eligible: readonly Json[], context: string): void {
  const expected = new Map<string, number>();
  const acuTotals = new Map<string, bigint>();
  for (const b of eligible) {
    const vendor = ledgers.acuVendors.get(b.Vendor);
    const k = key(vendor?.VendorName ?? '', invoiceNumberOf(b));
    expected.set(k, (expected.get(k) ?? 0) + 1);
    acuTotals.set(b.CurrencyID, (acuTotals.get(b.CurrencyID) ?? 0n) + minorOf(b.Amount, b.CurrencyID));
  }
  const actual = new Map<string, number>();
  const billTotals = new Map<string, bigint>();
  for (const b of ledgers.billBills) {
    const vendor = ledgers.billVendors.get(b.vendorId);
    assert.ok(vendor, `${context}: BILL bill ${b.id} names vendor ${b.vendorId}, which BILL does not have`);
    const k = key(vendor.name, b.invoice.invoiceNumber);
    actual.set(k, (actual.get(k) ?? 0) + 1);
    const currency = vendor.billCurrency ?? 'USD';
    billTotals.set(currency, (billTotals.get(currency) ?? 0n) + minorOf(b.amount, currency));
  }
  const wrong = [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((k) => (expected.get(k) ?? 0) !== (actual.get(k) ?? 0))
    .map((k) => `${k}: Acumatica ${expected.get(k) ?? 0}, BILL ${actual.get(k) ?? 0}`);
  assert.deepEqual(wrong, [], `${context}: BILL bills per (vendor, invoice number) differ from the released Acumatica bills`);
  assert.equal(ledgers.billBills.length, eligible.length, `${context}: one BILL bill per released bill`);
  const sorted = (m: Map<string, bigint>) => [...m].map(([c, v]) => `${c} ${v}`).sort();
  assert.deepEqual(sorted(billTotals), sorted(acuTotals), `${context}: totals per currency`);
  const names = [...ledgers.billVendors.values()].map((v) => v.name.trim().toLowerCase());
  assert.equal(new Set(names).size, names.length, `${context}: no vendor twice in BILL`);
}

/** Where a released Check went: its history rows (AP302000 moves the documents to apply there on release). */
const applicationsOf = (c: Json): Json[] => [...(c.History ?? []), ...(c.Details ?? [])];

/**
 * Exactly one released Acumatica payment per cleared BILL payment application, found by its
 * Description (`BILL <payment> <application>`), of the same amount and applied to the original
 * bill, and none from the connector without an application; each paid bill's balance is its
 * amount less what BILL paid, and it is Closed at zero. Returns how many applications were checked.
 */
export function assertOnePaymentEach(ledgers: AcumaticaLedgers, acuBillOf: ReadonlyMap<string, string>, context: string): { applications: number } {
  const byReference = new Map<string, Json[]>();
  for (const c of ledgers.acuChecks.filter((x) => x.Type === 'Payment' && x.Status !== 'Voided' && String(x.Description ?? '').startsWith('BILL '))) {
    byReference.set(c.Description, [...(byReference.get(c.Description) ?? []), c]);
  }
  const acuBill = new Map(ledgers.acuBills.map((b) => [`${b.Type}|${b.ReferenceNbr}`, b]));
  const paid = new Map<string, bigint>();
  const problems: string[] = [];
  let applications = 0;
  for (const payment of ledgers.billPayments.filter((p) => p.singleStatus === 'CLEARED')) {
    for (const app of payment.billPayments) {
      applications += 1;
      const reference = `BILL ${payment.id} ${app.id}`;
      const posted = byReference.get(reference) ?? [];
      byReference.delete(reference);
      const target = acuBillOf.get(app.billId);
      const check = posted[0];
      const applied = check ? applicationsOf(check) : [];
      if (posted.length !== 1) problems.push(`${reference}: ${posted.length} Acumatica payments`);
      else if (check.Status === 'Balanced' || check.Status === 'On Hold') problems.push(`${reference}: ${check.ReferenceNbr} was not released (${check.Status})`);
      else if (applied.length !== 1 || `${applied[0].DocType}|${applied[0].ReferenceNbr}` !== target) problems.push(`${reference}: applied to ${applied.map((a) => `${a.DocType}|${a.ReferenceNbr}`).join(', ')}, not ${target}`);
      else if (minorOf(check.PaymentAmount) !== minorOf(app.amount)) problems.push(`${reference}: Acumatica ${check.PaymentAmount}, BILL ${app.amount}`);
      if (target) paid.set(target, (paid.get(target) ?? 0n) + minorOf(app.amount));
    }
  }
  for (const [reference, extra] of byReference) problems.push(`${reference}: ${extra.length} Acumatica payment(s) with no BILL application`);
  assert.deepEqual(problems, [], `${context}: Acumatica payments against BILL payment applications`);
  for (const [id, amount] of paid) {
    const bill = acuBill.get(id);
    assert.ok(bill, `${context}: Acumatica bill ${id} exists`);
    const due = minorOf(bill.Amount, bill.CurrencyID) - amount;
    assert.equal(minorOf(bill.Balance, bill.CurrencyID), due, `${context}: Balance of ${id} is its amount less the BILL payments`);
    assert.equal(bill.Status, due === 0n ? 'Closed' : 'Open', `${context}: status of ${id}`);
  }
  return { applications };
}
