/**
 * Vendors (reference A4): list, create (201), bulk create (≤20, all or nothing), get, PATCH (bank
 * account details refused: they have their own endpoints), archive/restore (no DELETE, A3).
 */
import type { FastifyInstance } from 'fastify';
import { amountJson } from './amounts.ts';
import { badRequest, invalid, notFound } from './errors.ts';
import { listPage, ops, pageBody, type ListSpec } from './lists.ts';
import type { Organization, Vendor } from './model.ts';
import type { BillDeps } from './options.ts';
import { apiRoute } from './pipeline.ts';
import { billTotals } from './payments-logic.ts';
import { isoTime } from './time.ts';
import { defined } from './validate.ts';
import { checkVendor, type VendorInput } from './vendor-input.ts';

export const vendorBulkCap = 20;

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
    return { status: 200, body: pageBody(page, (v) => org.wire.apply(v.id, vendorView(org, v))) };
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
    body: org.wire.apply(params.vendorId!, vendorView(org, getVendor(org, params.vendorId))),
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
