import { minorDigits } from '../../core/money.ts';
import { QTY_SCALE, UNIT_SCALE, divRound, mulScaled, parseScaled, rescale, scaledText } from './decimal.ts';
import type { LineAmountTypes, LineItem, TrackingRef } from './model.ts';
import type { Tenant } from './tenant.ts';

/**
 * Line items of invoices and purchase orders (XS `LineItem`; A7, A8.7): LineAmount =
 * Quantity × UnitAmount (less the discount on ACCREC), tax from the line's TaxType unless the caller
 * overrides TaxAmount, at most two tracking entries that name ACTIVE categories and options, and
 * AccountCode checked against the chart of accounts. All arithmetic is on integers (decimal.ts).
 */

export interface LineRules {
  tenant: Tenant;
  /** ACCPAY rejects discounts (XS LineItem.DiscountRate: "ACC PAY invoices … do not support discounts"). */
  allowDiscounts: boolean;
  currency: string;
  lineAmountTypes: LineAmountTypes;
  unitdp4: boolean;
  /** Every line needs an account once the document leaves DRAFT. */
  requireAccount: boolean;
  /** The document's line amount type before this update; unchanged lines keep their amounts when it is the same. */
  previousLineAmountTypes?: LineAmountTypes;
}

type In = Record<string, unknown>;

const present = (o: In, k: string): boolean => o[k] !== undefined && o[k] !== null;

function resolveTracking(t: Tenant, input: unknown, errors: string[]): TrackingRef[] {
  if (!Array.isArray(input)) {
    errors.push('Tracking must be a list of tracking categories.');
    return [];
  }
  if (input.length > 2) errors.push('A line item can have a maximum of 2 tracking categories.');
  const out: TrackingRef[] = [];
  for (const raw of input.slice(0, 2)) {
    const r = (raw ?? {}) as In;
    const catId = typeof r.TrackingCategoryID === 'string' ? r.TrackingCategoryID.toLowerCase() : undefined;
    const catName = typeof r.Name === 'string' ? r.Name.trim().toLowerCase() : undefined;
    const cat = [...t.trackingCategories.values()].find(
      (c) => (catId !== undefined && c.TrackingCategoryID === catId) || (catId === undefined && catName !== undefined && c.Name.toLowerCase() === catName),
    );
    const label = String(r.Name ?? r.TrackingCategoryID ?? '');
    if (!cat || cat.Status !== 'ACTIVE') {
      errors.push(`The tracking category '${label}' does not exist or is not active.`);
      continue;
    }
    const optId = typeof r.TrackingOptionID === 'string' ? r.TrackingOptionID.toLowerCase() : undefined;
    const optName = typeof r.Option === 'string' ? r.Option.trim().toLowerCase() : undefined;
    const opt = cat.Options.find(
      (o) => (optId !== undefined && o.TrackingOptionID === optId) || (optId === undefined && optName !== undefined && o.Name.toLowerCase() === optName),
    );
    if (!opt || opt.Status !== 'ACTIVE') {
      errors.push(`The tracking option '${String(r.Option ?? r.TrackingOptionID ?? '')}' does not exist or is not active in '${cat.Name}'.`);
      continue;
    }
    if (out.some((x) => x.TrackingCategoryID === cat.TrackingCategoryID)) {
      errors.push(`The tracking category '${cat.Name}' is used more than once on a line item.`);
      continue;
    }
    out.push({ TrackingCategoryID: cat.TrackingCategoryID, TrackingOptionID: opt.TrackingOptionID, Name: cat.Name, Option: opt.Name });
  }
  return out;
}

/** Tax on one line from its rate (percent × 10^4), exclusive or inclusive of the line amount. */
function computeTax(lineAmount: bigint, rate: bigint, lat: LineAmountTypes): bigint {
  if (lat === 'NoTax' || rate === 0n) return 0n;
  if (lat === 'Inclusive') return divRound(lineAmount * rate, 1_000_000n + rate);
  return divRound(lineAmount * rate, 1_000_000n);
}

/**
 * Builds one line from the caller's element. `base` is the existing line the element names by
 * LineItemID; fields the element leaves out keep the base's values (partial line update, A7).
 */
function buildLine(rules: LineRules, raw: unknown, base: LineItem | undefined, newId: () => string, errors: string[]): LineItem {
  const t = rules.tenant;
  const r = (raw && typeof raw === 'object' ? raw : {}) as In;
  const digits = minorDigits(rules.currency);
  const num = (k: string, scale: number): bigint | undefined => {
    if (!present(r, k)) return undefined;
    const v = parseScaled(r[k], scale);
    if (v === null) errors.push(`${k} '${String(r[k])}' is not a valid number.`);
    return v ?? undefined;
  };

  if (!rules.allowDiscounts && (present(r, 'DiscountRate') || present(r, 'DiscountAmount'))) {
    errors.push('Discounts are not supported on ACCPAY invoices or purchase orders.');
  }
  const qtyIn = num('Quantity', QTY_SCALE);
  const unitIn = num('UnitAmount', rules.unitdp4 ? UNIT_SCALE : 2);
  const unitIn4 = unitIn === undefined ? undefined : rules.unitdp4 ? unitIn : rescale(unitIn, 2, UNIT_SCALE);
  const lineIn = num('LineAmount', digits);
  const taxIn = num('TaxAmount', digits);
  const discountRate = rules.allowDiscounts ? (num('DiscountRate', 2) ?? base?.DiscountRate) : undefined;

  const one = 10n ** BigInt(QTY_SCALE);
  const hasAmountInput = qtyIn !== undefined || unitIn4 !== undefined || lineIn !== undefined;
  let quantity = qtyIn ?? base?.Quantity ?? (hasAmountInput ? one : 0n);
  let unit: bigint;
  if (unitIn4 !== undefined) {
    unit = unitIn4;
  } else if (lineIn !== undefined) {
    // "provide a LineAmount and Xero will calculate the missing amount" (XS LineItem.LineAmount)
    if (quantity === 0n) quantity = one;
    unit = divRound(rescale(lineIn, digits, UNIT_SCALE + QTY_SCALE), quantity);
  } else {
    unit = base?.UnitAmount ?? 0n;
  }
  let computed = mulScaled(quantity, QTY_SCALE, unit, UNIT_SCALE, digits);
  if (discountRate !== undefined && discountRate !== 0n) computed = divRound(computed * (10_000n - discountRate), 10_000n);
  let lineAmount = computed;
  if (lineIn !== undefined && lineIn !== computed) {
    if (unitIn4 !== undefined) {
      errors.push(`The line total ${scaledText(lineIn, digits)} does not match the expected line total ${scaledText(computed, digits)}`);
    } else {
      lineAmount = lineIn;
    }
  }
  // A line named by LineItemID whose amounts were not sent keeps them exactly as stored (a unit
  // amount derived from a LineAmount is rounded, so recomputing could move a cent).
  const amountsSent = hasAmountInput || present(r, 'DiscountRate');
  if (base && !amountsSent) lineAmount = base.LineAmount;

  let accountCode = base?.AccountCode;
  let accountId = base?.AccountID;
  if (present(r, 'AccountCode')) {
    const code = String(r.AccountCode);
    const acc = t.accountByCode(code);
    if (!acc) errors.push(`Account code '${code}' has been removed as it does not match a recognised account.`);
    accountCode = acc?.Code ?? code;
    accountId = acc?.AccountID;
  } else if (present(r, 'AccountID')) {
    const acc = t.accounts.get(String(r.AccountID).toLowerCase());
    if (!acc) errors.push(`Account ID '${String(r.AccountID)}' does not match a recognised account.`);
    accountCode = acc?.Code;
    accountId = acc?.AccountID;
  }
  if (rules.requireAccount && accountCode === undefined && accountId === undefined && lineAmount !== 0n) {
    errors.push('Account code must be specified for each line item that has an amount.');
  }
  const account = accountId !== undefined ? t.accounts.get(accountId) : undefined;

  let taxType = present(r, 'TaxType') ? String(r.TaxType) : (base?.TaxType ?? account?.TaxType ?? 'NONE');
  if (rules.lineAmountTypes === 'NoTax') taxType = 'NONE';
  const rate = t.taxRate(taxType);
  if (!rate) errors.push(`The TaxType code '${taxType}' does not exist or cannot be used for this type of transaction.`);
  else taxType = rate.TaxType;
  const taxKept = base !== undefined && !amountsSent && taxIn === undefined && taxType === base.TaxType && rules.lineAmountTypes === rules.previousLineAmountTypes;
  const taxAmount =
    rules.lineAmountTypes === 'NoTax' ? 0n : taxKept ? base.TaxAmount : (taxIn ?? computeTax(lineAmount, rate?.Rate ?? 0n, rules.lineAmountTypes));

  let description = base?.Description;
  if (present(r, 'Description')) {
    description = String(r.Description);
  }
  const tracking = present(r, 'Tracking') ? resolveTracking(t, r.Tracking, errors) : (base?.Tracking ?? []);

  const line: LineItem = {
    LineItemID: base?.LineItemID ?? newId(),
    Quantity: quantity,
    UnitAmount: unit,
    TaxType: taxType,
    TaxAmount: taxAmount,
    LineAmount: lineAmount,
    Tracking: tracking,
  };
  if (description !== undefined) line.Description = description;
  if (accountCode !== undefined) line.AccountCode = accountCode;
  if (accountId !== undefined) line.AccountID = accountId;
  const itemCode = present(r, 'ItemCode') ? String(r.ItemCode) : base?.ItemCode;
  if (itemCode !== undefined) line.ItemCode = itemCode;
  if (discountRate !== undefined) line.DiscountRate = discountRate;
  return line;
}

/**
 * Builds the document's new set of lines from the caller's LineItems: lines that carry a known
 * LineItemID are updated in place, the others are new, and existing lines left out are removed
 * (waynerobinson/xeroizer#480; A7 "lines sent without LineItemID are deleted and recreated").
 */
export function buildLines(rules: LineRules, input: unknown, existing: LineItem[], errors: string[]): LineItem[] {
  if (!Array.isArray(input)) {
    errors.push('LineItems must be a list.');
    return existing;
  }
  const byId = new Map(existing.map((l) => [l.LineItemID, l]));
  return input.map((raw) => {
    const id = raw && typeof raw === 'object' ? (raw as In).LineItemID : undefined;
    const base = typeof id === 'string' ? byId.get(id.toLowerCase()) : undefined;
    return buildLine(rules, raw, base, () => rules.tenant.uuid(), errors);
  });
}

export interface Totals {
  SubTotal: bigint;
  TotalTax: bigint;
  Total: bigint;
}

/** SubTotal excludes tax whatever the line amount type; Total = SubTotal + TotalTax (XS Invoice). */
export function totalsOf(lines: LineItem[], lat: LineAmountTypes): Totals {
  let lineSum = 0n;
  let tax = 0n;
  for (const l of lines) {
    lineSum += l.LineAmount;
    tax += l.TaxAmount;
  }
  if (lat === 'Inclusive') return { SubTotal: lineSum - tax, TotalTax: tax, Total: lineSum };
  return { SubTotal: lineSum, TotalTax: tax, Total: lineSum + tax };
}

/** Whether two line sets carry the same amounts (used to refuse total-changing edits on paid documents). */
export function sameAmounts(a: LineItem[], b: LineItem[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((l, i) => {
    const m = b[i]!;
    return l.LineItemID === m.LineItemID && l.Quantity === m.Quantity && l.UnitAmount === m.UnitAmount && l.LineAmount === m.LineAmount && l.TaxAmount === m.TaxAmount && l.TaxType === m.TaxType;
  });
}
