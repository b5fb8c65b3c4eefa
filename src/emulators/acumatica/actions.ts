/**
 * Actions: `POST <Entity>/<Action>` with `{"entity": {keys or id}, "parameters": {}}` answers 202 with
 * a Location `<Entity>/<Action>/status/<guid>`; a GET there answers 202 while it runs and 204 when it
 * is done [AIR:IntegrationDev_RESTExample_Basic_Action_Execution.md] [AOAS]. The work is applied when
 * the action is accepted; an action that fails answers its error (500 HttpError) at the poll that would
 * have been 204 (choice). An unknown action is 404.
 */
import { keyFields, shapes } from './fields.ts';
import { httpError, messages } from './errors.ts';
import { parseInput } from './input.ts';
import { AcumaticaError, type EntityRecord, type Tenant } from './model.ts';
import type { AcumaticaDeps } from './options.ts';
import type { Operation } from './state.ts';
import type { Reply } from './pipeline.ts';
import { pushRow } from './push.ts';
import { findByKeys, stamp } from './records.ts';
import { locate } from './rules.ts';
import { releaseBill, reverseBill } from './bill-rules.ts';
import { releaseCheck, voidCheck } from './check-rules.ts';

type ActionRun = (deps: AcumaticaDeps, tenant: Tenant, rec: EntityRecord) => EntityRecord[];

/** Each action and the records it changes (for their LastModifiedDateTime and push notifications). */
const actions: Record<string, Record<string, ActionRun>> = {
  Bill: {
    ReleaseBill: (deps, tenant, rec) => {
      releaseBill(tenant, rec, deps.state.now());
      return [rec];
    },
    ReverseBill: (deps, tenant, rec) => [reverseBill(deps.state, tenant, rec, deps.state.now())],
  },
  Check: {
    ReleaseCheck: (deps, tenant, rec) => {
      const docs = (rec.details.Details ?? []).map((d) => [String(d.fields.DocType), String(d.fields.ReferenceNbr)]);
      releaseCheck(tenant, rec, deps.state.now());
      return [rec, ...touched(tenant, docs)];
    },
    VoidCheck: (deps, tenant, rec) => {
      const docs = (rec.details.History ?? []).map((d) => [String(d.fields.DocType), String(d.fields.ReferenceNbr)]);
      const voided = voidCheck(deps.state, tenant, rec, deps.state.now());
      return [rec, voided, ...touched(tenant, docs)];
    },
  },
};

function touched(tenant: Tenant, docs: string[][]): EntityRecord[] {
  return docs.map((keys) => findByKeys(tenant, 'Bill', keys)).filter((x): x is EntityRecord => x !== undefined);
}

export const hasAction = (entity: string, action: string): boolean => Boolean(actions[entity]?.[action]);

const entityOf = (rec: EntityRecord, tenant: Tenant): string => {
  for (const [name, t] of tenant.tables) for (const r of t.values()) if (r === rec) return name;
  return 'Bill';
};

export function invokeAction(deps: AcumaticaDeps, tenant: Tenant, entity: string, action: string, body: unknown, base: string, sessionId?: string): Reply {
  const run = actions[entity]?.[action];
  if (!run) return { status: 404, body: httpError(404, `The ${action} action is not found in the ${entity} entity.`) };
  const wrapper = (body && typeof body === 'object' ? body : {}) as { entity?: Record<string, unknown> };
  if (!wrapper.entity || typeof wrapper.entity !== 'object') return { status: 400, body: httpError(400, 'The request must contain the entity to which the action is applied.') };
  const keys = Object.fromEntries(Object.entries(wrapper.entity).filter(([k]) => k === 'id' || (keyFields[entity] ?? []).includes(k)));
  const input = parseInput(entity, shapes[entity]!, keys);
  const rec = locate(tenant, entity, input);
  if (!rec) return { status: 404, body: httpError(404, messages.noEntity) };
  const id = deps.state.newId();
  const op: Operation = { id, entity, action, pollsLeft: deps.options.actionPolls, ...(sessionId ? { sessionId } : {}) };
  const befores = new Map<EntityRecord, ReturnType<typeof pushRow>>();
  try {
    // Rows as they were, for the Deleted half of each push notification; records the action creates have none.
    befores.set(rec, pushRow(entity, rec));
    const docs = [...(rec.details.Details ?? []), ...(rec.details.History ?? [])].map((d) => [String(d.fields.DocType), String(d.fields.ReferenceNbr)]);
    for (const doc of touched(tenant, docs)) befores.set(doc, pushRow('Bill', doc));
    for (const changed of run(deps, tenant, rec)) {
      const name = entityOf(changed, tenant);
      stamp(name, changed);
      deps.push.notify(tenant, name, befores.get(changed), changed);
    }
  } catch (e) {
    op.error = e instanceof AcumaticaError ? e.message : String(e);
  }
  deps.state.operations.set(id, op);
  if (op.pollsLeft <= 0) return op.error ? { status: 500, body: httpError(500, op.error) } : { status: 204 };
  return { status: 202, headers: { location: `${base}/${entity}/${action}/status/${id}` } };
}

/**
 * With `oneOperationPerSession`, the refusal of a request sent by a session while its own action still
 * runs, unless it is that action's status request (message a choice: the official page gives none).
 */
export function busySession(deps: AcumaticaDeps, sessionId: string | undefined, method: string, path: string): Reply | null {
  if (!deps.options.oneOperationPerSession || !sessionId) return null;
  for (const op of deps.state.operations.values()) {
    if (op.sessionId !== sessionId || op.pollsLeft <= 0) continue;
    if (method === 'GET' && path.endsWith(`/${op.entity}/${op.action}/status/${op.id}`)) return null;
    return { status: 500, body: httpError(500, `The previous operation (${op.entity} ${op.action}) has not been completed yet.`) };
  }
  return null;
}

export function pollAction(deps: AcumaticaDeps, entity: string, action: string, id: string): Reply {
  const op = deps.state.operations.get(id.toLowerCase()) ?? deps.state.operations.get(id);
  if (!op || op.entity !== entity || op.action !== action) return { status: 404, body: httpError(404, messages.noEntity) };
  if (op.pollsLeft > 0) {
    op.pollsLeft -= 1;
    return { status: 202 };
  }
  return op.error ? { status: 500, body: httpError(500, op.error) } : { status: 204 };
}
