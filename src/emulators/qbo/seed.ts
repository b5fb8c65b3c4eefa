import { z } from 'zod';
import { Rng } from '../kit/rng.ts';
import { qboTime } from './errors.ts';
import { Realm } from './store.ts';
import { create, type WriteContext } from './writes.ts';

/**
 * The seeded companies: a chart of accounts (expense accounts with AcctNum, Accounts Payable, a
 * checking account and a credit card), vendors, classes, departments, items and a few open bills,
 * all written through the same rules as API calls. The same seed gives the same realm ids, names
 * and amounts.
 */

export const seedInputSchema = z.object({
  seed: z.number().int().optional(),
  vendors: z.number().int().min(0).max(500).optional(),
  bills: z.number().int().min(0).max(2000).optional(),
}).strict();
export type SeedInput = z.infer<typeof seedInputSchema>;

export interface SeedSummary {
  seed: number;
  realms: { realmId: string; companyName: string; counts: Record<string, number> }[];
}

const EXPENSE_ACCOUNTS: [string, string, string][] = [
  ['6000', 'Advertising', 'AdvertisingPromotional'],
  ['6100', 'Office Supplies', 'OfficeGeneralAdministrativeExpenses'],
  ['6200', 'Rent or Lease', 'RentOrLeaseOfBuildings'],
  ['6300', 'Utilities', 'Utilities'],
  ['6400', 'Legal & Professional Fees', 'LegalProfessionalFees'],
  ['6500', 'Travel', 'Travel'],
];
const VENDOR_NAMES = [
  'Acme Office Supply', 'Bluebird Logistics', 'Cedar Legal LLP', 'Delta Utilities', 'Evergreen Landscaping', 'Foxglove Printing',
  'Granite IT Services', 'Harbor Freight Co', 'Ironwood Consulting', 'Juniper Telecom', 'Keystone Insurance', 'Lakeside Catering',
];
const CLASSES = ['Operations', 'Sales', 'Research'];
const DEPARTMENTS = ['Headquarters', 'West Coast'];

/** A 16-digit realm id in the range QBO sandbox companies use (9130…/9341…). */
export function realmIdFor(seed: number, n: number): string {
  const rng = new Rng((seed * 7919 + n * 104_729) >>> 0);
  return `9341${String(rng.int(1e5, 999_999))}${String(rng.int(1e5, 999_999))}`;
}

export function seedRealm(realmId: string, companyName: string, seed: number, input: { vendors: number; bills: number }, now: number): Realm {
  const realm = new Realm(realmId, companyName, seed);
  const ctx: WriteContext = { realm, now, events: [], today: qboTime(now).slice(0, 10), allowDuplicateDocNumber: false };
  const rng = realm.rng;
  const expense = EXPENSE_ACCOUNTS.map(([AcctNum, Name, AccountSubType]) => create(ctx, 'Account', { Name, AcctNum, AccountType: 'Expense', AccountSubType }));
  create(ctx, 'Account', { Name: 'Accounts Payable (A/P)', AcctNum: '2000', AccountType: 'Accounts Payable', AccountSubType: 'AccountsPayable' });
  create(ctx, 'Account', { Name: 'Checking', AcctNum: '1000', AccountType: 'Bank', AccountSubType: 'Checking' });
  create(ctx, 'Account', { Name: 'Mastercard', AcctNum: '2100', AccountType: 'Credit Card', AccountSubType: 'CreditCard' });
  const classes = CLASSES.map((Name) => create(ctx, 'Class', { Name }));
  const departments = DEPARTMENTS.map((Name) => create(ctx, 'Department', { Name }));
  create(ctx, 'Item', { Name: 'Consulting Hours', Type: 'Service', ExpenseAccountRef: { value: expense[4]!.Id } });
  create(ctx, 'Item', { Name: 'Printer Paper', Type: 'NonInventory', ExpenseAccountRef: { value: expense[1]!.Id } });
  const names = [...VENDOR_NAMES];
  const vendors = Array.from({ length: input.vendors }, (_, i) => {
    const display = names.length > 0 ? names.splice(rng.int(0, names.length - 1), 1)[0]! : `Vendor ${i + 1}`;
    return create(ctx, 'Vendor', { DisplayName: display, CompanyName: display, AcctNum: `V${String(1000 + i)}`, PrimaryEmailAddr: { Address: `ap@${display.toLowerCase().replace(/[^a-z]+/g, '')}.example` } });
  });
  for (let i = 0; i < input.bills && vendors.length > 0; i += 1) {
    const vendor = rng.pick(vendors);
    const cents = rng.int(2_000, 250_000);
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    create(ctx, 'Bill', {
      VendorRef: { value: vendor.Id },
      DocNumber: `INV-${String(10_000 + i)}`,
      DepartmentRef: { value: rng.pick(departments).Id },
      Line: [{ Amount: amount, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: rng.pick(expense).Id }, ClassRef: { value: rng.pick(classes).Id } } }],
    });
  }
  return realm;
}

export function summarise(realm: Realm): SeedSummary['realms'][number] {
  const counts = Object.fromEntries([...realm.records.entries()].map(([k, v]) => [k, v.size]));
  return { realmId: realm.realmId, companyName: realm.companyName, counts };
}
