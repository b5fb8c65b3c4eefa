import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps, type ApiRequest } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { notFound, ok, postDataInvalid, type ApiResult } from './errors.ts';
import { createInvoice, findInvoiceFor, updateInvoice } from './invoice-rules.ts';
import { envelope, renderInvoice } from './json.ts';
import type { Invoice } from './model.ts';
import { UUID_RE, boolParam, filterSortPage, isResult, listParam, modifiedSince, param } from './query.ts';
import { fail, str } from './write.ts';

/**
 * Invoices and bills (XS `/Invoices`; A4, A5, A7): GET list with IDs, InvoiceNumbers, ContactIDs,
 * Statuses, searchTerm, where, order, If-Modified-Since and paging. As the XS `page` parameter
 * says, line items come "with paging": a list without `page` returns every match without
 * LineItems (a real Xero trap for syncs). GET one by InvoiceID or number; PUT creates many; POST
 * updates or creates many; POST /{id} updates one. DELETED and VOIDED documents stay listed.
 */

function list(req: ApiRequest): ApiResult {
  let records = [...req.tenant.invoices.values()];
  const ids = listParam(req.query, 'IDs')?.map((s) => s.toLowerCase());
  if (ids) records = records.filter((i) => ids.includes(i.InvoiceID));
  const numbers = listParam(req.query, 'InvoiceNumbers')?.map((s) => s.toLowerCase());
  if (numbers) records = records.filter((i) => i.InvoiceNumber !== undefined && numbers.includes(i.InvoiceNumber.toLowerCase()));
  const contactIds = listParam(req.query, 'ContactIDs')?.map((s) => s.toLowerCase());
  if (contactIds) records = records.filter((i) => contactIds.includes(i.ContactID));
  const statuses = listParam(req.query, 'Statuses')?.map((s) => s.toUpperCase());
  if (statuses) records = records.filter((i) => statuses.includes(i.Status));
  const term = param(req.query, 'searchTerm')?.toLowerCase();
  if (term) records = records.filter((i) => [i.InvoiceNumber, i.Reference].some((v) => v?.toLowerCase().includes(term)));
  records = modifiedSince(records, req.headers['if-modified-since'] as string | undefined);
  const paged = param(req.query, 'page') !== undefined || param(req.query, 'pageSize') !== undefined;
  const lines = paged && !boolParam(req.query, 'summaryOnly');
  const unitdp4 = param(req.query, 'unitdp') === '4';
  const listed = filterSortPage(records.map((i) => req.tenant.wire.apply(i.InvoiceID, renderInvoice(req.tenant, i, { lines, unitdp4 }))), req.query, { paged: true });
  return isResult(listed) ? listed : ok(envelope('Invoices', listed.items, req.now, listed.pagination));
}

function findOne(req: ApiRequest): Invoice | undefined {
  const key = req.params.InvoiceID ?? '';
  if (UUID_RE.test(key)) return req.tenant.invoices.get(key.toLowerCase());
  return [...req.tenant.invoices.values()].find((i) => i.InvoiceNumber === key);
}

function write(req: ApiRequest, elements: unknown[], mode: 'create' | 'upsert' | Invoice): ApiResult {
  const unitdp4 = param(req.query, 'unitdp') === '4';
  return runBatch<Invoice>(elements, {
    tenant: req.tenant,
    plural: 'Invoices',
    errorFlag: 'HasErrors',
    summarizeErrors: req.summarizeErrors,
    now: req.now,
    events: req.events,
    apply: (el, events) => {
      const w = { ...req.write(), events };
      if (mode === 'create') {
        if (str(el, 'InvoiceID')) return fail(['PUT creates invoices: an InvoiceID cannot be given. Use POST to update.']);
        return createInvoice(w, el);
      }
      if (mode !== 'upsert') return updateInvoice(w, req.tenant.invoices.get(mode.InvoiceID) ?? mode, el);
      const existing = findInvoiceFor(req.tenant, el);
      if (existing === null) return fail([`The invoice with InvoiceID '${str(el, 'InvoiceID')}' could not be found.`]);
      return existing ? updateInvoice(w, existing, el) : createInvoice(w, el);
    },
    render: (i) => renderInvoice(req.tenant, req.tenant.invoices.get(i.InvoiceID) ?? i, { unitdp4 }),
  });
}

export function registerInvoiceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/Invoices', SCOPES.invoicesRead, list);

  apiRoute(app, deps, 'GET', '/Invoices/:InvoiceID', SCOPES.invoicesRead, (req) => {
    const inv = findOne(req);
    return inv ? ok(envelope('Invoices', [req.tenant.wire.apply(inv.InvoiceID, renderInvoice(req.tenant, inv, { unitdp4: param(req.query, 'unitdp') === '4' }))], req.now)) : notFound();
  });

  apiRoute(app, deps, 'PUT', '/Invoices', SCOPES.invoicesWrite, (req) => {
    const elements = elementsOf(req.body, 'Invoices');
    return elements ? write(req, elements, 'create') : postDataInvalid('Expected {"Invoices":[…]}.');
  });

  apiRoute(app, deps, 'POST', '/Invoices', SCOPES.invoicesWrite, (req) => {
    const elements = elementsOf(req.body, 'Invoices');
    return elements ? write(req, elements, 'upsert') : postDataInvalid('Expected {"Invoices":[…]}.');
  });

  apiRoute(app, deps, 'POST', '/Invoices/:InvoiceID', SCOPES.invoicesWrite, (req) => {
    const inv = findOne(req);
    if (!inv) return notFound();
    const elements = elementsOf(req.body, 'Invoices');
    if (!elements) return postDataInvalid('Expected {"Invoices":[…]}.');
    return write(req, elements.slice(0, 1), inv);
  });
}
