/**
 * AP payments (Checks and Payments, AP302000) [AIR:UG/AP_30_20_00.md] [AOAS Check]: a `Payment` to a
 * vendor from a cash account with a payment method, its Details the documents to apply (Open bills
 * and adjustments of the same vendor, never more than their balance). `ReleaseCheck` applies them:
 * each document's balance falls (Closed at zero) and the applications move to History; the payment is
 * Closed when nothing is left unapplied, else Open. `VoidCheck` on a released payment adds a
 * `Voided Payment` with the same number, gives the documents their balance back and leaves the
 * payment Voided.
 */
import { fromCents, toCents } from './money.ts';
import { AcumaticaError, nextNumber, numberTaken, table, type EntityRecord, type FieldErrors, type Tenant } from './model.ts';
import { findByKeys, keyOf } from './records.ts';
import { oneOf, requireText, upsert, type EntityRules, type SaveContext } from './rules.ts';
import { startOfDay } from './bill-rules.ts';

const applicableTypes = ['Bill', 'Credit Adj.', 'Debit Adj.'] as const;
/** The payment methods each tenant has (Payment Methods, CA204000); the seed's vendors pay by CHECK. */
export const paymentMethods = ['CHECK', 'ACH', 'WIRE'] as const;
const released = new Set(['Open', 'Closed', 'Voided']);

function validate(c: SaveContext): FieldErrors {
  const errors: FieldErrors = {};
  const { existing, input, tenant } = c;
  if (existing && released.has(String(existing.fields.Status))) {
    errors[''] = `The document cannot be edited because its status is ${String(existing.fields.Status)}.`;
    return errors;
  }
  if (!existing) oneOf(errors, 'Type', input.fields.Type ?? 'Payment', ['Payment']);
  const vendorId = input.fields.Vendor ?? existing?.fields.Vendor;
  if (!existing) {
    requireText(errors, 'Vendor', input.fields.Vendor, 'Vendor');
    requireText(errors, 'PaymentMethod', input.fields.PaymentMethod, 'Payment Method');
    requireText(errors, 'CashAccount', input.fields.CashAccount, 'Cash Account');
  }
  if (input.fields.Vendor) {
    const vendor = findByKeys(tenant, 'Vendor', [String(input.fields.Vendor)]);
    const status = String(vendor?.fields.Status ?? '');
    if (!vendor) errors.Vendor = `'Vendor' cannot be found in the system.`;
    // A vendor that may not be paid (choice: the statuses that stop payments, per the Vendors form's status list).
    else if (['Inactive', 'On Hold', 'Hold Payments'].includes(status)) errors.Vendor = `The vendor status is '${status}'.`;
  }
  if (input.fields.PaymentMethod && !paymentMethods.includes(String(input.fields.PaymentMethod).toUpperCase() as (typeof paymentMethods)[number])) {
    errors.PaymentMethod = `'Payment Method' cannot be found in the system.`;
  }
  if (input.fields.CashAccount) {
    const acct = findByKeys(tenant, 'Account', [String(input.fields.CashAccount)]);
    if (!acct || acct.fields.CashAccount !== true) errors.CashAccount = `'Cash Account' cannot be found in the system.`;
  }
  (input.details.Details ?? []).forEach((row, i) => {
    if (row.delete) return;
    const at = `Details[${i}].`;
    const type = String(row.fields.DocType ?? 'Bill');
    oneOf(errors, `${at}DocType`, type, applicableTypes);
    const doc = findByKeys(tenant, 'Bill', [type, String(row.fields.ReferenceNbr ?? '')]);
    if (!doc) errors[`${at}ReferenceNbr`] = `'Reference Nbr.' cannot be found in the system.`;
    else if (doc.fields.Vendor !== vendorId) errors[`${at}ReferenceNbr`] = `The document belongs to another vendor.`;
    else if (doc.fields.Status !== 'Open') errors[`${at}ReferenceNbr`] = `The document cannot be applied because its status is ${String(doc.fields.Status)}.`;
    else {
      const paid = toCents(row.fields.AmountPaid);
      const balance = toCents(doc.fields.Balance) ?? 0;
      if (paid !== null && (paid <= 0 || paid > balance)) errors[`${at}AmountPaid`] = `The amount paid must be greater than 0 and cannot exceed the document balance (${fromCents(balance)}).`;
    }
  });
  return errors;
}

const signed = (docType: unknown, cents: number): number => (docType === 'Debit Adj.' ? -cents : cents);

function save(c: SaveContext): EntityRecord {
  const { deps, tenant, existing, input } = c;
  const hadAmount = input.fields.PaymentAmount !== undefined || existing?.fields.PaymentAmount !== undefined;
  const rec = upsert(c, 'Check', { Type: String(existing?.fields.Type ?? 'Payment'), ReferenceNbr: String(existing?.fields.ReferenceNbr ?? input.fields.ReferenceNbr) });
  const f = rec.fields;
  let applied = 0;
  for (const row of rec.details.Details ?? []) {
    row.fields.DocType ??= 'Bill';
    const doc = findByKeys(tenant, 'Bill', [String(row.fields.DocType), String(row.fields.ReferenceNbr)]);
    const balance = toCents(doc?.fields.Balance) ?? 0;
    const paid = toCents(row.fields.AmountPaid) ?? balance;
    row.fields.AmountPaid = fromCents(paid);
    row.fields.Balance = fromCents(balance - paid);
    row.fields.CashDiscountBalance ??= '0.00';
    applied += signed(row.fields.DocType, paid);
  }
  if (!hadAmount) f.PaymentAmount = fromCents(applied);
  f.UnappliedBalance = fromCents((toCents(f.PaymentAmount) ?? 0) - applied);
  f.ApplicationDate ??= startOfDay(deps.state.now());
  f.CurrencyID ??= 'USD';
  f.Hold ??= false;
  f.Description ??= null;
  f.PaymentRef ??= null;
  f.Status = f.Hold === true ? 'On Hold' : 'Balanced';
  return rec;
}

function moveDocumentBalances(tenant: Tenant, check: EntityRecord, direction: 1 | -1, now: number): void {
  for (const row of check.details.Details ?? []) {
    const doc = findByKeys(tenant, 'Bill', [String(row.fields.DocType), String(row.fields.ReferenceNbr)]);
    if (!doc) continue;
    const paid = toCents(row.fields.AmountPaid) ?? 0;
    const balance = (toCents(doc.fields.Balance) ?? 0) - direction * paid;
    doc.fields.Balance = fromCents(balance);
    doc.fields.Status = balance === 0 ? 'Closed' : 'Open';
    (doc.details.Applications ??= []).push({
      id: `${check.id.slice(0, 30)}${String((doc.details.Applications?.length ?? 0) + 1).padStart(6, '0')}`,
      fields: { DocType: direction === 1 ? String(check.fields.Type) : 'Voided Payment', ReferenceNbr: String(check.fields.ReferenceNbr), AmountPaid: fromCents(direction * paid), Balance: fromCents(balance), Status: 'Released' },
    });
    doc.modifiedAt = now;
  }
}

export function releaseCheck(tenant: Tenant, rec: EntityRecord, now: number): void {
  if (rec.fields.Status !== 'Balanced') throw new AcumaticaError(500, `The document cannot be released because its status is ${String(rec.fields.Status)}.`);
  for (const row of rec.details.Details ?? []) {
    const doc = findByKeys(tenant, 'Bill', [String(row.fields.DocType), String(row.fields.ReferenceNbr)]);
    const paid = toCents(row.fields.AmountPaid) ?? 0;
    if (!doc || doc.fields.Status !== 'Open' || paid > (toCents(doc.fields.Balance) ?? 0)) {
      throw new AcumaticaError(500, `The document ${String(row.fields.DocType)} ${String(row.fields.ReferenceNbr)} cannot be applied: it is not open or its balance is lower than the amount paid.`);
    }
  }
  moveDocumentBalances(tenant, rec, 1, now);
  rec.details.History = (rec.details.Details ?? []).map((row) => ({ id: row.id, fields: { ...row.fields, CashDiscountTaken: '0.00' } }));
  rec.details.Details = [];
  rec.fields.Status = (toCents(rec.fields.UnappliedBalance) ?? 0) === 0 ? 'Closed' : 'Open';
  rec.modifiedAt = now;
}

export function voidCheck(deps: { newId(): string }, tenant: Tenant, rec: EntityRecord, now: number): EntityRecord {
  if (rec.fields.Type !== 'Payment' || (rec.fields.Status !== 'Open' && rec.fields.Status !== 'Closed')) {
    throw new AcumaticaError(500, `The document cannot be voided because its status is ${String(rec.fields.Status)}.`);
  }
  const history = rec.details.History ?? [];
  moveDocumentBalances(tenant, { ...rec, details: { Details: history } }, -1, now);
  rec.fields.Status = 'Voided';
  rec.modifiedAt = now;
  const voided: EntityRecord = {
    id: deps.newId(),
    fields: { ...rec.fields, Type: 'Voided Payment', Status: 'Closed', UnappliedBalance: '0.00' },
    linked: {},
    details: { Details: [], History: history.map((row) => ({ id: deps.newId(), fields: { ...row.fields } })) },
    note: '',
    createdAt: now,
    modifiedAt: now,
  };
  table(tenant, 'Check').set(keyOf('Check', voided), voided);
  return voided;
}

export const checkRules: EntityRules = {
  validate,
  save,
  newKeys: ({ tenant }) => ({ Type: 'Payment', ReferenceNbr: nextNumber(tenant, 'CHECK', '', numberTaken(tenant, 'Check', 'ReferenceNbr')) }),
  deletable: (rec) => (released.has(String(rec.fields.Status)) ? 'A released document cannot be deleted.' : null),
};
