/**
 * A realistic tenant, the same for the same seed: three branches, a chart of accounts with cash
 * accounts, segmented subaccounts (department-location), dozens of vendors, about a hundred AP
 * documents in every status (On Hold, Balanced, Open, partly paid, Closed by a released payment,
 * debit and credit adjustments) and a few purchase orders. Records are dated in 2025 so a
 * `LastModifiedDateTime gt …` poll started now sees only what changes afterwards.
 */
import { Rng } from '../kit/rng.ts';
import { billRules, releaseBill } from './bill-rules.ts';
import { checkRules, releaseCheck } from './check-rules.ts';
import type { ParsedInput } from './input.ts';
import { masterRules } from './master-rules.ts';
import { newTenant, type Scalar, type Tenant } from './model.ts';
import { fromCents, toCents } from './money.ts';
import type { AcumaticaDeps } from './options.ts';
import { stamp } from './records.ts';
import type { EntityRules } from './rules.ts';
import { departments, lineTexts, locations, seedAccounts, seedBranches, vendorNames } from './seed-data.ts';

export interface SeedInput {
  seed?: number;
  vendors?: number;
  bills?: number;
  purchaseOrders?: number;
}

export interface SeedSummary {
  tenant: string;
  vendors: number;
  bills: number;
  checks: number;
  accounts: number;
  subaccounts: number;
  purchaseOrders: number;
}

export const sandboxUser = { name: 'admin', password: 'sandbox-password' } as const;

const START = Date.parse('2025-03-03T09:00:00.000Z');

function input(fields: Record<string, Scalar>, lines?: Record<string, Scalar>[]): ParsedInput {
  return { fields, linked: {}, details: lines ? { Details: lines.map((f) => ({ delete: false, fields: f })) } : {}, errors: {} };
}

export function seedTenant(deps: AcumaticaDeps, name: string, opts: SeedInput, tenantIndex: number): SeedSummary {
  const rng = new Rng((opts.seed ?? deps.ctx.seed) * 31 + tenantIndex);
  const tenant = newTenant(name, [{ ...sandboxUser }], seedBranches.map(([id, branchName]) => ({ id, name: branchName, company: name })));
  deps.state.tenants.set(name, tenant);
  let clock = START;
  const save = (entity: string, rules: EntityRules, i: ParsedInput) => {
    clock += rng.int(60_000, 3_600_000);
    const c = { deps, tenant, existing: undefined, input: i };
    Object.assign(i.fields, rules.newKeys?.(c), Object.fromEntries(Object.entries(i.fields).filter(([, v]) => v !== undefined)));
    const rec = rules.save(c);
    rec.createdAt = rec.modifiedAt = clock;
    stamp(entity, rec);
    return rec;
  };
  const finish = (entity: string, rec: ReturnType<typeof save>) => {
    rec.modifiedAt = clock += rng.int(60_000, 600_000);
    stamp(entity, rec);
  };
  for (const [code, description, type, cash] of seedAccounts) save('Account', masterRules.Account!, input({ AccountCD: code, Description: description, Type: type, CashAccount: cash ?? false }));
  for (const [dept, deptName] of departments) for (const [loc, locName] of locations) {
    save('Subaccount', masterRules.Subaccount!, input({ SubaccountCD: `${dept}${loc}`, Description: `${deptName} - ${locName}` }));
  }
  // Past the list, names repeat with a number (benchmarks seed hundreds of vendors).
  const vendorCount = opts.vendors ?? 36;
  const vendors: string[] = [];
  for (let v = 0; v < vendorCount; v += 1) {
    const id = `V${String(v + 1).padStart(5, '0')}`;
    const base = vendorNames[v % vendorNames.length]!;
    const vendorName = v < vendorNames.length ? base : `${base} ${Math.floor(v / vendorNames.length) + 1}`;
    const rec = save('Vendor', masterRules.Vendor!, input({ VendorID: id, VendorName: vendorName, LegalName: `${vendorName} LLC`, Status: v % 17 === 16 ? 'Inactive' : 'Active', VendorClass: 'DEFAULT', Terms: rng.pick(['30D', 'NET15', '30D']), PaymentMethod: 'CHECK', CashAccount: '10100', APAccount: '20000', APSubaccount: '000000' }));
    rec.linked.MainContact = { Email: `ap@${vendorName.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example.com`, Phone1: `+1 555 01${String(v).padStart(2, '0')}`, Address: { AddressLine1: `${100 + v} Main Street`, City: 'Springfield', State: 'IL', PostalCode: '62701', Country: 'US' } };
    if (rec.fields.Status === 'Active') vendors.push(id);
  }
  const expense = seedAccounts.filter((a) => a[2] === 'Expense').map((a) => a[0]);
  let checks = 0;
  const billCount = opts.bills ?? 100;
  for (let n = 0; n < billCount; n += 1) {
    const type = n % 25 === 7 ? 'Debit Adj.' : n % 25 === 19 ? 'Credit Adj.' : 'Bill';
    const vendor = rng.pick(vendors);
    const date = new Date(START + n * 86_400_000 * 2).toISOString();
    const lines = Array.from({ length: rng.int(1, 3) }, () => ({
      Account: rng.pick(expense),
      Subaccount: `${rng.pick(departments)[0]}${rng.pick(locations)[0]}`,
      Branch: rng.pick(seedBranches)[0],
      ExtendedCost: fromCents(rng.int(2_500, 450_000)),
      TransactionDescription: rng.pick(lineTexts),
    }));
    const fate = rng.next();
    const bill = save('Bill', billRules, input({ Type: type, Vendor: vendor, VendorRef: `INV-${10_000 + n}`, Date: date, Description: `${rng.pick(lineTexts)} ${n + 1}`, Hold: fate < 0.12 }, lines));
    if (fate < 0.24) continue;
    releaseBill(tenant, bill, clock);
    finish('Bill', bill);
    if (type !== 'Bill' || fate < 0.7) continue;
    const full = fate >= 0.85;
    const amount = full ? String(bill.fields.Balance) : fromCents(Math.floor((toCents(bill.fields.Balance) ?? 0) / 2));
    const check = save('Check', checkRules, input({ Type: 'Payment', Vendor: vendor, PaymentMethod: 'CHECK', CashAccount: '10100', PaymentAmount: amount, PaymentRef: `CHK${5000 + checks}`, ApplicationDate: date }, [{ DocType: 'Bill', ReferenceNbr: String(bill.fields.ReferenceNbr), AmountPaid: amount }]));
    releaseCheck(tenant, check, clock);
    finish('Check', check);
    finish('Bill', bill);
    checks += 1;
  }
  const poCount = opts.purchaseOrders ?? 5;
  for (let p = 0; p < poCount; p += 1) {
    save('PurchaseOrder', masterRules.PurchaseOrder!, input({ Type: 'Normal', VendorID: rng.pick(vendors), Date: new Date(START + p * 86_400_000 * 9).toISOString(), Description: `Blanket supplies order ${p + 1}`, Branch: 'HQ' }, [
      { LineNbr: 1, LineType: 'Non-Stock', LineDescription: rng.pick(lineTexts), OrderQty: '10.00', UnitCost: '25.00', ExtendedCost: '250.00', Account: rng.pick(expense), Subaccount: '300010', BranchID: 'HQ' },
    ]));
  }
  linkBillsToOrders(tenant);
  return summary(tenant);
}

/** Each purchase order's vendor gets its first Open bill linked to the order, as a bill entered from the PO is. */
function linkBillsToOrders(tenant: Tenant): void {
  const bills = [...(tenant.tables.get('Bill')?.values() ?? [])];
  for (const po of tenant.tables.get('PurchaseOrder')?.values() ?? []) {
    const bill = bills.find((b) => b.fields.Vendor === po.fields.VendorID && b.fields.Type === 'Bill' && b.fields.Status === 'Open' && !b.details.Details?.[0]?.fields.POOrderNbr);
    const line = bill?.details.Details?.[0];
    if (!line) continue;
    Object.assign(line.fields, { POOrderType: String(po.fields.Type), POOrderNbr: String(po.fields.OrderNbr), POLine: 1 });
  }
}

export function summary(tenant: Tenant): SeedSummary {
  const size = (e: string) => tenant.tables.get(e)?.size ?? 0;
  return { tenant: tenant.name, vendors: size('Vendor'), bills: size('Bill'), checks: size('Check'), accounts: size('Account'), subaccounts: size('Subaccount'), purchaseOrders: size('PurchaseOrder') };
}
