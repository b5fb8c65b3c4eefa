import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps, type ApiRequest } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { parseInputDate } from './dates.ts';
import { notFound, ok, postDataInvalid, type ApiResult } from './errors.ts';
import { envelope, renderPurchaseOrder } from './json.ts';
import { createPurchaseOrder } from './purchase-order-rules.ts';
import { UUID_RE, filterSortPage, isResult, modifiedSince, param } from './query.ts';

/**
 * Purchase orders (XS `/PurchaseOrders`): GET list (Status, DateFrom, DateTo, where, order, paging,
 * If-Modified-Since), GET one by id or number, PUT create many.
 */

function list(req: ApiRequest): ApiResult {
  let records = [...req.tenant.purchaseOrders.values()];
  const status = param(req.query, 'Status')?.toUpperCase();
  if (status) records = records.filter((p) => p.Status === status);
  const from = parseInputDate(param(req.query, 'DateFrom'));
  if (from) records = records.filter((p) => p.Date >= from);
  const to = parseInputDate(param(req.query, 'DateTo'));
  if (to) records = records.filter((p) => p.Date <= to);
  records = modifiedSince(records, req.headers['if-modified-since'] as string | undefined);
  const listed = filterSortPage(records.map((p) => renderPurchaseOrder(req.tenant, p)), req.query, { paged: true });
  return isResult(listed) ? listed : ok(envelope('PurchaseOrders', listed.items, req.now, listed.pagination));
}

export function registerPurchaseOrderRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/PurchaseOrders', SCOPES.invoicesRead, list);

  apiRoute(app, deps, 'GET', '/PurchaseOrders/:PurchaseOrderID', SCOPES.invoicesRead, (req) => {
    const key = req.params.PurchaseOrderID ?? '';
    const po = UUID_RE.test(key)
      ? req.tenant.purchaseOrders.get(key.toLowerCase())
      : [...req.tenant.purchaseOrders.values()].find((p) => p.PurchaseOrderNumber === key);
    return po ? ok(envelope('PurchaseOrders', [renderPurchaseOrder(req.tenant, po)], req.now)) : notFound();
  });

  apiRoute(app, deps, 'PUT', '/PurchaseOrders', SCOPES.invoicesWrite, (req) => {
    const elements = elementsOf(req.body, 'PurchaseOrders');
    if (!elements) return postDataInvalid('Expected {"PurchaseOrders":[…]}.');
    return runBatch(elements, {
      tenant: req.tenant,
      plural: 'PurchaseOrders',
      errorFlag: 'HasValidationErrors',
      summarizeErrors: req.summarizeErrors,
      now: req.now,
      events: req.events,
      apply: (el, events) => createPurchaseOrder({ ...req.write(), events }, el),
      render: (p) => renderPurchaseOrder(req.tenant, p),
    });
  });
}
