import { businessValidation, duplicateName, requiredParam, stringTooLong, validation } from './errors.ts';
import { fromCents } from './money.ts';
import { isObject, resolveRef } from './refs.ts';
import type { EntityName, Realm } from './store.ts';

/**
 * Name-list entities (IntuitNamesTypes.xsd Vendor, Finance.xsd Account, Class, Department, Item):
 * what a create or an update must carry, and the values QBO fills in. `fields` is the whole object
 * after a sparse merge; `id` is the record's own Id on an update.
 */

const cap = (value: unknown, element: string, max: number): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const s = String(value);
  if (s.length > max) throw stringTooLong(element, max);
  return s;
};

/** DisplayName is unique across vendors (and customers and employees, not emulated) — 6240 (B6, B8.8). */
function checkUniqueName(realm: Realm, entity: EntityName, key: 'DisplayName' | 'Name', name: string, id: string | undefined): void {
  const want = name.trim().toLowerCase();
  for (const other of realm.all(entity)) {
    if (other.Id !== id && String(other[key]).trim().toLowerCase() === want) throw duplicateName();
  }
}

export function vendorFields(realm: Realm, fields: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const parts = [fields.GivenName, fields.FamilyName].filter((p) => typeof p === 'string' && p.trim()).join(' ');
  const display = cap(fields.DisplayName ?? (parts || fields.CompanyName), 'DisplayName', 500);
  if (!display || !display.trim()) throw requiredParam('DisplayName');
  // Display names may not contain a colon (B6).
  if (display.includes(':')) throw validation('6000', 'A business validation error has occurred while processing your request', 'Business Validation Error: The name may not contain a colon (:).', 'DisplayName');
  checkUniqueName(realm, 'Vendor', 'DisplayName', display, id);
  cap(fields.GivenName, 'GivenName', 25);
  cap(fields.FamilyName, 'FamilyName', 15);
  cap(fields.AcctNum, 'AcctNum', 15);
  const out: Record<string, unknown> = { ...fields, DisplayName: display, PrintOnCheckName: fields.PrintOnCheckName ?? display, Active: fields.Active ?? true };
  if (fields.TermRef !== undefined) out.TermRef = fields.TermRef;
  out.Balance = fields.Balance ?? 0;
  out.Vendor1099 = fields.Vendor1099 ?? false;
  out.CurrencyRef = fields.CurrencyRef ?? { value: 'USD', name: 'United States Dollar' };
  return out;
}

/** Classification follows from the AccountType (Finance.xsd AccountTypeEnum). */
const CLASSIFICATION: Record<string, string> = {
  Bank: 'Asset', 'Other Current Asset': 'Asset', 'Fixed Asset': 'Asset', 'Other Asset': 'Asset', 'Accounts Receivable': 'Asset',
  Equity: 'Equity', Expense: 'Expense', 'Other Expense': 'Expense', 'Cost of Goods Sold': 'Expense',
  'Accounts Payable': 'Liability', 'Credit Card': 'Liability', 'Long Term Liability': 'Liability', 'Other Current Liability': 'Liability',
  Income: 'Revenue', 'Other Income': 'Revenue',
};

export function accountFields(realm: Realm, fields: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const name = cap(fields.Name, 'Name', 100);
  if (!name || !name.trim()) throw requiredParam('Name');
  if (name.includes(':') || name.includes('"')) throw businessValidation('Account names may not contain a colon or a double quote.', 'Name');
  const type = fields.AccountType;
  if (typeof type !== 'string') throw requiredParam('AccountType');
  const classification = CLASSIFICATION[type];
  if (!classification) throw validation('2170', 'Invalid Enumeration', `Invalid Enumeration : ${type}`, 'AccountType');
  checkUniqueName(realm, 'Account', 'Name', name, id);
  cap(fields.AcctNum, 'AcctNum', 20);
  return {
    ...fields,
    Name: name,
    SubAccount: fields.SubAccount ?? false,
    FullyQualifiedName: name,
    Active: fields.Active ?? true,
    Classification: classification,
    AccountType: type,
    CurrentBalance: fields.CurrentBalance ?? fromCents(0),
    CurrentBalanceWithSubAccounts: fields.CurrentBalanceWithSubAccounts ?? fromCents(0),
    CurrencyRef: fields.CurrencyRef ?? { value: 'USD', name: 'United States Dollar' },
  };
}

/** Class and Department: a name unique in its list, optionally under a parent (`Parent:Child`). */
export function dimensionFields(realm: Realm, entity: 'Class' | 'Department', fields: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const name = cap(fields.Name, 'Name', 100);
  if (!name || !name.trim()) throw requiredParam('Name');
  checkUniqueName(realm, entity, 'Name', name, id);
  const sub = entity === 'Class' ? 'SubClass' : 'SubDepartment';
  const parent = isObject(fields.ParentRef) ? resolveRef(realm, entity, fields.ParentRef, 'ParentRef', false) : undefined;
  const fq = parent ? `${String(parent.record.FullyQualifiedName)}:${name}` : name;
  const out: Record<string, unknown> = { ...fields, Name: name, [sub]: parent !== undefined, FullyQualifiedName: fq, Active: fields.Active ?? true };
  if (parent) out.ParentRef = { value: parent.ref.value };
  return out;
}

export function itemFields(realm: Realm, fields: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const name = cap(fields.Name, 'Name', 100);
  if (!name || !name.trim()) throw requiredParam('Name');
  checkUniqueName(realm, 'Item', 'Name', name, id);
  const type = fields.Type ?? 'Service';
  if (type !== 'Service' && type !== 'NonInventory' && type !== 'Inventory') throw validation('2170', 'Invalid Enumeration', `Invalid Enumeration : ${String(type)}`, 'Type');
  const out: Record<string, unknown> = { ...fields, Name: name, FullyQualifiedName: name, Active: fields.Active ?? true, Type: type };
  const expense = resolveRef(realm, 'Account', fields.ExpenseAccountRef, 'ExpenseAccountRef', false);
  if (expense) out.ExpenseAccountRef = expense.ref;
  return out;
}
