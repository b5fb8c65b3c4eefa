/**
 * A realistic, deterministic organisation. The chart of accounts uses the account codes of a common
 * small-business ledger but deliberately lacks a few everyday expense accounts (`missingAccounts`),
 * so a connector has to create them. Seeded records carry fixed times from 2025-01 so two runs with
 * the same seed hold identical data; records created later use the emulator clock.
 */
import type { Organization } from './model.ts';
import { createClassification, kinds } from './classifications.ts';
import type { BillDeps } from './options.ts';
import { createPayment } from './payments.ts';
import { createVendor } from './vendors.ts';
import { isoDate } from './time.ts';
import type { Rng } from '../kit/rng.ts';

export interface SeedInput {
  seed?: number;
  /** Organisation name (default "Harbor & Pine Studio"). */
  name?: string;
  /** Vendors to create (default 3, at most 1000). */
  vendors?: number;
  /** Bills spread over the vendors (default 5, at most 5000; needs at least one vendor). */
  bills?: number;
  /** How many accounts of the seeded chart to create (default all 18). */
  accounts?: number;
  /** How many departments to create (default 4, at most 6). */
  departments?: number;
}

export interface SeedSummary {
  organizationId: string;
  organizationName: string;
  userId: string;
  vendors: number;
  bills: number;
  payments: number;
  accounts: number;
  departments: number;
  /** Common expense accounts the chart does not have, for a connector to create. */
  missingAccounts: { name: string; number: string; type: string }[];
}

const chart: readonly { number: string; name: string; type: string }[] = [
  { number: '090', name: 'Business Checking', type: 'BANK' },
  { number: '200', name: 'Sales', type: 'INCOME' },
  { number: '310', name: 'Cost of Goods Sold', type: 'COST_OF_GOODS_SOLD' },
  { number: '400', name: 'Advertising', type: 'EXPENSE' },
  { number: '408', name: 'Cleaning', type: 'EXPENSE' },
  { number: '420', name: 'Entertainment', type: 'EXPENSE' },
  { number: '429', name: 'General Expenses', type: 'EXPENSE' },
  { number: '433', name: 'Insurance', type: 'EXPENSE' },
  { number: '445', name: 'Light, Power, Heating', type: 'EXPENSE' },
  { number: '449', name: 'Motor Vehicle Expenses', type: 'EXPENSE' },
  { number: '453', name: 'Office Expenses', type: 'EXPENSE' },
  { number: '461', name: 'Printing & Stationery', type: 'EXPENSE' },
  { number: '469', name: 'Rent', type: 'EXPENSE' },
  { number: '489', name: 'Telephone & Internet', type: 'EXPENSE' },
  { number: '493', name: 'Travel - National', type: 'EXPENSE' },
  { number: '630', name: 'Inventory', type: 'INVENTORY' },
  { number: '710', name: 'Office Equipment', type: 'FIXED_ASSET' },
  { number: '800', name: 'Accounts Payable', type: 'ACCOUNTS_PAYABLE' },
];

/** Everyday expense accounts left out on purpose. */
const missing: readonly { number: string; name: string; type: string }[] = [
  { number: '404', name: 'Bank Fees', type: 'EXPENSE' },
  { number: '412', name: 'Consulting & Accounting', type: 'EXPENSE' },
  { number: '425', name: 'Freight & Courier', type: 'EXPENSE' },
  { number: '473', name: 'Repairs and Maintenance', type: 'EXPENSE' },
  { number: '485', name: 'Subscriptions', type: 'EXPENSE' },
];

const departmentNames = ['Operations', 'Sales', 'Marketing', 'Engineering', 'Finance', 'People'];

const vendorNames = [
  'Northwind Traders',
  'Contoso Office Supply',
  'Fabrikam Facilities',
  'Tailspin Couriers',
  'Litware Software',
  'Adventure Works Travel',
  'Proseware Printing',
  'Wide World Importers',
  'Blue Yonder Utilities',
  'Coho Insurance Group',
];

const cities: readonly [string, string, string][] = [
  ['Portland', 'OR', '97204'],
  ['Austin', 'TX', '78701'],
  ['Denver', 'CO', '80202'],
  ['Madison', 'WI', '53703'],
  ['Raleigh', 'NC', '27601'],
];

const anchor = Date.parse('2025-01-06T09:00:00.000Z');
const hour = 3_600_000;

function clampCount(value: unknown, fallback: number, max: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${field} must be a whole number from 0 to ${max}`);
  }
  return value;
}

function lineDescription(rng: Rng, account: string): string {
  return `${rng.pick(['Monthly', 'Quarterly', 'One-off', 'Annual'])} ${account.toLowerCase()}`;
}

export interface SeedCounts {
  accounts: number;
  departments: number;
  vendors: number;
  bills: number;
}

/** Checks a seed request before anything is replaced, so a bad request leaves the world as it was. */
export function seedCounts(input: SeedInput): SeedCounts {
  if (input.seed !== undefined && (typeof input.seed !== 'number' || !Number.isInteger(input.seed))) throw new RangeError('seed must be a whole number');
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.trim() === '')) throw new RangeError('name must be a non-empty string');
  const counts = {
    accounts: clampCount(input.accounts, chart.length, chart.length, 'accounts'),
    departments: clampCount(input.departments, 4, departmentNames.length, 'departments'),
    vendors: clampCount(input.vendors, 3, 1000, 'vendors'),
    bills: clampCount(input.bills, 5, 5000, 'bills'),
  };
  if (counts.bills > 0 && counts.vendors === 0) throw new RangeError('bills need at least one vendor');
  return counts;
}

/** Fills `org` with accounts, departments, vendors, bills and a few payments. */
export function seedOrganization(deps: BillDeps, org: Organization, input: SeedInput): SeedSummary {
  const rng = deps.state.rng;
  const { accounts: accountCount, departments: departmentCount, vendors: vendorCount, bills: billCount } = seedCounts(input);
  let t = anchor;
  const tick = () => (t += hour);

  const accounts = chart.slice(0, accountCount).map((a) =>
    createClassification(deps, kinds.account, org, { name: a.name, number: a.number, type: a.type }, tick()),
  );
  const departments = departmentNames
    .slice(0, departmentCount)
    .map((name) => createClassification(deps, kinds.department, org, { name, shortName: name.slice(0, 3).toUpperCase() }, tick()));
  const vendors = Array.from({ length: vendorCount }, (_, i) => {
    const base = vendorNames[i % vendorNames.length]!;
    const name = i < vendorNames.length ? base : `${base} ${Math.floor(i / vendorNames.length) + 1}`;
    const [city, state, zip] = rng.pick(cities);
    const withBank = rng.chance(0.5);
    return createVendor(
      deps,
      org,
      {
        name,
        accountType: 'BUSINESS',
        email: `ap@${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example`,
        phone: `555${String(rng.int(1000000, 9999999))}`,
        address: { line1: `${rng.int(10, 999)} Main Street`, city, stateOrProvince: state, zipOrPostalCode: zip, country: 'US' },
        payeeName: name,
        billCurrency: 'USD',
        ...(withBank ? { bankAccount: { nameOnAccount: name, accountNumber: String(rng.int(10_000_000, 99_999_999)), routingNumber: '074000010' } } : {}),
      },
      tick(),
    );
  });

  const expenseAccounts = accounts.filter((a) => a.type === 'EXPENSE');
  let payments = 0;
  for (let i = 0; i < billCount; i += 1) {
    const vendor = vendors[rng.int(0, vendors.length - 1)]!;
    const at = tick();
    const invoiceDate = isoDate(at - rng.int(0, 10) * 24 * hour);
    const lineCount = rng.int(1, 3);
    const lines = Array.from({ length: lineCount }, () => {
      const account = expenseAccounts.length ? rng.pick(expenseAccounts) : undefined;
      const department = departments.length && rng.chance(0.6) ? rng.pick(departments) : undefined;
      const classifications: Record<string, string> = {};
      if (account) classifications.chartOfAccountId = account.id;
      if (department) classifications.departmentId = department.id;
      return {
        id: deps.state.newId('billLine'),
        amount: BigInt(rng.int(2_500, 250_000)),
        description: lineDescription(rng, account?.name ?? 'services'),
        classifications,
      };
    });
    const bill = {
      id: deps.state.newId('bill'),
      archived: false,
      vendorId: vendor.id,
      currency: vendor.billCurrency,
      dueDate: isoDate(Date.parse(`${invoiceDate}T00:00:00.000Z`) + 30 * 24 * hour),
      invoice: { invoiceNumber: `INV-${10_000 + i}`, invoiceDate },
      lines,
      createdTime: at,
      updatedTime: at,
    };
    org.bills.set(bill.id, bill);
    // Every fifth bill is paid in full and the one after it in part, so payments exist from the start.
    const total = lines.reduce((s, l) => s + l.amount, 0n);
    const share = i % 5 === 3 ? total : i % 5 === 4 ? total / 2n : 0n;
    if (share > 0n) {
      createPayment(
        deps,
        org,
        { vendorId: vendor.id, items: [{ bill, amount: share }], singleStatus: 'CLEARED', processDate: isoDate(at + 24 * hour), onlinePayment: true },
        { emit: false, at: at + hour / 2 },
      );
      bill.updatedTime = at + hour / 2;
      payments += 1;
    }
  }

  return {
    organizationId: org.id,
    organizationName: org.name,
    userId: deps.state.userId,
    vendors: vendors.length,
    bills: billCount,
    payments,
    accounts: accounts.length,
    departments: departments.length,
    missingAccounts: [...missing, ...chart.slice(accountCount).filter((a) => a.type === 'EXPENSE')],
  };
}
