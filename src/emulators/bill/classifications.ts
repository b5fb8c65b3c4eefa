/**
 * GL classifications (reference A7): chart of accounts (`0ca`) and departments (`0de`) under
 * `/v3/classifications/...`: list, create (201), get, PATCH, archive/restore, and bulk create
 * (≤50 per request, all or nothing; the response wraps the array as `{chartOfAccounts:[...]}` or
 * `{departments:[...]}` as in [BPM]). Names are unique among active records of a kind — BILL's rule
 * is unverified; the emulator enforces it so a connector must look up before it creates.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest, invalid, notFound } from './errors.ts';
import { listPage, ops, pageBody, type ListSpec } from './lists.ts';
import type { Account, Department, Organization } from './model.ts';
import type { BillDeps } from './options.ts';
import { apiRoute } from './pipeline.ts';
import { isoTime } from './time.ts';
import { Checker, defined, isObject, type Json } from './validate.ts';

export const classificationBulkCap = 50;

/** Account types accepted on create: the [BPM] samples plus the usual ledger types (the full enum is unpublished). */
export const accountTypes = [
  'EXPENSE',
  'OTHER_EXPENSE',
  'COST_OF_GOODS_SOLD',
  'INCOME',
  'OTHER_INCOME',
  'BANK',
  'ACCOUNTS_PAYABLE',
  'ACCOUNTS_RECEIVABLE',
  'CREDIT_CARD',
  'FIXED_ASSET',
  'OTHER_ASSET',
  'OTHER_CURRENT_ASSET',
  'OTHER_CURRENT_LIABILITY',
  'LONG_TERM_LIABILITY',
  'EQUITY',
  'INVENTORY',
  'UNDEFINED',
] as const;

type Record_ = Account | Department;

interface Kind<T extends Record_> {
  path: string;
  entity: string;
  bulkKey: string;
  idKind: 'account' | 'department';
  map: (org: Organization) => Map<string, T>;
  fields: readonly string[];
  /** Reads the kind-specific fields of a body (PATCH when `partial`). */
  read: (c: Checker, body: Json, partial: boolean) => Partial<T>;
  view: (r: T) => Record<string, unknown>;
}

const common = { id: '', archived: false, createdTime: 0, updatedTime: 0 };

const accountKind: Kind<Account> = {
  path: '/classifications/chart-of-accounts',
  entity: 'chart of accounts',
  bulkKey: 'chartOfAccounts',
  idKind: 'account',
  map: (org) => org.accounts,
  fields: ['name', 'description', 'parentId', 'account'],
  read: (c, body, partial) => {
    const account = c.object(body, 'account', '');
    if (account) c.keys(account, ['type', 'number'], 'account');
    return defined({
      name: c.string(body, 'name', '', { required: !partial, max: 100 }),
      description: c.string(body, 'description', ''),
      parentId: c.string(body, 'parentId', ''),
      type: account ? c.oneOf(account, 'type', 'account', accountTypes) : undefined,
      number: account ? c.string(account, 'number', 'account') : undefined,
    });
  },
  view: (a) =>
    defined({
      id: a.id,
      archived: a.archived,
      name: a.name,
      description: a.description,
      parentId: a.parentId,
      account: defined({ type: a.type, number: a.number }),
      createdTime: isoTime(a.createdTime),
      updatedTime: isoTime(a.updatedTime),
    }),
};

const departmentKind: Kind<Department> = {
  path: '/classifications/departments',
  entity: 'departments',
  bulkKey: 'departments',
  idKind: 'department',
  map: (org) => org.departments,
  fields: ['name', 'shortName', 'description', 'parentId'],
  read: (c, body, partial) =>
    defined({
      name: c.string(body, 'name', '', { required: !partial, max: 100 }),
      shortName: c.string(body, 'shortName', ''),
      description: c.string(body, 'description', ''),
      parentId: c.string(body, 'parentId', ''),
    }),
  view: (d) =>
    defined({
      id: d.id,
      name: d.name,
      shortName: d.shortName,
      description: d.description,
      parentId: d.parentId,
      archived: d.archived,
      createdTime: isoTime(d.createdTime),
      updatedTime: isoTime(d.updatedTime),
    }),
};

function check<T extends Record_>(kind: Kind<T>, org: Organization, body: unknown, partial: boolean, prefix: string, self?: T): { value: Partial<T>; errors: string[] } {
  const c = new Checker(prefix);
  if (!isObject(body)) {
    c.fail(`The request body must be a ${kind.entity} object.`);
    return { value: {}, errors: c.errors };
  }
  c.keys(body, kind.fields, '');
  const value = kind.read(c, body, partial);
  const parentId = (value as { parentId?: string }).parentId;
  if (parentId !== undefined && (!kind.map(org).has(parentId) || parentId === self?.id)) c.fail(`parentId ${parentId} is not a valid parent.`);
  const name = (value as { name?: string }).name;
  if (name !== undefined) {
    const clash = [...kind.map(org).values()].find((r) => !r.archived && r.id !== self?.id && r.name.toLowerCase() === name.toLowerCase());
    if (clash) c.fail(`A ${kind.entity} named '${name}' already exists (${clash.id}).`);
  }
  return { value, errors: c.errors };
}

function listSpec<T extends Record_>(kind: Kind<T>): ListSpec<T> {
  // The classification filter list is not published; sortable fields are archived, name, description (A9) plus the times.
  return {
    entity: kind.entity,
    filters: {
      id: { ops: ops.id, kind: 'string', get: (r) => r.id },
      archived: { ops: ops.bool, kind: 'boolean', get: (r) => r.archived },
      name: { ops: ops.name, kind: 'string', get: (r) => r.name },
      parentId: { ops: ops.id, kind: 'string', get: (r) => r.parentId },
      createdTime: { ops: ops.time, kind: 'time', get: (r) => r.createdTime },
      updatedTime: { ops: ops.time, kind: 'time', get: (r) => r.updatedTime },
      ...(kind.idKind === 'account' ? { 'account.type': { ops: ops.enumAll, kind: 'string' as const, get: (r: T) => (r as Account).type } } : {}),
    },
    sorts: {
      archived: (r) => r.archived,
      name: (r) => r.name,
      description: (r) => r.description,
      createdTime: (r) => r.createdTime,
      updatedTime: (r) => r.updatedTime,
    },
    id: (r) => r.id,
    created: (r) => r.createdTime,
    archived: (r) => r.archived,
  };
}

/** Creates a record of either kind (used by the API and by the seed). */
export function createClassification<T extends Record_>(deps: BillDeps, kind: Kind<T>, org: Organization, value: Partial<T>, at: number): T {
  const record = { ...common, type: 'UNDEFINED', ...value, id: deps.state.newId(kind.idKind), createdTime: at, updatedTime: at } as T;
  if (kind.idKind === 'department') delete (record as Partial<Account>).type;
  kind.map(org).set(record.id, record);
  return record;
}

function register<T extends Record_>(app: FastifyInstance, deps: BillDeps, kind: Kind<T>): void {
  const spec = listSpec(kind);
  const get = (org: Organization, id: string | undefined): T => {
    const r = id ? kind.map(org).get(id) : undefined;
    if (!r) throw notFound(kind.entity, id ?? '');
    return r;
  };

  apiRoute(app, deps, 'GET', 'connect', kind.path, ({ org, query }) => {
    const page = listPage(kind.map(org).values(), query, spec, { endStyle: deps.options.listEndStyle, includeArchived: deps.options.listArchived });
    return { status: 200, body: pageBody(page, kind.view) };
  });

  apiRoute(app, deps, 'POST', 'connect', kind.path, ({ org, body }) => {
    const { value, errors } = check(kind, org, body, false, '');
    if (errors.length) throw invalid(errors);
    return { status: 201, body: kind.view(createClassification(deps, kind, org, value, deps.state.now())) };
  });

  apiRoute(app, deps, 'POST', 'connect', `${kind.path}/bulk`, ({ org, body }) => {
    if (!Array.isArray(body) || body.length === 0) throw badRequest(`The request body must be a non-empty array of ${kind.entity}.`);
    if (body.length > classificationBulkCap) throw badRequest(`You can create up to ${classificationBulkCap} ${kind.entity} with one request; got ${body.length}.`);
    const checked = body.map((item, i) => check(kind, org, item, false, `${kind.bulkKey}[${i}]: `));
    const errors = checked.flatMap((c) => c.errors);
    const names = checked.map((c) => (c.value as { name?: string }).name?.toLowerCase()).filter((n) => n !== undefined);
    if (new Set(names).size !== names.length) errors.push('The request names the same record twice.');
    if (errors.length) throw invalid(errors);
    const at = deps.state.now();
    const created = checked.map((c) => createClassification(deps, kind, org, c.value, at));
    return { status: 201, body: { [kind.bulkKey]: created.map(kind.view) } };
  });

  apiRoute(app, deps, 'GET', 'connect', `${kind.path}/:id`, ({ org, params }) => ({ status: 200, body: kind.view(get(org, params.id)) }));

  apiRoute(app, deps, 'PATCH', 'connect', `${kind.path}/:id`, ({ org, params, body }) => {
    const record = get(org, params.id);
    const { value, errors } = check(kind, org, body, true, '', record);
    if (errors.length) throw invalid(errors);
    const before = JSON.stringify(record);
    Object.assign(record, value);
    if (JSON.stringify(record) !== before) record.updatedTime = deps.state.bump(record.updatedTime);
    return { status: 200, body: kind.view(record) };
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    apiRoute(app, deps, 'POST', 'connect', `${kind.path}/:id/${action}`, ({ org, params }) => {
      const record = get(org, params.id);
      if (record.archived !== archived) {
        record.archived = archived;
        record.updatedTime = deps.state.bump(record.updatedTime);
      }
      return { status: 200, body: kind.view(record) };
    });
  }
}

export const kinds = { account: accountKind, department: departmentKind };

export function registerClassificationRoutes(app: FastifyInstance, deps: BillDeps): void {
  register(app, deps, accountKind);
  register(app, deps, departmentKind);
}
