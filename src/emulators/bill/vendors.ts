/**
 * Vendors (reference A4): list, create (201), bulk create (≤20, all or nothing), get, PATCH (bank
 * account details refused: they have their own endpoints), archive/restore (no DELETE, A3).
 */
import type { FastifyInstance } from 'fastify';
import { isKnownCurrency } from '../../core/money.ts';
import { amountJson } from './amounts.ts';
import { badRequest, invalid, notFound } from './errors.ts';
import { listPage, ops, pageBody, type ListSpec } from './lists.ts';
import type { Address, Organization, Vendor } from './model.ts';
import type { BillDeps } from './options.ts';
import { apiRoute } from './pipeline.ts';
import { billTotals } from './payments-logic.ts';
import { isoTime } from './time.ts';
import { Checker, defined, isObject, type Json } from './validate.ts';

export const vendorBulkCap = 20;

const accountTypes = ['BUSINESS', 'PERSON', 'NONE'] as const;
const vendorFields = ['name', 'shortName', 'accountNumber', 'accountType', 'email', 'phone', 'address', 'paymentInformation', 'billCurrency', 'additionalInfo'];
const addressFields = ['line1', 'line2', 'city', 'stateOrProvince', 'zipOrPostalCode', 'country'];
const paymentInfoFields = ['payeeName', 'email', 'bankAccount'];
const bankFields = ['nameOnAccount', 'accountNumber', 'routingNumber', 'type', 'ownerType', 'paymentCurrency'];
const additionalFields = ['taxId', 'taxIdType', 'track1099', 'leadTimeInDays', 'combinePayments', 'paymentTermId', 'companyName'];

type VendorInput = Partial<Omit<Vendor, 'id' | 'archived' | 'createdTime' | 'updatedTime'>>;

function checkAddress(c: Checker, obj: Json): Address {
  c.keys(obj, addressFields, 'address');
  const country = c.string(obj, 'country', 'address');
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) c.fail('address.country must be an ISO 3166-1 alpha-2 code such as US.');
  return defined({
    line1: c.string(obj, 'line1', 'address'),
    line2: c.string(obj, 'line2', 'address'),
    city: c.string(obj, 'city', 'address'),
    stateOrProvince: c.string(obj, 'stateOrProvince', 'address'),
    zipOrPostalCode: c.string(obj, 'zipOrPostalCode', 'address'),
    country,
  });
}

/** Validates a vendor body; `partial` for PATCH, where bank account details are refused. */
export function checkVendor(body: unknown, partial: boolean, prefix = ''): { input: VendorInput; errors: string[] } {
  const c = new Checker(prefix);
  if (!isObject(body)) {
    c.fail('The request body must be a vendor object.');
    return { input: {}, errors: c.errors };
  }
  c.keys(body, vendorFields, '');
  const input: VendorInput = defined({
    name: c.string(body, 'name', '', { required: !partial, max: 100 }),
    shortName: c.string(body, 'shortName', '', { max: 40 }),
    accountNumber: c.string(body, 'accountNumber', ''),
    accountType: c.oneOf(body, 'accountType', '', accountTypes),
    email: c.string(body, 'email', ''),
    phone: c.string(body, 'phone', ''),
    billCurrency: c.string(body, 'billCurrency', ''),
  });
  if (partial && 'name' in body && input.name === '') c.fail('name is required.');
  if (input.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(input.email)) c.fail('email is not a valid email address.');
  if (input.billCurrency !== undefined && !isKnownCurrency(input.billCurrency)) c.fail('billCurrency must be an ISO 4217 currency code.');
  const address = c.object(body, 'address', '');
  if (address) input.address = checkAddress(c, address);
  const pay = c.object(body, 'paymentInformation', '');
  if (pay) {
    c.keys(pay, paymentInfoFields, 'paymentInformation');
    const payeeName = c.string(pay, 'payeeName', 'paymentInformation');
    const paymentEmail = c.string(pay, 'email', 'paymentInformation');
    if (payeeName !== undefined) input.payeeName = payeeName;
    if (paymentEmail !== undefined) input.paymentEmail = paymentEmail;
    const bank = c.object(pay, 'bankAccount', 'paymentInformation');
    if (bank && partial) {
      c.fail('paymentInformation.bankAccount cannot be changed with PATCH /v3/vendors/{vendorId}; use the vendor bank-account endpoints.');
    } else if (bank) {
      c.keys(bank, bankFields, 'paymentInformation.bankAccount');
      const b = 'paymentInformation.bankAccount';
      input.bankAccount = defined({
        nameOnAccount: c.string(bank, 'nameOnAccount', b, { required: true }),
        accountNumber: c.string(bank, 'accountNumber', b, { required: true }),
        routingNumber: c.string(bank, 'routingNumber', b),
        type: c.oneOf(bank, 'type', b, ['CHECKING', 'SAVINGS']),
        ownerType: c.oneOf(bank, 'ownerType', b, ['BUSINESS', 'PERSONAL']),
        paymentCurrency: c.string(bank, 'paymentCurrency', b),
      });
    }
  }
  const extra = c.object(body, 'additionalInfo', '');
  if (extra) {
    c.keys(extra, additionalFields, 'additionalInfo');
    const a = 'additionalInfo';
    input.additionalInfo = defined({
      taxId: c.string(extra, 'taxId', a),
      taxIdType: c.oneOf(extra, 'taxIdType', a, ['EIN', 'SSN']),
      track1099: c.boolean(extra, 'track1099', a),
      leadTimeInDays: c.integer(extra, 'leadTimeInDays', a),
      combinePayments: c.boolean(extra, 'combinePayments', a),
      paymentTermId: c.string(extra, 'paymentTermId', a),
      companyName: c.string(extra, 'companyName', a),
    });
  }
  return { input, errors: c.errors };
}

export function createVendor(deps: BillDeps, org: Organization, input: VendorInput, at = deps.state.now()): Vendor {
  const billCurrency = input.billCurrency ?? 'USD';
  const vendor: Vendor = {
    ...input,
    // Domestic bank accounts default to a business checking account in the bill currency.
    ...(input.bankAccount ? { bankAccount: { type: 'CHECKING', ownerType: 'BUSINESS', paymentCurrency: billCurrency, ...input.bankAccount } } : {}),
    id: deps.state.newId('vendor'),
    archived: false,
    name: input.name ?? '',
    accountType: input.accountType ?? 'NONE',
    billCurrency,
    createdTime: at,
    updatedTime: at,
  };
  org.vendors.set(vendor.id, vendor);
  return vendor;
}

/** Account numbers are shown with all but the last four digits masked (masking in BILL is unverified). */
function mask(accountNumber: string): string {
  return accountNumber.length <= 4 ? accountNumber : `${'x'.repeat(accountNumber.length - 4)}${accountNumber.slice(-4)}`;
}

/** The vendor as BILL's JSON ([BPM] vendor response); fields never set are omitted. */
export function vendorView(org: Organization, v: Vendor): Record<string, unknown> {
  let balance = 0n;
  for (const bill of org.bills.values()) {
    if (bill.vendorId === v.id && !bill.archived) balance += billTotals(org, bill).due;
  }
  const countryName = v.address?.country ? new Intl.DisplayNames(['en'], { type: 'region' }).of(v.address.country) : undefined;
  return defined({
    archived: v.archived,
    id: v.id,
    name: v.name,
    shortName: v.shortName,
    accountNumber: v.accountNumber,
    accountType: v.accountType,
    email: v.email,
    phone: v.phone,
    address: v.address ? defined({ ...v.address, countryName }) : undefined,
    paymentInformation: defined({
      payeeName: v.payeeName,
      email: v.paymentEmail,
      lastPaymentDate: v.lastPaymentDate,
      payByType: v.bankAccount ? 'ACH' : 'OFFLINE',
      bankAccount: v.bankAccount
        ? defined({ ...v.bankAccount, accountNumber: v.bankAccount.accountNumber ? mask(v.bankAccount.accountNumber) : undefined })
        : undefined,
    }),
    additionalInfo: v.additionalInfo,
    bankAccountStatus: v.bankAccount ? 'UNDEFINED' : 'NO_ACCOUNT',
    recurringPayments: false,
    billCurrency: v.billCurrency,
    createdTime: isoTime(v.createdTime),
    updatedTime: isoTime(v.updatedTime),
    balance: { amount: amountJson(balance, v.billCurrency), lastUpdatedDate: isoTime(v.updatedTime) },
    autoPay: { enabled: false },
    networkStatus: 'NOT_CONNECTED',
  });
}

/** `vendor.created` payload: {id, name, address{country}, createdTime, archived} ([BD:vendor-webhook-notification-payloads]). */
function createdPayload(v: Vendor): Record<string, unknown> {
  return defined({
    id: v.id,
    name: v.name,
    address: v.address?.country ? { country: v.address.country } : undefined,
    createdTime: isoTime(v.createdTime),
    archived: v.archived,
  });
}

export const vendorListSpec: ListSpec<Vendor> = {
  entity: 'vendors',
  filters: {
    id: { ops: ops.id, kind: 'string', get: (v) => v.id },
    archived: { ops: ops.bool, kind: 'boolean', get: (v) => v.archived },
    name: { ops: ops.name, kind: 'string', get: (v) => v.name },
    accountType: { ops: ops.enumAll, kind: 'string', get: (v) => v.accountType },
    'address.country': { ops: ops.enumAll, kind: 'string', get: (v) => v.address?.country },
    billCurrency: { ops: ops.enumAll, kind: 'string', get: (v) => v.billCurrency },
    createdTime: { ops: ops.time, kind: 'time', get: (v) => v.createdTime },
    updatedTime: { ops: ops.time, kind: 'time', get: (v) => v.updatedTime },
  },
  sorts: {
    archived: (v) => v.archived,
    name: (v) => v.name,
    shortName: (v) => v.shortName,
    email: (v) => v.email,
    phone: (v) => v.phone,
    billCurrency: (v) => v.billCurrency,
    createdTime: (v) => v.createdTime,
    updatedTime: (v) => v.updatedTime,
  },
  id: (v) => v.id,
  created: (v) => v.createdTime,
  archived: (v) => v.archived,
};

function getVendor(org: Organization, id: string | undefined): Vendor {
  const v = id ? org.vendors.get(id) : undefined;
  if (!v) throw notFound('vendor', id ?? '');
  return v;
}

function setArchived(deps: BillDeps, org: Organization, v: Vendor, archived: boolean): void {
  // Archiving an archived vendor (or restoring an active one) is a no-op (A3): no bump, no event.
  if (v.archived === archived) return;
  v.archived = archived;
  v.updatedTime = deps.state.bump(v.updatedTime);
  deps.webhooks.emit(org, archived ? 'vendor.archived' : 'vendor.restored', 'vendor', { id: v.id, updatedTime: isoTime(v.updatedTime), archived }, v.id);
}

export function registerVendorRoutes(app: FastifyInstance, deps: BillDeps): void {
  apiRoute(app, deps, 'GET', 'connect', '/vendors', ({ org, query }) => {
    const page = listPage(org.vendors.values(), query, vendorListSpec, { endStyle: deps.options.listEndStyle, includeArchived: deps.options.listArchived });
    return { status: 200, body: pageBody(page, (v) => vendorView(org, v)) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/vendors', ({ org, body }) => {
    const { input, errors } = checkVendor(body, false);
    if (errors.length) throw invalid(errors);
    const v = createVendor(deps, org, input);
    deps.webhooks.emit(org, 'vendor.created', 'vendor', createdPayload(v), v.id);
    return { status: 201, body: vendorView(org, v) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/vendors/bulk', ({ org, body }) => {
    if (!Array.isArray(body) || body.length === 0) throw badRequest('The request body must be a non-empty array of vendors.');
    if (body.length > vendorBulkCap) throw badRequest(`You can create up to ${vendorBulkCap} vendors with one request; got ${body.length}.`);
    const checked = body.map((item, i) => checkVendor(item, false, `vendors[${i}]: `));
    const errors = checked.flatMap((c) => c.errors);
    // All or nothing ([BPM] bulk vendor description): one bad item and none is created.
    if (errors.length) throw invalid(errors);
    const at = deps.state.now();
    const created = checked.map((c) => createVendor(deps, org, c.input, at));
    for (const v of created) deps.webhooks.emit(org, 'vendor.created', 'vendor', createdPayload(v), v.id);
    return { status: 201, body: { vendors: created.map((v) => vendorView(org, v)) } };
  });

  apiRoute(app, deps, 'GET', 'connect', '/vendors/:vendorId', ({ org, params }) => ({
    status: 200,
    body: vendorView(org, getVendor(org, params.vendorId)),
  }));

  apiRoute(app, deps, 'PATCH', 'connect', '/vendors/:vendorId', ({ org, params, body }) => {
    const v = getVendor(org, params.vendorId);
    const { input, errors } = checkVendor(body, true);
    if (errors.length) throw invalid(errors);
    const before = JSON.stringify(v);
    const nameBefore = v.name;
    const countryBefore = v.address?.country;
    const { address, additionalInfo, ...rest } = input;
    Object.assign(v, rest);
    if (address) v.address = { ...v.address, ...address };
    if (additionalInfo) v.additionalInfo = { ...v.additionalInfo, ...additionalInfo };
    if (JSON.stringify(v) !== before) {
      v.updatedTime = deps.state.bump(v.updatedTime);
      // vendor.updated carries the changed name/country plus updatedTime ([BD:vendor-webhook-notification-payloads]).
      const changed = defined({
        id: v.id,
        name: v.name !== nameBefore ? v.name : undefined,
        address: v.address?.country !== countryBefore ? { country: v.address?.country } : undefined,
        updatedTime: isoTime(v.updatedTime),
      });
      deps.webhooks.emit(org, 'vendor.updated', 'vendor', changed, v.id);
    }
    return { status: 200, body: vendorView(org, v) };
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    apiRoute(app, deps, 'POST', 'connect', `/vendors/:vendorId/${action}`, ({ org, params }) => {
      const v = getVendor(org, params.vendorId);
      setArchived(deps, org, v, archived);
      return { status: 200, body: vendorView(org, v) };
    });
  }
}
