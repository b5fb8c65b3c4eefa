import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps, type ApiRequest } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { notFound, ok, postDataInvalid, type ApiResult } from './errors.ts';
import { envelope, renderPayment } from './json.ts';
import type { Payment } from './model.ts';
import { createPayment, deletePayment } from './payment-rules.ts';
import { UUID_RE, filterSortPage, isResult, modifiedSince } from './query.ts';

/**
 * Payments (XS `/Payments`; A5, A8.8): GET list (where — e.g. `Reference=="…"` or
 * `Invoice.InvoiceID==Guid("…")` —, order, paging, If-Modified-Since), GET one, PUT many, POST one,
 * and POST /{id} with Status DELETED to delete. DELETED payments stay listed with that status.
 */

function list(req: ApiRequest): ApiResult {
  const records = modifiedSince([...req.tenant.payments.values()], req.headers['if-modified-since'] as string | undefined);
  const listed = filterSortPage(records.map((p) => renderPayment(req.tenant, p)), req.query, { paged: true });
  return isResult(listed) ? listed : ok(envelope('Payments', listed.items, req.now, listed.pagination));
}

function write(req: ApiRequest, elements: unknown[], target?: Payment): ApiResult {
  return runBatch<Payment>(elements, {
    tenant: req.tenant,
    plural: 'Payments',
    errorFlag: 'HasValidationErrors',
    summarizeErrors: req.summarizeErrors,
    now: req.now,
    events: req.events,
    apply: (el, events) => {
      const w = { ...req.write(), events };
      return target ? deletePayment(w, req.tenant.payments.get(target.PaymentID) ?? target, el) : createPayment(w, el);
    },
    render: (p) => renderPayment(req.tenant, req.tenant.payments.get(p.PaymentID) ?? p),
  });
}

export function registerPaymentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/Payments', SCOPES.paymentsRead, list);

  apiRoute(app, deps, 'GET', '/Payments/:PaymentID', SCOPES.paymentsRead, (req) => {
    const id = req.params.PaymentID ?? '';
    const p = UUID_RE.test(id) ? req.tenant.payments.get(id.toLowerCase()) : undefined;
    return p ? ok(envelope('Payments', [renderPayment(req.tenant, p)], req.now)) : notFound();
  });

  apiRoute(app, deps, 'PUT', '/Payments', SCOPES.paymentsWrite, (req) => {
    const elements = elementsOf(req.body, 'Payments');
    return elements ? write(req, elements) : postDataInvalid('Expected {"Payments":[…]}.');
  });

  apiRoute(app, deps, 'POST', '/Payments', SCOPES.paymentsWrite, (req) => {
    const elements = elementsOf(req.body, 'Payments');
    return elements ? write(req, elements.slice(0, 1)) : postDataInvalid('Expected a Payment object.');
  });

  apiRoute(app, deps, 'POST', '/Payments/:PaymentID', SCOPES.paymentsWrite, (req) => {
    const id = req.params.PaymentID ?? '';
    const p = UUID_RE.test(id) ? req.tenant.payments.get(id.toLowerCase()) : undefined;
    if (!p) return notFound();
    const elements = elementsOf(req.body, 'Payments');
    return elements ? write(req, elements.slice(0, 1), p) : postDataInvalid('Expected {"Payments":[{"Status":"DELETED"}]}.');
  });
}
