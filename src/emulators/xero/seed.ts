import { Rng } from '../kit/rng.ts';
import { addDays, DAY_MS, parseInputDate, ymdOf, ymdToMs } from './dates.ts';
import { scaledText } from './decimal.ts';
import { createContact } from './contact-rules.ts';
import { createInvoice, updateInvoice } from './invoice-rules.ts';
import { amountDue } from './json.ts';
import type { Account, Contact, Invoice, Organisation, TrackingCategory } from './model.ts';
import { createPayment } from './payment-rules.ts';
import { createPurchaseOrder } from './purchase-order-rules.ts';
import {
  BANK_ACCOUNTS, CUSTOMER_NAMES, EU_PLACES, EXPENSE_ACCOUNTS, LINE_DESCRIPTIONS, OTHER_ACCOUNTS, STREETS,
  SUPPLIER_KINDS, SUPPLIER_PREFIXES, TAX_RATES, TRACKING, UK_PLACES, US_PLACES, type AccountSeed,
} from './seed-data.ts';
import { Tenant, type ChangeEvent } from './tenant.ts';
import type { WriteCtx, WriteResult } from './write.ts';

/**
 * Generates an organisation deterministically: the same seed and sizes give the same records, ids
 * and timestamps (ids come from the tenant's seeded generator; times from `asOf`, not the wall
 * clock). Records are made through the same rules the API uses, so seeded data obeys them too.
 */

export interface SeedInput {
  seed?: number;
  suppliers?: number;
  bills?: number;
  customers?: number;
  salesInvoices?: number;
  purchaseOrders?: number;
  /** How many expense accounts the chart has (default all 20 standard ones; more are generated). */
  accounts?: number;
  /** The day the generated books end on, 'YYYY-MM-DD' (default 2026-11-01). */
  asOf?: string;
  /**
   * More tenants after the two standard ones, each the primary's size (default 0, at most 99): a
   * test knob for many organisations on one app (the bench's --orgs).
   */
  extraTenants?: number;
}

export interface TenantSeedSummary {
  tenantId: string;
  tenantName: string;
  accounts: number;
  contacts: number;
  suppliers: number;
  customers: number;
  bills: number;
  billsByStatus: Record<string, number>;
  partlyPaidBills: number;
  billsByCurrency: Record<string, number>;
  salesInvoices: number;
  payments: number;
  purchaseOrders: number;
  trackingCategories: number;
}

export interface SeedSummary {
  seed: number;
  asOf: string;
  tenants: TenantSeedSummary[];
}

export const DEFAULT_AS_OF = '2026-11-01';
export const PRIMARY_SIZES = { suppliers: 12, bills: 40, customers: 3, salesInvoices: 5, purchaseOrders: 4 };
export const SECONDARY_SIZES = { suppliers: 3, bills: 5, customers: 1, salesInvoices: 1, purchaseOrders: 1 };

const must = <T>(r: WriteResult<T>, what: string): T => {
  if (!r.ok) throw new Error(`seed produced an invalid ${what}: ${r.messages.join('; ')}`);
  return r.record;
};

const cents = (rng: Rng, min: number, max: number): string => scaledText(BigInt(rng.int(min * 100, max * 100)), 2);

/** Mixes the seed with a salt into a 32-bit generator seed. */
export const mixSeed = (seed: number, salt: number): number => (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;

/** Tenant ids depend only on the emulator's seed, so reseeding keeps connections valid. */
export function tenantIds(emulatorSeed: number): [string, string] {
  const rng = new Rng(mixSeed(emulatorSeed, 0x7e7a));
  return [rng.uuid(), rng.uuid()];
}

/** The id of extra tenant `index` (0-based), from the emulator's seed like the standard two. */
export function extraTenantId(emulatorSeed: number, index: number): string {
  return new Rng(mixSeed(emulatorSeed, 0x7e7b + index)).uuid();
}

function organisation(tenantId: string, name: string, createdMs: number, rng: Rng): Organisation {
  return {
    OrganisationID: tenantId,
    Name: name,
    LegalName: name.replace(/ \(US\)$/, ' Inc.'),
    ShortCode: `!${rng.hex(5)}`,
    BaseCurrency: 'USD',
    CountryCode: 'US',
    Version: 'US',
    OrganisationType: 'COMPANY',
    IsDemoCompany: true,
    TaxNumber: `${rng.int(10, 99)}-${rng.int(1000000, 9999999)}`,
    Timezone: 'EASTERNSTANDARDTIME',
    CreatedDateUTC: createdMs,
  };
}

interface Sizes {
  suppliers: number;
  bills: number;
  customers: number;
  salesInvoices: number;
  purchaseOrders: number;
  accounts?: number;
}

/** Builds one tenant's books. Change events are appended to `events` (webhooks for seed edits). */
export function seedTenant(tenantId: string, name: string, seed: number, sizes: Sizes, asOf: string, events: ChangeEvent[]): Tenant {
  const rng = new Rng(mixSeed(seed, 0x5eed));
  const endMs = ymdToMs(asOf) + 12 * 3_600_000;
  const startMs = endMs - 400 * DAY_MS;
  const t = new Tenant(tenantId, organisation(tenantId, name, startMs, rng), mixSeed(seed, 0x1d5));
  t.taxRates = TAX_RATES.map((r) => ({ ...r }));
  const w = (now: number): WriteCtx => ({ tenant: t, now, today: ymdOf(now), unitdp4: false, events });

  // Chart of accounts.
  const expenseCount = Math.max(1, sizes.accounts ?? EXPENSE_ACCOUNTS.length);
  const expenses: AccountSeed[] = EXPENSE_ACCOUNTS.slice(0, expenseCount);
  for (let i = expenses.length; i < expenseCount; i += 1) {
    expenses.push({ Code: String(500 + i), Name: `Operating Expense ${i + 1}`, Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT' });
  }
  for (const a of [...BANK_ACCOUNTS, ...OTHER_ACCOUNTS, ...expenses]) {
    const { kinds: _kinds, ...fields } = a;
    const account: Account = {
      ...fields,
      AccountID: t.uuid(),
      Status: 'ACTIVE',
      EnablePaymentsToAccount: a.EnablePaymentsToAccount ?? false,
      ShowInExpenseClaims: a.Class === 'EXPENSE',
      UpdatedDateUTC: startMs,
    };
    t.accounts.set(account.AccountID, account);
  }
  const expenseAccounts = [...t.accounts.values()].filter((a) => a.Type === 'EXPENSE');

  // Tracking categories: two ACTIVE (Xero's maximum) and one ARCHIVED (XTC).
  for (const tc of TRACKING) {
    const cat: TrackingCategory = {
      TrackingCategoryID: t.uuid(),
      Name: tc.Name,
      Status: tc.Status,
      Options: [
        ...tc.Options.map((o) => ({ TrackingOptionID: t.uuid(), Name: o, Status: 'ACTIVE' as const })),
        ...tc.archivedOptions.map((o) => ({ TrackingOptionID: t.uuid(), Name: o, Status: 'ARCHIVED' as const })),
      ],
    };
    t.trackingCategories.set(cat.TrackingCategoryID, cat);
  }
  const activeTracking = [...t.trackingCategories.values()].filter((c) => c.Status === 'ACTIVE');

  // Suppliers: names, addresses, tax numbers; mostly USD, some EUR and GBP.
  let clock = startMs + DAY_MS;
  const tick = (maxMinutes: number) => (clock += rng.int(1, maxMinutes) * 60_000);
  const suppliers: { contact: Contact; kind: string; currency: string }[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < sizes.suppliers; i += 1) {
    let supplierName = '';
    let kind = '';
    for (let attempt = 0; attempt < 50 && (supplierName === '' || usedNames.has(supplierName)); attempt += 1) {
      kind = rng.pick(SUPPLIER_KINDS);
      supplierName = `${rng.pick(SUPPLIER_PREFIXES)} ${kind}`;
    }
    if (usedNames.has(supplierName)) supplierName = `${supplierName} ${i + 1}`;
    usedNames.add(supplierName);
    const roll = rng.next();
    const currency = sizes.suppliers >= 5 && i === 1 ? 'EUR' : sizes.suppliers >= 5 && i === 2 ? 'GBP' : roll < 0.8 ? 'USD' : roll < 0.92 ? 'EUR' : 'GBP';
    const slug = supplierName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const street = `${rng.int(10, 9800)} ${rng.pick(STREETS)}`;
    let address: Record<string, string>;
    let taxNumber: string;
    let taxType: string | undefined;
    if (currency === 'EUR') {
      const p = rng.pick(EU_PLACES);
      address = { AddressType: 'STREET', AddressLine1: street, City: p.City, Region: p.Region, PostalCode: p.PostalCode, Country: p.Country };
      taxNumber = `${p.vat}${rng.int(100000000, 999999999)}`;
    } else if (currency === 'GBP') {
      const p = rng.pick(UK_PLACES);
      address = { AddressType: 'STREET', AddressLine1: street, City: p.City, Region: p.Region, PostalCode: p.PostalCode, Country: p.Country };
      taxNumber = `GB${rng.int(100000000, 999999999)}`;
    } else {
      const p = rng.pick(US_PLACES);
      address = { AddressType: 'STREET', AddressLine1: street, City: p.City, Region: p.Region, PostalCode: p.PostalCode, Country: 'United States' };
      taxNumber = `${rng.int(10, 99)}-${rng.int(1000000, 9999999)}`;
      taxType = 'EIN';
    }
    const defaultAccount = expenseAccounts.find((a) => EXPENSE_ACCOUNTS.find((e) => e.Code === a.Code)?.kinds?.includes(kind)) ?? rng.pick(expenseAccounts);
    const contact = must(
      createContact(w(tick(240)), {
        Name: supplierName,
        FirstName: rng.pick(['Alex', 'Jordan', 'Sam', 'Taylor', 'Morgan', 'Casey', 'Jamie', 'Riley']),
        LastName: rng.pick(['Rivera', 'Chen', 'Okafor', 'Novak', 'Schmidt', 'Patel', 'Dubois', 'Walsh']),
        EmailAddress: `ap@${slug}.example`,
        AccountNumber: `V${1001 + i}`,
        TaxNumber: taxNumber,
        ...(taxType ? { TaxNumberType: taxType } : {}),
        DefaultCurrency: currency,
        PurchasesDefaultAccountCode: defaultAccount.Code,
        BankAccountDetails: `${rng.int(100000000, 999999999)} ${rng.int(10000000, 99999999)}`,
        Addresses: [address, { AddressType: 'POBOX', AddressLine1: `PO Box ${rng.int(100, 9999)}`, City: address.City, Region: address.Region, PostalCode: address.PostalCode, Country: address.Country }],
        Phones: [{ PhoneType: 'DEFAULT', PhoneAreaCode: String(rng.int(201, 989)), PhoneNumber: `${rng.int(200, 999)}-${rng.int(1000, 9999)}` }],
      }),
      'supplier',
    );
    suppliers.push({ contact, kind, currency });
  }

  const customers: Contact[] = [];
  for (let i = 0; i < sizes.customers; i += 1) {
    const customerName = i < CUSTOMER_NAMES.length ? CUSTOMER_NAMES[i]! : `Customer ${i + 1}`;
    const p = rng.pick(US_PLACES);
    customers.push(
      must(
        createContact(w(tick(240)), {
          Name: customerName,
          EmailAddress: `billing@${customerName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`,
          Addresses: [{ AddressType: 'STREET', AddressLine1: `${rng.int(10, 9800)} ${rng.pick(STREETS)}`, City: p.City, Region: p.Region, PostalCode: p.PostalCode, Country: 'United States' }],
        }),
        'customer',
      ),
    );
  }

  const bank = (currency: string): Account => [...t.accounts.values()].find((a) => a.Type === 'BANK' && a.CurrencyCode === currency) ?? t.accountByCode('090')!;

  const lineFor = (defaultCode: string | undefined): Record<string, unknown> => {
    const account = rng.chance(0.7) && defaultCode ? t.accountByCode(defaultCode)! : rng.pick(expenseAccounts);
    const descriptions = LINE_DESCRIPTIONS[account.Code ?? ''] ?? ['Services rendered'];
    const qty = rng.chance(0.75) ? String(rng.int(1, 5)) : `${rng.int(1, 9)}.5`;
    const line: Record<string, unknown> = {
      Description: rng.pick(descriptions),
      Quantity: qty,
      UnitAmount: cents(rng, 5, 1800),
      AccountCode: account.Code,
    };
    if (rng.chance(0.1)) line.TaxType = 'TAX001';
    if (rng.chance(0.3) && activeTracking.length > 0) {
      line.Tracking = activeTracking.slice(0, rng.int(1, activeTracking.length)).map((c) => ({
        Name: c.Name,
        Option: rng.pick(c.Options.filter((o) => o.Status === 'ACTIVE')).Name,
      }));
    }
    return line;
  };

  // Bills: the first seven cover every status; the rest are mostly AUTHORISED and unpaid.
  const plans = ['AUTHORISED', 'PARTLY_PAID', 'PAID', 'DRAFT', 'SUBMITTED', 'VOIDED', 'DELETED'] as const;
  const planFor = (i: number): (typeof plans)[number] => {
    if (i < plans.length) return plans[i]!;
    const r = rng.next();
    return r < 0.5 ? 'AUTHORISED' : r < 0.6 ? 'PARTLY_PAID' : r < 0.7 ? 'PAID' : r < 0.79 ? 'DRAFT' : r < 0.86 ? 'SUBMITTED' : r < 0.93 ? 'VOIDED' : 'DELETED';
  };
  const billTimes: number[] = Array.from({ length: sizes.bills }, () => endMs - rng.int(1, 95) * DAY_MS - rng.int(0, 600) * 60_000).sort((a, b) => a - b);
  for (let i = 0; i < sizes.bills && suppliers.length > 0; i += 1) {
    const plan = planFor(i);
    const s = rng.pick(suppliers);
    const created = billTimes[i]!;
    const date = ymdOf(created);
    const input: Record<string, unknown> = {
      Type: 'ACCPAY',
      Contact: { ContactID: s.contact.ContactID },
      Date: date,
      DueDate: addDays(date, rng.pick([15, 30, 30, 45, 60])),
      InvoiceNumber: `${s.contact.Name.slice(0, 3).toUpperCase()}-${rng.int(1000, 99999)}`,
      CurrencyCode: s.currency,
      LineAmountTypes: rng.chance(0.85) ? 'Exclusive' : rng.chance(0.6) ? 'NoTax' : 'Inclusive',
      Status: plan === 'DRAFT' || plan === 'DELETED' ? 'DRAFT' : plan === 'SUBMITTED' ? 'SUBMITTED' : 'AUTHORISED',
      LineItems: Array.from({ length: rng.int(1, 4) }, () => lineFor(s.contact.PurchasesDefaultAccountCode)),
    };
    if (rng.chance(0.25)) input.Reference = `PO-${rng.int(100, 999)}`;
    let bill = must(createInvoice(w(created), input), 'bill');
    let at = created;
    const later = () => Math.min(endMs, (at += rng.int(1, 20) * DAY_MS + rng.int(0, 600) * 60_000));
    if (plan === 'PARTLY_PAID' || plan === 'PAID') {
      const total = amountDue(bill);
      const parts: bigint[] = [];
      if (plan === 'PARTLY_PAID') parts.push((total * BigInt(rng.int(25, 75))) / 100n);
      else if (rng.chance(0.25)) {
        const first = (total * BigInt(rng.int(30, 60))) / 100n;
        parts.push(first, total - first);
      } else parts.push(total);
      for (const part of parts.filter((p) => p > 0n)) {
        const when = later();
        must(
          createPayment(w(when), {
            Invoice: { InvoiceID: bill.InvoiceID },
            Account: { AccountID: bank(s.currency).AccountID },
            Date: ymdOf(when),
            Amount: scaledText(part, 2),
            Reference: `ACH ${rng.int(100000, 999999)}`,
          }),
          'payment',
        );
      }
    } else if (plan === 'VOIDED' || plan === 'DELETED') {
      bill = must(updateInvoice(w(later()), bill, { Status: plan }), 'status change');
    }
  }

  // Sales invoices (ACCREC): numbered INV-0001…, a few paid.
  for (let i = 0; i < sizes.salesInvoices && customers.length > 0; i += 1) {
    const created = endMs - rng.int(1, 60) * DAY_MS;
    const date = ymdOf(created);
    const status = rng.chance(0.7) ? 'AUTHORISED' : 'DRAFT';
    const inv: Invoice = must(
      createInvoice(w(created), {
        Type: 'ACCREC',
        Contact: { ContactID: rng.pick(customers).ContactID },
        Date: date,
        DueDate: addDays(date, 30),
        Status: status,
        Reference: `Order ${rng.int(1000, 9999)}`,
        LineItems: [{ Description: rng.pick(['Consulting hours', 'Design work', 'Support retainer']), Quantity: String(rng.int(1, 20)), UnitAmount: cents(rng, 50, 250), AccountCode: '200', TaxType: rng.chance(0.5) ? 'TAX001' : 'OUTPUT' }],
      }),
      'sales invoice',
    );
    if (status === 'AUTHORISED' && rng.chance(0.4)) {
      const when = Math.min(endMs, created + rng.int(1, 20) * DAY_MS);
      must(createPayment(w(when), { Invoice: { InvoiceID: inv.InvoiceID }, Account: { Code: '090' }, Date: ymdOf(when), Amount: scaledText(inv.Total, 2) }), 'receipt');
    }
  }

  // Purchase orders (Xero only; BILL has none).
  for (let i = 0; i < sizes.purchaseOrders && suppliers.length > 0; i += 1) {
    const s = rng.pick(suppliers);
    const created = endMs - rng.int(1, 45) * DAY_MS;
    const date = ymdOf(created);
    must(
      createPurchaseOrder(w(created), {
        Contact: { ContactID: s.contact.ContactID },
        Date: date,
        DeliveryDate: addDays(date, 14),
        CurrencyCode: s.currency,
        Status: rng.pick(['DRAFT', 'AUTHORISED', 'AUTHORISED', 'BILLED']),
        LineItems: Array.from({ length: rng.int(1, 3) }, () => lineFor(s.contact.PurchasesDefaultAccountCode)),
      }),
      'purchase order',
    );
  }
  return t;
}

export function summarise(t: Tenant): TenantSeedSummary {
  const bills = [...t.invoices.values()].filter((i) => i.Type === 'ACCPAY');
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});
  const contacts = [...t.contacts.values()];
  return {
    tenantId: t.tenantId,
    tenantName: t.name,
    accounts: t.accounts.size,
    contacts: contacts.length,
    suppliers: contacts.filter((c) => c.IsSupplier).length,
    customers: contacts.filter((c) => c.IsCustomer).length,
    bills: bills.length,
    billsByStatus: count(bills.map((b) => b.Status)),
    partlyPaidBills: bills.filter((b) => b.Status === 'AUTHORISED' && b.AmountPaid > 0n).length,
    billsByCurrency: count(bills.map((b) => b.CurrencyCode)),
    salesInvoices: t.invoices.size - bills.length,
    payments: t.payments.size,
    purchaseOrders: t.purchaseOrders.size,
    trackingCategories: t.trackingCategories.size,
  };
}

/** Reads and checks the seed request; throws with a message the control route returns as 400. */
export function readSeedInput(body: unknown, fallbackSeed: number): Required<Omit<SeedInput, 'accounts'>> & { accounts?: number } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const int = (k: string, def: number, max: number): number => {
    const v = b[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Error(`${k} must be an integer from 0 to ${max}`);
    return v;
  };
  const asOfRaw = b.asOf;
  const asOf = asOfRaw === undefined ? DEFAULT_AS_OF : parseInputDate(asOfRaw);
  if (asOf === null) throw new Error('asOf must be a date, YYYY-MM-DD');
  const out: Required<Omit<SeedInput, 'accounts'>> & { accounts?: number } = {
    seed: int('seed', fallbackSeed, 0xffffffff),
    suppliers: int('suppliers', PRIMARY_SIZES.suppliers, 5000),
    bills: int('bills', PRIMARY_SIZES.bills, 50_000),
    customers: int('customers', PRIMARY_SIZES.customers, 5000),
    salesInvoices: int('salesInvoices', PRIMARY_SIZES.salesInvoices, 50_000),
    purchaseOrders: int('purchaseOrders', PRIMARY_SIZES.purchaseOrders, 50_000),
    asOf,
    extraTenants: int('extraTenants', 0, 99),
  };
  if (b.accounts !== undefined) out.accounts = int('accounts', EXPENSE_ACCOUNTS.length, 500);
  return out;
}
