import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps, type ApiRequest } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { createContact, findContact, updateContact } from './contact-rules.ts';
import { notFound, ok, postDataInvalid, type ApiResult } from './errors.ts';
import { envelope, renderContact } from './json.ts';
import type { Contact } from './model.ts';
import { boolParam, filterSortPage, isResult, listParam, modifiedSince, param } from './query.ts';
import { fail, str, type In } from './write.ts';

/**
 * Contacts (XS `/Contacts`; A7, A8.13): GET list (IDs, includeArchived — ARCHIVED contacts are left
 * out unless asked for —, searchTerm, where, order, paging, If-Modified-Since), GET one by ContactID
 * or ContactNumber (with Balances), PUT create many, POST update-or-create many, POST /{id} update.
 */

function list(req: ApiRequest): ApiResult {
  let records = [...req.tenant.contacts.values()];
  const ids = listParam(req.query, 'IDs')?.map((s) => s.toLowerCase());
  if (ids) records = records.filter((c) => ids.includes(c.ContactID));
  if (!boolParam(req.query, 'includeArchived') && !ids) records = records.filter((c) => c.ContactStatus !== 'ARCHIVED');
  const term = param(req.query, 'searchTerm')?.toLowerCase();
  if (term) {
    records = records.filter((c) => [c.Name, c.FirstName, c.LastName, c.ContactNumber, c.EmailAddress].some((v) => v?.toLowerCase().includes(term)));
  }
  records = modifiedSince(records, req.headers['if-modified-since'] as string | undefined);
  const listed = filterSortPage(records.map((c) => req.tenant.wire.apply(c.ContactID, renderContact(req.tenant, c))), req.query, { paged: true });
  return isResult(listed) ? listed : ok(envelope('Contacts', listed.items, req.now, listed.pagination));
}

/** POST semantics: ContactID updates that contact; otherwise a matching ContactNumber or active Name updates, else create (UNVERIFIED matching order). */
function target(req: ApiRequest, el: In): Contact | null | undefined {
  const id = str(el, 'ContactID');
  if (id) return req.tenant.contacts.get(id.toLowerCase()) ?? null;
  const number = str(el, 'ContactNumber');
  if (number) {
    const byNumber = [...req.tenant.contacts.values()].find((c) => c.ContactNumber === number);
    if (byNumber) return byNumber;
  }
  const name = str(el, 'Name');
  return name ? req.tenant.activeContactByName(name) : undefined;
}

function write(req: ApiRequest, elements: unknown[], mode: 'create' | 'upsert' | Contact): ApiResult {
  return runBatch<Contact>(elements, {
    tenant: req.tenant,
    plural: 'Contacts',
    errorFlag: 'HasValidationErrors',
    summarizeErrors: req.summarizeErrors,
    now: req.now,
    events: req.events,
    apply: (el, events) => {
      const w = { ...req.write(), events };
      if (mode === 'create') return createContact(w, el);
      if (mode !== 'upsert') return updateContact(w, req.tenant.contacts.get(mode.ContactID) ?? mode, el);
      const existing = target(req, el);
      if (existing === null) return fail([`The contact with ContactID '${str(el, 'ContactID')}' could not be found.`]);
      return existing ? updateContact(w, existing, el) : createContact(w, el);
    },
    render: (c) => renderContact(req.tenant, req.tenant.contacts.get(c.ContactID) ?? c),
  });
}

export function registerContactRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/Contacts', SCOPES.contactsRead, list);

  apiRoute(app, deps, 'GET', '/Contacts/:ContactID', SCOPES.contactsRead, (req) => {
    const c = findContact(req, req.params.ContactID ?? '');
    if (!c) return notFound();
    const today = req.write().today;
    return ok(envelope('Contacts', [req.tenant.wire.apply(c.ContactID, renderContact(req.tenant, c, { full: true, today }))], req.now));
  });

  apiRoute(app, deps, 'PUT', '/Contacts', SCOPES.contactsWrite, (req) => {
    const elements = elementsOf(req.body, 'Contacts');
    return elements ? write(req, elements, 'create') : postDataInvalid('Expected {"Contacts":[…]}.');
  });

  apiRoute(app, deps, 'POST', '/Contacts', SCOPES.contactsWrite, (req) => {
    const elements = elementsOf(req.body, 'Contacts');
    return elements ? write(req, elements, 'upsert') : postDataInvalid('Expected {"Contacts":[…]}.');
  });

  apiRoute(app, deps, 'POST', '/Contacts/:ContactID', SCOPES.contactsWrite, (req) => {
    const c = findContact(req, req.params.ContactID ?? '');
    if (!c) return notFound();
    const elements = elementsOf(req.body, 'Contacts');
    return elements ? write(req, elements.slice(0, 1), c) : postDataInvalid('Expected {"Contacts":[…]}.');
  });
}
