/**
 * Rules of the master data: Vendor (key VendorID; Status one of Active, On Hold, Hold Payments,
 * Inactive, One-Time [AIR:UG/AP_30_30_00.md]), Account (key AccountCD; Type Asset, Liability,
 * Income, Expense), Subaccount (key SubaccountCD, segmented: the segments are given with or without
 * their `-` separators and kept without them, as Bill lines send "000000"
 * [AIR:IntegrationDev_RESTExample_Bill_CreateWithOverridingTaxes.md]) and PurchaseOrder (present, its
 * totals from its lines).
 */
import { fromCents, toCents } from './money.ts';
import { nextNumber, numberTaken, table, type FieldErrors } from './model.ts';
import { exists, oneOf, requireText, upsert, type EntityRules } from './rules.ts';

export const vendorStatuses = ['Active', 'On Hold', 'Hold Payments', 'Inactive', 'One-Time'] as const;
export const accountTypes = ['Asset', 'Liability', 'Income', 'Expense'] as const;

export const normalizeSubaccount = (code: string): string => code.replace(/-/g, '').toUpperCase();

const vendor: EntityRules = {
  validate: ({ existing, input }) => {
    const errors: FieldErrors = {};
    if (!existing) {
      requireText(errors, 'VendorID', input.fields.VendorID, 'Vendor ID');
      requireText(errors, 'VendorName', input.fields.VendorName, 'Vendor Name');
    }
    oneOf(errors, 'Status', input.fields.Status, vendorStatuses);
    return errors;
  },
  save: (c) => {
    const rec = upsert(c, 'Vendor', { VendorID: String(c.existing?.fields.VendorID ?? c.input.fields.VendorID) });
    rec.fields.Status ??= 'Active';
    rec.fields.CurrencyID ??= 'USD';
    return rec;
  },
};

const account: EntityRules = {
  validate: ({ existing, input }) => {
    const errors: FieldErrors = {};
    if (!existing) {
      requireText(errors, 'AccountCD', input.fields.AccountCD, 'Account');
      requireText(errors, 'Type', input.fields.Type, 'Type');
    }
    oneOf(errors, 'Type', input.fields.Type, accountTypes);
    return errors;
  },
  save: (c) => {
    const isNew = !c.existing;
    const rec = upsert(c, 'Account', { AccountCD: String(c.existing?.fields.AccountCD ?? c.input.fields.AccountCD) });
    if (isNew) rec.fields.AccountID = table(c.tenant, 'Account').size + 1000;
    rec.fields.Active ??= true;
    rec.fields.CashAccount ??= false;
    rec.fields.CurrencyID ??= 'USD';
    return rec;
  },
};

const subaccount: EntityRules = {
  validate: ({ existing, input }) => {
    const errors: FieldErrors = {};
    if (!existing) requireText(errors, 'SubaccountCD', input.fields.SubaccountCD, 'Subaccount');
    return errors;
  },
  save: (c) => {
    const isNew = !c.existing;
    if (typeof c.input.fields.SubaccountCD === 'string') c.input.fields.SubaccountCD = normalizeSubaccount(c.input.fields.SubaccountCD);
    const rec = upsert(c, 'Subaccount', { SubaccountCD: String(c.existing?.fields.SubaccountCD ?? c.input.fields.SubaccountCD) });
    if (isNew) rec.fields.SubaccountID = table(c.tenant, 'Subaccount').size + 100;
    rec.fields.Active ??= true;
    rec.fields.Secured ??= false;
    return rec;
  },
};

const purchaseOrder: EntityRules = {
  validate: ({ tenant, existing, input }) => {
    const errors: FieldErrors = {};
    if (!existing) requireText(errors, 'VendorID', input.fields.VendorID, 'Vendor');
    if (input.fields.VendorID !== undefined && !exists(tenant, 'Vendor', input.fields.VendorID)) errors.VendorID = `'Vendor' cannot be found in the system.`;
    oneOf(errors, 'Type', input.fields.Type, ['Normal', 'Drop-Ship', 'Blanket', 'Standard']);
    return errors;
  },
  newKeys: ({ tenant, input }) => ({ Type: String(input.fields.Type ?? 'Normal'), OrderNbr: nextNumber(tenant, 'PO', 'PO', numberTaken(tenant, 'PurchaseOrder', 'OrderNbr')) }),
  save: (c) => {
    const rec = upsert(c, 'PurchaseOrder', { Type: String(c.existing?.fields.Type ?? c.input.fields.Type ?? 'Normal'), OrderNbr: String(c.existing?.fields.OrderNbr ?? c.input.fields.OrderNbr) });
    const total = (rec.details.Details ?? []).reduce((sum, line) => sum + (toCents(line.fields.ExtendedCost) ?? 0), 0);
    rec.fields.LineTotal = fromCents(total);
    rec.fields.OrderTotal = fromCents(total);
    rec.fields.Hold ??= false;
    rec.fields.Status = rec.fields.Status === 'Closed' || rec.fields.Status === 'Completed' ? rec.fields.Status : rec.fields.Hold ? 'On Hold' : 'Open';
    return rec;
  },
};

export const masterRules: Record<string, EntityRules> = { Vendor: vendor, Account: account, Subaccount: subaccount, PurchaseOrder: purchaseOrder };
