/**
 * AP bills (Bills and Adjustments, AP301000) [AIR:UG/AP_30_10_00.md]: types Bill, Credit Adj. and
 * Debit Adj.; a new document is On Hold when "Hold Documents on Entry" is set and it is not sent with
 * `Hold: false`, else Balanced; only an unreleased document (On Hold, Balanced) may be edited;
 * `ReleaseBill` needs Balanced and leaves it Open with its balance due; a payment applied to it lowers
 * the balance and it is Closed at zero (check-rules.ts). The amount is the sum of its lines.
 */
import { fromCents, toCents } from './money.ts';
import { AcumaticaError, nextNumber, numberTaken, table, type EntityRecord, type FieldErrors, type Tenant } from './model.ts';
import { normalizeSubaccount } from './master-rules.ts';
import { findByKeys, keyOf } from './records.ts';
import { exists, oneOf, upsert, type EntityRules, type SaveContext } from './rules.ts';
import { wireDateTime } from './wire.ts';

export const billTypes = ['Bill', 'Credit Adj.', 'Debit Adj.'] as const;
export const editableBillStatuses = new Set(['On Hold', 'Balanced']);

const DAY = 86_400_000;

/** The financial period of a date as Acumatica writes it: MMYYYY. */
export const postPeriod = (iso: string): string => {
  const d = new Date(iso);
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}${d.getUTCFullYear()}`;
};

export const startOfDay = (ms: number): string => wireDateTime(ms - (ms % DAY));

function validateLines(c: SaveContext, errors: FieldErrors): void {
  const branches = new Set(c.tenant.branches.map((b) => b.id.toUpperCase()));
  (c.input.details.Details ?? []).forEach((row, i) => {
    if (row.delete) return;
    const f = row.fields;
    const at = `Details[${i}].`;
    if (f.Account !== undefined) {
      const acct = findByKeys(c.tenant, 'Account', [String(f.Account)]);
      if (!acct) errors[`${at}Account`] = `'Account' cannot be found in the system.`;
      else if (acct.fields.Active === false) errors[`${at}Account`] = `Account '${String(f.Account)}' is inactive.`;
    }
    if (f.Subaccount !== undefined && f.Subaccount !== null) {
      f.Subaccount = normalizeSubaccount(String(f.Subaccount));
      if (!exists(c.tenant, 'Subaccount', f.Subaccount)) errors[`${at}Subaccount`] = `'Subaccount' cannot be found in the system.`;
    }
    if (f.Branch !== undefined && f.Branch !== null && !branches.has(String(f.Branch).toUpperCase())) errors[`${at}Branch`] = `'Branch' cannot be found in the system.`;
    const cents = toCents(f.ExtendedCost ?? f.Amount);
    if (cents !== null && cents < 0) errors[`${at}ExtendedCost`] = 'The value must be greater than or equal to 0.';
  });
}

function validate(c: SaveContext): FieldErrors {
  const errors: FieldErrors = {};
  const { existing, input, tenant } = c;
  if (existing && !editableBillStatuses.has(String(existing.fields.Status))) {
    errors[''] = `The document cannot be edited because its status is ${String(existing.fields.Status)}.`;
    return errors;
  }
  oneOf(errors, 'Type', input.fields.Type, billTypes);
  if (!existing && (input.fields.Vendor === undefined || input.fields.Vendor === null)) errors.Vendor = `'Vendor' cannot be empty.`;
  if (input.fields.Vendor !== undefined && input.fields.Vendor !== null) {
    const vendor = findByKeys(tenant, 'Vendor', [String(input.fields.Vendor)]);
    if (!vendor) errors.Vendor = `'Vendor' cannot be found in the system.`;
    else if (vendor.fields.Status === 'Inactive') errors.Vendor = `The vendor status is 'Inactive'.`;
  }
  if (c.deps.options.uniqueVendorRef && typeof input.fields.VendorRef === 'string' && input.fields.VendorRef !== '') {
    const vendor = String(input.fields.Vendor ?? existing?.fields.Vendor ?? '');
    for (const other of table(tenant, 'Bill').values()) {
      if (other !== existing && other.fields.Vendor === vendor && other.fields.VendorRef === input.fields.VendorRef && other.fields.Status !== 'Voided') {
        errors.VendorRef = `A document with the vendor reference number '${input.fields.VendorRef}' already exists for the vendor.`;
      }
    }
  }
  validateLines(c, errors);
  return errors;
}

function save(c: SaveContext): EntityRecord {
  const { deps, tenant, existing, input } = c;
  const type = String(existing?.fields.Type ?? input.fields.Type ?? 'Bill');
  const ref = String(existing?.fields.ReferenceNbr ?? input.fields.ReferenceNbr);
  const rec = upsert(c, 'Bill', { Type: type, ReferenceNbr: ref });
  const f = rec.fields;
  f.Date ??= startOfDay(deps.state.now());
  f.DueDate ??= wireDateTime(Date.parse(String(f.Date)) + 30 * DAY);
  f.PostPeriod ??= postPeriod(String(f.Date));
  f.CurrencyID ??= 'USD';
  f.BranchID ??= tenant.branches[0]?.id ?? null;
  f.Hold ??= deps.options.holdOnEntry;
  f.ApprovedForPayment ??= false;
  f.Description ??= null;
  f.VendorRef ??= null;
  let total = 0;
  for (const line of rec.details.Details ?? []) {
    const cents = toCents(line.fields.ExtendedCost ?? line.fields.Amount) ?? 0;
    line.fields.ExtendedCost = fromCents(cents);
    line.fields.Amount = fromCents(cents);
    line.fields.Branch ??= f.BranchID ?? null;
    total += cents;
  }
  const tax = toCents(f.TaxTotal) ?? 0;
  f.TaxTotal = fromCents(tax);
  f.Amount = fromCents(total + tax);
  f.Balance = f.Amount;
  f.Status = f.Hold === true ? 'On Hold' : 'Balanced';
  return rec;
}

/** `ReleaseBill`: Balanced → Open with the whole amount due; anything else fails the operation. */
export function releaseBill(tenant: Tenant, rec: EntityRecord, now: number): void {
  if (rec.fields.Status !== 'Balanced') throw new AcumaticaError(500, `The document cannot be released because its status is ${String(rec.fields.Status)}.`);
  rec.fields.Status = (toCents(rec.fields.Amount) ?? 0) === 0 ? 'Closed' : 'Open';
  rec.fields.Balance = rec.fields.Amount ?? null;
  rec.modifiedAt = now;
  void tenant;
}

/**
 * `ReverseBill` on a released bill (Open or Closed): a new Debit Adj. with the same vendor, lines and
 * amount, Balanced and not yet released, its description naming the bill (the reversing document of
 * AP301000; that it is left unreleased and Balanced is a choice).
 */
export function reverseBill(deps: { newId(): string }, tenant: Tenant, rec: EntityRecord, now: number): EntityRecord {
  if (rec.fields.Type !== 'Bill' || (rec.fields.Status !== 'Open' && rec.fields.Status !== 'Closed')) {
    throw new AcumaticaError(500, `The document cannot be reversed because its status is ${String(rec.fields.Status)}.`);
  }
  const ref = nextNumber(tenant, 'AP', '', numberTaken(tenant, 'Bill', 'ReferenceNbr'));
  const reversal: EntityRecord = {
    id: deps.newId(),
    fields: { ...rec.fields, Type: 'Debit Adj.', ReferenceNbr: ref, Status: 'Balanced', Hold: false, Balance: rec.fields.Amount ?? null, Description: `Reversal of Bill ${String(rec.fields.ReferenceNbr)}` },
    linked: {},
    details: { Details: (rec.details.Details ?? []).map((line) => ({ id: deps.newId(), fields: { ...line.fields } })) },
    note: '',
    createdAt: now,
    modifiedAt: now,
  };
  table(tenant, 'Bill').set(keyOf('Bill', reversal), reversal);
  return reversal;
}

export const billRules: EntityRules = {
  validate,
  save,
  newKeys: ({ tenant, input }) => ({ Type: String(input.fields.Type ?? 'Bill'), ReferenceNbr: nextNumber(tenant, 'AP', '', numberTaken(tenant, 'Bill', 'ReferenceNbr')) }),
  deletable: (rec) => (editableBillStatuses.has(String(rec.fields.Status)) ? null : 'A released document cannot be deleted.'),
};
