/**
 * `PUT <Entity>` creates or updates (located by `id` or key fields); `If-None-Match: *` makes it
 * insert-only and `If-Match: *` update-only, each 412 when the record does (not) exist
 * [AIR:IntegrationDev_RESTExample_Basic_Create_Record.md] [AIR:IntegrationDev_RESTExample_Basic_Update_Record.md].
 * `PATCH` updates an existing record only (404 when missing, 412 with `If-None-Match: *`)
 * [AIR:IntegrationDev_RESTExample_Basic_Update_Particular_Fields.md]. A refused save is 422 with the
 * entity echoed and an `error` on each refused field; a save stamps LastModifiedDateTime.
 */
import type { FastifyRequest } from 'fastify';
import { shapes } from './fields.ts';
import { httpError, messages } from './errors.ts';
import { parseInput } from './input.ts';
import { normalizeSubaccount } from './master-rules.ts';
import type { EntityRecord, Tenant } from './model.ts';
import type { AcumaticaDeps } from './options.ts';
import type { Reply } from './pipeline.ts';
import { pushRow } from './push.ts';
import { answerFields, render, stamp, type Retrieval } from './records.ts';
import { entityRules } from './entity-rules.ts';
import { locate } from './rules.ts';

/** What a save is given: the body, the retrieval parameters of its answer and the conditional headers. */
export interface SaveCall {
  body: unknown;
  query: Retrieval;
  ifMatch?: boolean;
  ifNoneMatch?: boolean;
}

const header = (request: FastifyRequest, name: string): boolean => {
  const v = request.headers[name];
  return typeof v === 'string' && v.trim() === '*';
};

export const saveCallOf = (request: FastifyRequest): SaveCall => ({
  body: request.body,
  query: (request.query ?? {}) as Retrieval,
  ifMatch: header(request, 'if-match'),
  ifNoneMatch: header(request, 'if-none-match'),
});

export function saveEntity(deps: AcumaticaDeps, tenant: Tenant, entity: string, call: SaveCall, mode: 'put' | 'patch'): Reply {
  const rules = entityRules[entity];
  if (!rules) return { status: 405, body: httpError(405, `The ${entity} entity cannot be saved through this endpoint.`) };
  const q = call.query;
  const input = parseInput(entity, shapes[entity]!, call.body);
  if (entity === 'Subaccount' && typeof input.fields.SubaccountCD === 'string') input.fields.SubaccountCD = normalizeSubaccount(input.fields.SubaccountCD);
  const existing = locate(tenant, entity, input);
  if (call.ifNoneMatch && existing) return { status: 412, body: httpError(412, 'The record already exists.') };
  if (call.ifMatch && !existing) return { status: 412, body: httpError(412, 'The record does not exist.') };
  if (mode === 'patch' && !existing) return { status: 404, body: httpError(404, messages.noEntity) };
  if (input.id && !existing) return { status: 404, body: httpError(404, messages.noEntity) };
  const c = { deps, tenant, existing, input };
  const errors = { ...input.errors, ...rules.validate(c) };
  const sent = Object.keys(input.fields);
  if (Object.keys(errors).length > 0) {
    const echo: EntityRecord = {
      id: existing?.id ?? deps.state.newId(),
      fields: { ...input.fields },
      linked: input.linked as EntityRecord['linked'],
      details: Object.fromEntries(Object.entries(input.details).map(([k, rows]) => [k, rows.map((r) => ({ id: r.id ?? deps.state.newId(), fields: r.fields }))])),
      note: input.note ?? '',
      createdAt: 0,
      modifiedAt: 0,
    };
    const expandAll = { ...q, $expand: [q.$expand, ...Object.keys(input.details)].filter(Boolean).join(',') };
    return { status: 422, body: render(entity, echo, expandAll, 1, [...sent, ...Object.keys(errors).filter((k) => !k.includes('.') && k !== '')], errors) };
  }
  const before = existing ? pushRow(entity, existing) : undefined;
  const fieldsBefore: Record<string, unknown> = { ...existing?.fields };
  if (!existing) Object.assign(input.fields, { ...rules.newKeys?.(c), ...definedKeys(input.fields, entity) });
  const rec = rules.save(c);
  stamp(entity, rec);
  deps.push.notify(tenant, entity, before, rec);
  const setBySystem = Object.keys(rec.fields).filter((k) => rec.fields[k] !== fieldsBefore[k]);
  return { status: 200, body: render(entity, rec, q, 1, q.$select ? [] : answerFields(entity, [...sent, ...setBySystem])) };
}

/** Key values the body did give (they win over auto-numbering). */
function definedKeys(fields: Record<string, unknown>, entity: string): Record<string, unknown> {
  const keys = entity === 'Bill' || entity === 'Check' ? ['Type', 'ReferenceNbr'] : entity === 'PurchaseOrder' ? ['Type', 'OrderNbr'] : [];
  return Object.fromEntries(keys.filter((k) => fields[k] !== undefined && fields[k] !== null && fields[k] !== '' && fields[k] !== '<NEW>').map((k) => [k, fields[k]]));
}
