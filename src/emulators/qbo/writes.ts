import { objectNotFound, requiredParam, staleObject, validation } from './errors.ts';
import { fromCents, toCents } from './money.ts';
import { accountFields, dimensionFields, itemFields, vendorFields } from './name-rules.ts';
import { isObject } from './refs.ts';
import { DELETABLE, type ChangeEvent, type EntityName, type QboRecord, type Realm } from './store.ts';
import { billFields, billPaymentFields, paidOn, purchaseOrderFields, type WriteOptions } from './txn-rules.ts';

/**
 * Create, update (full or sparse, guarded by SyncToken) and delete, as `POST /{entity}` does (B2,
 * B4). Each write records the change event a webhook announces.
 */

export interface WriteContext extends WriteOptions {
  realm: Realm;
  now: number;
  events: ChangeEvent[];
}

/** Fields only QBO sets; a client's values for them are ignored. */
const READ_ONLY = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status', 'Balance', 'TotalAmt', 'FullyQualifiedName'];

function normalise(ctx: WriteContext, entity: EntityName, fields: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  const { realm } = ctx;
  switch (entity) {
    case 'Vendor': return vendorFields(realm, fields, id);
    case 'Account': return accountFields(realm, fields, id);
    case 'Class':
    case 'Department': return dimensionFields(realm, entity, fields, id);
    case 'Item': return itemFields(realm, fields, id);
    case 'Bill': return billFields(realm, fields, id, ctx);
    case 'PurchaseOrder': return purchaseOrderFields(realm, fields, ctx);
    case 'BillPayment': return billPaymentFields(realm, fields, id, ctx);
  }
}

const withoutReadOnly = (body: Record<string, unknown>, keepTotal: boolean): Record<string, unknown> => {
  const out = { ...body };
  for (const k of READ_ONLY) if (!(keepTotal && k === 'TotalAmt')) delete out[k];
  return out;
};

function event(ctx: WriteContext, name: EntityName, id: string, operation: ChangeEvent['operation']): void {
  ctx.events.push({ realmId: ctx.realm.realmId, name, id, operation, at: ctx.now });
}

/** After a payment is written or deleted, each bill it touches gets its new Balance (a modification, so a new SyncToken). */
function rebalance(ctx: WriteContext, billIds: Set<string>): void {
  for (const billId of billIds) {
    const bill = ctx.realm.get('Bill', billId);
    if (!bill) continue;
    const balance = fromCents(toCents(bill.TotalAmt, 'TotalAmt') - paidOn(ctx.realm, billId));
    if (balance === bill.Balance) continue;
    const { Id, SyncToken, MetaData, domain, sparse, ...rest } = bill;
    ctx.realm.replace('Bill', billId, { ...rest, Balance: balance }, ctx.now);
    event(ctx, 'Bill', billId, 'Update');
  }
}

const billsOf = (payment: QboRecord | Record<string, unknown> | undefined): string[] =>
  ((payment?.Line as { LinkedTxn?: { TxnId: string; TxnType: string }[] }[]) ?? []).flatMap((l) => (l.LinkedTxn ?? []).filter((t) => t.TxnType === 'Bill').map((t) => t.TxnId));

export function create(ctx: WriteContext, entity: EntityName, body: Record<string, unknown>): QboRecord {
  const fields = normalise(ctx, entity, withoutReadOnly(body, entity === 'BillPayment'), undefined);
  const record = ctx.realm.insert(entity, fields, ctx.now);
  event(ctx, entity, record.Id, 'Create');
  if (entity === 'BillPayment') rebalance(ctx, new Set(billsOf(record)));
  return record;
}

/** The stored record an update or delete names, with its SyncToken checked (5010 when stale, B4). */
function current(ctx: WriteContext, entity: EntityName, body: Record<string, unknown>): QboRecord {
  if (body.Id === undefined || body.Id === null) throw requiredParam('Id');
  if (body.SyncToken === undefined || body.SyncToken === null) throw requiredParam('SyncToken');
  const stored = ctx.realm.get(entity, String(body.Id));
  if (!stored) throw objectNotFound(entity, String(body.Id));
  if (String(body.SyncToken) !== stored.SyncToken) throw staleObject();
  return stored;
}

/** Sparse keeps every field not sent; a full update clears writable fields not sent (B4). */
export function update(ctx: WriteContext, entity: EntityName, body: Record<string, unknown>): QboRecord {
  const stored = current(ctx, entity, body);
  const sent = withoutReadOnly(body, entity === 'BillPayment');
  const merged = body.sparse === true ? { ...withoutReadOnly(stored, entity === 'BillPayment'), ...sent } : sent;
  const fields = normalise(ctx, entity, merged, stored.Id);
  const record = ctx.realm.replace(entity, stored.Id, fields, ctx.now);
  event(ctx, entity, record.Id, 'Update');
  if (entity === 'BillPayment') rebalance(ctx, new Set([...billsOf(stored), ...billsOf(record)]));
  return record;
}

export function remove(ctx: WriteContext, entity: EntityName, body: Record<string, unknown>): { domain: 'QBO'; status: 'Deleted'; Id: string } {
  if (!DELETABLE.has(entity)) {
    // Name-list entities are made inactive (Active=false) rather than deleted (B6; the refusal is a choice).
    throw validation('500', 'Unsupported Operation', `Operation Delete is not supported for ${entity}; make it inactive instead.`);
  }
  const stored = current(ctx, entity, body);
  if (entity === 'Bill' && paidOn(ctx.realm, stored.Id) > 0) {
    throw validation('6000', 'A business validation error has occurred while processing your request', 'Business Validation Error: This bill has payments applied to it; delete the payments first.');
  }
  ctx.realm.remove(entity, stored.Id, ctx.now);
  event(ctx, entity, stored.Id, 'Delete');
  if (entity === 'BillPayment') rebalance(ctx, new Set(billsOf(stored)));
  return { domain: 'QBO', status: 'Deleted', Id: stored.Id };
}

export function bodyObject(raw: unknown, entity: string): Record<string, unknown> {
  if (!isObject(raw)) throw requiredParam(entity);
  return raw;
}
