import { randomUUID } from 'node:crypto';
import { minorDigits } from '../../core/money.ts';
import { dateString, envelopeDate, isoSeconds, msDate, msDateOfYmd } from './dates.ts';
import { QTY_SCALE, RATE_SCALE, UNIT_SCALE, divRound, rescale, scaledNumber } from './decimal.ts';
import type { Account, Contact, Invoice, LineItem, Payment, PurchaseOrder, TrackingCategory } from './model.ts';
import type { Tenant } from './tenant.ts';

/**
 * Renders records in Xero's JSON shape (XS schemas; XRR envelope). Money leaves as JSON numbers made
 * from exact decimal text; records carry `/Date(ms+0000)/` dates and an UpdatedDateUTC.
 */

export type Json = Record<string, unknown>;

export const PROVIDER_NAME = 'ML Connector Sandbox';

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  itemCount: number;
}

/** `{Id, Status:"OK", ProviderName, DateTimeUTC, [pagination], <Plural>: [...]}` (XS examples, XRR). */
export function envelope(plural: string, items: unknown[], now: number, pagination?: Pagination): Json {
  const out: Json = { Id: randomUUID(), Status: 'OK', ProviderName: PROVIDER_NAME, DateTimeUTC: envelopeDate(now) };
  if (pagination) out.pagination = pagination;
  out[plural] = items;
  return out;
}

export const money = (minor: bigint, currency: string): number => scaledNumber(minor, minorDigits(currency));

export interface RenderOptions {
  /** Unit amounts to 4 places (`unitdp=4`, XS) instead of 2. */
  unitdp4?: boolean;
}

export function renderAccount(a: Account): Json {
  const out: Json = { AccountID: a.AccountID };
  if (a.Code !== undefined) out.Code = a.Code;
  Object.assign(out, {
    Name: a.Name,
    Status: a.Status,
    Type: a.Type,
    TaxType: a.TaxType,
    Class: a.Class,
    EnablePaymentsToAccount: a.EnablePaymentsToAccount,
    ShowInExpenseClaims: a.ShowInExpenseClaims,
    ReportingCode: a.ReportingCode ?? '',
    HasAttachments: false,
    UpdatedDateUTC: msDate(a.UpdatedDateUTC),
    AddToWatchlist: false,
  });
  if (a.Description !== undefined) out.Description = a.Description;
  if (a.SystemAccount !== undefined) out.SystemAccount = a.SystemAccount;
  if (a.Type === 'BANK') {
    out.BankAccountNumber = a.BankAccountNumber ?? '';
    out.BankAccountType = a.BankAccountType ?? 'BANK';
    if (a.CurrencyCode) out.CurrencyCode = a.CurrencyCode;
  }
  return out;
}

const PHONE_TYPES = ['DEFAULT', 'DDI', 'MOBILE', 'FAX'] as const;
const ADDRESS_TYPES = ['POBOX', 'STREET'] as const;

/** Balances Xero computes on the fly (XS `Balances`); reading them never bumps UpdatedDateUTC (XRR). */
function balances(t: Tenant, c: Contact, today: string): Json {
  let apOut = 0n;
  let apOver = 0n;
  let arOut = 0n;
  let arOver = 0n;
  let currency = t.organisation.BaseCurrency;
  for (const inv of t.invoices.values()) {
    if (inv.ContactID !== c.ContactID || inv.Status !== 'AUTHORISED') continue;
    // Balances are "not converted to base currency" (XS): sum the contact's own currency only.
    if (inv.CurrencyCode !== (c.DefaultCurrency ?? t.organisation.BaseCurrency)) continue;
    currency = inv.CurrencyCode;
    const due = amountDue(inv);
    const overdue = inv.DueDate !== undefined && inv.DueDate < today;
    if (inv.Type === 'ACCPAY') {
      apOut += due;
      if (overdue) apOver += due;
    } else {
      arOut += due;
      if (overdue) arOver += due;
    }
  }
  return {
    AccountsReceivable: { Outstanding: money(arOut, currency), Overdue: money(arOver, currency) },
    AccountsPayable: { Outstanding: money(apOut, currency), Overdue: money(apOver, currency) },
  };
}

export function renderContact(t: Tenant, c: Contact, opts: { full?: boolean; today?: string } = {}): Json {
  const out: Json = { ContactID: c.ContactID, ContactStatus: c.ContactStatus, Name: c.Name };
  for (const k of [
    'ContactNumber', 'AccountNumber', 'FirstName', 'LastName', 'EmailAddress', 'CompanyNumber',
    'BankAccountDetails', 'TaxNumber', 'TaxNumberType', 'DefaultCurrency', 'PurchasesDefaultAccountCode',
    'SalesDefaultAccountCode', 'Website',
  ] as const) {
    if (c[k] !== undefined) out[k] = c[k];
  }
  // Xero always lists every address and phone type, empty ones included.
  out.Addresses = ADDRESS_TYPES.map((type) => ({ AddressType: type, ...c.Addresses.find((a) => a.AddressType === type) }));
  out.Phones = PHONE_TYPES.map((type) => ({ PhoneType: type, ...c.Phones.find((p) => p.PhoneType === type) }));
  Object.assign(out, {
    UpdatedDateUTC: msDate(c.UpdatedDateUTC),
    ContactGroups: [],
    IsSupplier: c.IsSupplier,
    IsCustomer: c.IsCustomer,
    ContactPersons: [],
    HasAttachments: false,
    HasValidationErrors: false,
  });
  if (opts.full) out.Balances = balances(t, c, opts.today ?? '9999-12-31');
  return out;
}

/** The short contact Xero nests in invoices, payments and purchase orders. */
export function contactRef(t: Tenant, contactId: string): Json {
  const c = t.contacts.get(contactId);
  const out: Json = { ContactID: contactId };
  if (c?.ContactNumber !== undefined) out.ContactNumber = c.ContactNumber;
  out.Name = c?.Name ?? '';
  out.HasValidationErrors = false;
  return out;
}

export function renderLine(l: LineItem, currency: string, opts: RenderOptions): Json {
  const unitScale = opts.unitdp4 ? UNIT_SCALE : 2;
  const out: Json = { LineItemID: l.LineItemID };
  if (l.Description !== undefined) out.Description = l.Description;
  out.Quantity = scaledNumber(l.Quantity, QTY_SCALE);
  out.UnitAmount = scaledNumber(rescale(l.UnitAmount, UNIT_SCALE, unitScale), unitScale);
  if (l.ItemCode !== undefined) out.ItemCode = l.ItemCode;
  if (l.AccountCode !== undefined) out.AccountCode = l.AccountCode;
  if (l.AccountID !== undefined) out.AccountID = l.AccountID;
  out.TaxType = l.TaxType;
  out.TaxAmount = money(l.TaxAmount, currency);
  out.LineAmount = money(l.LineAmount, currency);
  if (l.DiscountRate !== undefined) out.DiscountRate = scaledNumber(l.DiscountRate, 2);
  out.Tracking = l.Tracking.map((tr) => ({
    Name: tr.Name,
    Option: tr.Option,
    TrackingCategoryID: tr.TrackingCategoryID,
    TrackingOptionID: tr.TrackingOptionID,
  }));
  return out;
}

/** What is still owed; a VOIDED or DELETED document owes nothing. */
export const amountDue = (inv: Invoice): bigint =>
  inv.Status === 'VOIDED' || inv.Status === 'DELETED' ? 0n : inv.Total - inv.AmountPaid - inv.AmountCredited;

const rate = (r: bigint): number => scaledNumber(r, RATE_SCALE);

export function renderInvoice(t: Tenant, inv: Invoice, opts: RenderOptions & { lines?: boolean } = {}): Json {
  const cur = inv.CurrencyCode;
  const out: Json = { Type: inv.Type, InvoiceID: inv.InvoiceID };
  if (inv.InvoiceNumber !== undefined) out.InvoiceNumber = inv.InvoiceNumber;
  if (inv.Reference !== undefined) out.Reference = inv.Reference;
  out.Payments = t
    .paymentsOf(inv.InvoiceID)
    .filter((p) => p.Status === 'AUTHORISED')
    .map((p) => ({
      PaymentID: p.PaymentID,
      Date: msDateOfYmd(p.Date),
      Amount: money(p.Amount, cur),
      ...(p.Reference !== undefined ? { Reference: p.Reference } : {}),
      CurrencyRate: rate(p.CurrencyRate),
      HasAccount: false,
      HasValidationErrors: false,
    }));
  Object.assign(out, {
    CreditNotes: [],
    Prepayments: [],
    Overpayments: [],
    AmountDue: money(amountDue(inv), cur),
    AmountPaid: money(inv.AmountPaid, cur),
    AmountCredited: money(inv.AmountCredited, cur),
    CurrencyRate: rate(inv.CurrencyRate),
    IsDiscounted: inv.LineItems.some((l) => l.DiscountRate !== undefined && l.DiscountRate !== 0n),
    HasAttachments: false,
    HasErrors: false,
    Contact: contactRef(t, inv.ContactID),
    DateString: dateString(inv.Date),
    Date: msDateOfYmd(inv.Date),
  });
  if (inv.DueDate !== undefined) {
    out.DueDateString = dateString(inv.DueDate);
    out.DueDate = msDateOfYmd(inv.DueDate);
  }
  out.Status = inv.Status;
  out.LineAmountTypes = inv.LineAmountTypes;
  if (opts.lines !== false) out.LineItems = inv.LineItems.map((l) => renderLine(l, cur, opts));
  Object.assign(out, {
    SubTotal: money(inv.SubTotal, cur),
    TotalTax: money(inv.TotalTax, cur),
    Total: money(inv.Total, cur),
    UpdatedDateUTC: msDate(inv.UpdatedDateUTC),
    UpdatedDateUTCString: isoSeconds(inv.UpdatedDateUTC),
    CurrencyCode: cur,
    SentToContact: inv.SentToContact,
  });
  if (inv.FullyPaidOnDate !== undefined) out.FullyPaidOnDate = msDateOfYmd(inv.FullyPaidOnDate);
  if (inv.PlannedPaymentDate !== undefined) out.PlannedPaymentDate = msDateOfYmd(inv.PlannedPaymentDate);
  if (inv.Url !== undefined) out.Url = inv.Url;
  return out;
}

export function renderPayment(t: Tenant, p: Payment): Json {
  const inv = t.invoices.get(p.InvoiceID);
  const acc = t.accounts.get(p.AccountID);
  const cur = inv?.CurrencyCode ?? t.organisation.BaseCurrency;
  const bankCur = acc?.CurrencyCode ?? t.organisation.BaseCurrency;
  // BankAmount is in the bank account's currency: the invoice amount converted through the rate
  // when the two differ (rates are foreign units per base unit).
  let bankMinor = p.Amount;
  if (bankCur !== cur && p.CurrencyRate > 0n) {
    const inBase = divRound(p.Amount * 10n ** BigInt(RATE_SCALE), p.CurrencyRate);
    bankMinor = rescale(inBase, minorDigits(cur), minorDigits(bankCur));
  }
  const out: Json = {
    PaymentID: p.PaymentID,
    Date: msDateOfYmd(p.Date),
    BankAmount: money(bankMinor, bankCur),
    Amount: money(p.Amount, cur),
    CurrencyRate: rate(p.CurrencyRate),
    PaymentType: p.PaymentType,
    Status: p.Status,
    UpdatedDateUTC: msDate(p.UpdatedDateUTC),
    UpdatedDateUTCString: isoSeconds(p.UpdatedDateUTC),
    HasAccount: true,
    IsReconciled: p.IsReconciled,
    Account: acc ? { AccountID: acc.AccountID, ...(acc.Code !== undefined ? { Code: acc.Code } : {}), Name: acc.Name } : { AccountID: p.AccountID },
    HasValidationErrors: false,
  };
  if (p.Reference !== undefined) out.Reference = p.Reference;
  if (inv) {
    const ref: Json = { Type: inv.Type, InvoiceID: inv.InvoiceID };
    if (inv.InvoiceNumber !== undefined) ref.InvoiceNumber = inv.InvoiceNumber;
    Object.assign(ref, {
      Contact: contactRef(t, inv.ContactID),
      CurrencyCode: inv.CurrencyCode,
      CurrencyRate: rate(inv.CurrencyRate),
      Status: inv.Status,
      AmountDue: money(amountDue(inv), cur),
      AmountPaid: money(inv.AmountPaid, cur),
      Total: money(inv.Total, cur),
      HasErrors: false,
      IsDiscounted: false,
    });
    out.Invoice = ref;
  }
  return out;
}

export function renderTrackingCategory(c: TrackingCategory, includeArchivedOptions: boolean): Json {
  return {
    Name: c.Name,
    Status: c.Status,
    TrackingCategoryID: c.TrackingCategoryID,
    Options: c.Options.filter((o) => includeArchivedOptions || o.Status === 'ACTIVE').map((o) => ({
      TrackingOptionID: o.TrackingOptionID,
      Name: o.Name,
      Status: o.Status,
    })),
  };
}

export function renderPurchaseOrder(t: Tenant, po: PurchaseOrder, opts: RenderOptions = {}): Json {
  const cur = po.CurrencyCode;
  const out: Json = {
    PurchaseOrderID: po.PurchaseOrderID,
    PurchaseOrderNumber: po.PurchaseOrderNumber,
    Contact: contactRef(t, po.ContactID),
    DateString: dateString(po.Date),
    Date: msDateOfYmd(po.Date),
  };
  if (po.DeliveryDate !== undefined) {
    out.DeliveryDateString = dateString(po.DeliveryDate);
    out.DeliveryDate = msDateOfYmd(po.DeliveryDate);
  }
  if (po.Reference !== undefined) out.Reference = po.Reference;
  Object.assign(out, {
    Status: po.Status,
    LineAmountTypes: po.LineAmountTypes,
    LineItems: po.LineItems.map((l) => renderLine(l, cur, opts)),
    SubTotal: money(po.SubTotal, cur),
    TotalTax: money(po.TotalTax, cur),
    Total: money(po.Total, cur),
    CurrencyCode: cur,
    CurrencyRate: rate(po.CurrencyRate),
    SentToContact: false,
    HasAttachments: false,
    UpdatedDateUTC: msDate(po.UpdatedDateUTC),
  });
  return out;
}

export function renderOrganisation(t: Tenant): Json {
  const o = t.organisation;
  return {
    OrganisationID: o.OrganisationID,
    APIKey: '',
    Name: o.Name,
    LegalName: o.LegalName,
    PaysTax: true,
    Version: o.Version,
    OrganisationType: o.OrganisationType,
    BaseCurrency: o.BaseCurrency,
    CountryCode: o.CountryCode,
    IsDemoCompany: o.IsDemoCompany,
    OrganisationStatus: 'ACTIVE',
    TaxNumber: o.TaxNumber,
    FinancialYearEndDay: 31,
    FinancialYearEndMonth: 12,
    SalesTaxBasis: 'ACCRUAL',
    SalesTaxPeriod: 'MONTHLY',
    DefaultSalesTax: 'Tax Exclusive',
    DefaultPurchasesTax: 'Tax Exclusive',
    CreatedDateUTC: msDate(o.CreatedDateUTC),
    OrganisationEntityType: o.OrganisationType,
    Timezone: o.Timezone,
    ShortCode: o.ShortCode,
    Class: 'DEMO',
    Edition: 'BUSINESS',
    LineOfBusiness: 'Professional services',
    Addresses: [],
    Phones: [],
    ExternalLinks: [],
    PaymentTerms: {},
  };
}
