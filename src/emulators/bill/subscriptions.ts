/**
 * The webhook API under the events base `/connect-events/v3` (reference A12): events catalog,
 * subscriptions (create, list, get, PUT, PATCH, DELETE, new security key, test) and the per-subscription
 * event history with resend. Create and new-security-key need an `X-Idempotent-Key` UUID4 (400
 * otherwise); a successful answer is cached for 24 hours and replayed for the same key
 * ([BD:bill-webhook-api-general-rules]). At most 10 subscriptions per organisation, no two with the
 * same event set and URL, and the `securityKey` is shown only when it is created.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest, invalid, notFound } from './errors.ts';
import { listPage, type ListSpec } from './lists.ts';
import type { EventRecord, Organization, Subscription, SubscriptionEvent } from './model.ts';
import type { BillDeps } from './options.ts';
import { idempotent } from './idempotency.ts';
import { apiRoute } from './pipeline.ts';
import { isoTime } from './time.ts';
import { Checker, isObject } from './validate.ts';
import { eventCatalog } from './webhooks.ts';

export const maxSubscriptions = 10;

export function subscriptionView(org: Organization, s: Subscription): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    organizationId: org.id,
    status: { enabled: s.enabled },
    events: s.events.map((e) => ({ type: e.type, version: e.version })),
    notificationUrl: s.notificationUrl,
    createdTime: isoTime(s.createdTime),
    updatedTime: isoTime(s.updatedTime),
  };
}

export function eventView(e: EventRecord): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    version: e.version,
    subscriptionId: e.subscriptionId,
    payload: e.payload,
    createdTime: isoTime(e.createdTime),
    statusCode: e.statusCode,
  };
}

/**
 * Notification URLs must be HTTPS (A12); plain HTTP is accepted only for loopback hosts so local
 * receivers work.
 */
function checkUrl(c: Checker, url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return c.fail('notificationUrl must be an absolute URL.');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) c.fail('notificationUrl must use HTTPS.');
}

function checkEvents(c: Checker, raw: unknown): SubscriptionEvent[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    c.fail('events must be a non-empty array of {type, version}.');
    return undefined;
  }
  const out: SubscriptionEvent[] = [];
  raw.forEach((e, i) => {
    if (!isObject(e)) return c.fail(`events[${i}] must be an object.`);
    c.keys(e, ['type', 'version'], `events[${i}]`);
    const type = c.string(e, 'type', `events[${i}]`, { required: true });
    const version = c.string(e, 'version', `events[${i}]`) ?? '1';
    const known = eventCatalog.find((k) => k.type === type);
    if (type !== undefined && !known) c.fail(`events[${i}].type ${type} is not in the events catalog.`);
    else if (known && !known.versions.includes(version)) c.fail(`events[${i}].version ${version} is not available for ${type}.`);
    else if (type !== undefined) out.push({ type, version });
  });
  return out;
}

interface SubscriptionInput {
  name?: string;
  enabled?: boolean;
  events?: SubscriptionEvent[];
  notificationUrl?: string;
}

function checkSubscription(body: unknown, mode: 'create' | 'put' | 'patch'): SubscriptionInput {
  if (!isObject(body)) throw badRequest('The request body must be a subscription object.');
  const c = new Checker();
  c.keys(body, mode === 'patch' ? ['name', 'status', 'notificationUrl'] : ['name', 'status', 'events', 'notificationUrl'], '');
  const full = mode !== 'patch';
  const input: SubscriptionInput = {
    name: c.string(body, 'name', '', { required: full, max: 100 }),
    notificationUrl: c.string(body, 'notificationUrl', '', { required: full }),
  };
  checkUrl(c, input.notificationUrl);
  const status = c.object(body, 'status', '');
  if (status) {
    c.keys(status, ['enabled'], 'status');
    input.enabled = c.boolean(status, 'enabled', 'status');
  }
  if (full) input.events = checkEvents(c, body.events);
  if (!c.ok) throw invalid(c.errors);
  return input;
}

const eventKey = (events: SubscriptionEvent[]) => events.map((e) => `${e.type}@${e.version}`).sort().join(',');

function refuseDuplicate(org: Organization, events: SubscriptionEvent[], url: string, selfId?: string): void {
  for (const s of org.subscriptions.values()) {
    if (s.id !== selfId && s.notificationUrl === url && eventKey(s.events) === eventKey(events)) {
      throw badRequest(`Subscription ${s.id} already sends the same events to ${url}.`);
    }
  }
}

function getSub(org: Organization, id: string | undefined): Subscription {
  const s = id ? org.subscriptions.get(id) : undefined;
  if (!s) throw notFound('subscription', id ?? '');
  return s;
}

const subscriptionList: ListSpec<Subscription> = {
  entity: 'subscriptions',
  filters: {},
  sorts: {},
  id: (s) => s.id,
  created: (s) => s.createdTime,
};

const historyList: ListSpec<EventRecord> = {
  entity: 'events',
  filters: {},
  sorts: {},
  id: (e) => e.id,
  created: (e) => e.createdTime,
};

function newSecurityKey(deps: BillDeps): string {
  return deps.state.newSecret(40);
}

export function registerSubscriptionRoutes(app: FastifyInstance, deps: BillDeps): void {
  const listSettings = { endStyle: deps.options.listEndStyle, includeArchived: true, forwardOnly: true } as const;

  apiRoute(app, deps, 'GET', 'events', '/events/catalog', () => ({ status: 200, body: eventCatalog }));

  apiRoute(app, deps, 'POST', 'events', '/subscriptions', (call) =>
    idempotent(deps, call, 'subscriptions', () => {
      const { org } = call;
      const input = checkSubscription(call.body, 'create');
      if (org.subscriptions.size >= maxSubscriptions) throw badRequest(`An organization can have at most ${maxSubscriptions} subscriptions.`);
      refuseDuplicate(org, input.events!, input.notificationUrl!);
      const now = deps.state.now();
      const sub: Subscription = {
        id: deps.state.eventRng.uuid(),
        name: input.name!,
        enabled: input.enabled ?? true,
        events: input.events!,
        notificationUrl: input.notificationUrl!,
        securityKey: newSecurityKey(deps),
        createdTime: now,
        updatedTime: now,
      };
      org.subscriptions.set(sub.id, sub);
      org.events.set(sub.id, []);
      return { status: 200, body: { ...subscriptionView(org, sub), securityKey: sub.securityKey } };
    }),
  );

  apiRoute(app, deps, 'GET', 'events', '/subscriptions', ({ org, query }) => {
    const page = listPage(org.subscriptions.values(), query, subscriptionList, listSettings);
    return { status: 200, body: { ...('nextPage' in page ? { nextPage: page.nextPage } : {}), results: page.results.map((s) => subscriptionView(org, s)) } };
  });

  apiRoute(app, deps, 'GET', 'events', '/subscriptions/:subscriptionId', ({ org, params }) => ({
    status: 200,
    body: subscriptionView(org, getSub(org, params.subscriptionId)),
  }));

  for (const method of ['PUT', 'PATCH'] as const) {
    apiRoute(app, deps, method, 'events', '/subscriptions/:subscriptionId', ({ org, params, body }) => {
      const sub = getSub(org, params.subscriptionId);
      const input = checkSubscription(body, method === 'PUT' ? 'put' : 'patch');
      refuseDuplicate(org, input.events ?? sub.events, input.notificationUrl ?? sub.notificationUrl, sub.id);
      const before = JSON.stringify(sub);
      if (input.name !== undefined) sub.name = input.name;
      if (input.notificationUrl !== undefined) sub.notificationUrl = input.notificationUrl;
      if (input.events !== undefined) sub.events = input.events;
      // Re-enabling after an automatic disable is done by sending status.enabled=true (A12).
      if (input.enabled !== undefined) sub.enabled = input.enabled;
      if (JSON.stringify(sub) !== before) sub.updatedTime = deps.state.bump(sub.updatedTime);
      return { status: 200, body: subscriptionView(org, sub) };
    });
  }

  apiRoute(app, deps, 'DELETE', 'events', '/subscriptions/:subscriptionId', ({ org, params }) => {
    const sub = getSub(org, params.subscriptionId);
    org.subscriptions.delete(sub.id);
    org.events.delete(sub.id);
    return { status: 200 };
  });

  // The collection spells the path security_key, the general-rules page security-key; both are served.
  for (const path of ['security_key', 'security-key']) {
    apiRoute(app, deps, 'POST', 'events', `/subscriptions/:subscriptionId/${path}`, (call) => {
      const sub = getSub(call.org, call.params.subscriptionId);
      return idempotent(deps, call, `security-key|${sub.id}`, () => {
        sub.securityKey = newSecurityKey(deps);
        sub.updatedTime = deps.state.bump(sub.updatedTime);
        return { status: 200, body: { securityKey: sub.securityKey } };
      });
    });
  }

  apiRoute(app, deps, 'POST', 'events', '/subscriptions/:subscriptionId/test', async ({ org, params, body }) => {
    const sub = getSub(org, params.subscriptionId);
    const input = body === undefined ? {} : body;
    if (!isObject(input)) throw badRequest('The request body must be an object.');
    const eventType = typeof input.eventType === 'string' ? input.eventType : (sub.events[0]?.type ?? 'bill.created');
    if (!eventCatalog.some((e) => e.type === eventType)) throw badRequest(`eventType ${eventType} is not in the events catalog.`);
    const entityKey = eventType.split('.')[0]!;
    // All values in a test notification are test data ([BPM] test description).
    const entity = isObject(input[entityKey]) ? input[entityKey] : { id: `test-${entityKey}-id` };
    const record = deps.webhooks.record(org, sub, eventType, { [entityKey]: entity }, String(entity.id ?? ''));
    await deps.webhooks.deliverOnce(sub, record);
    return { status: 200, body: eventView(record) };
  });

  apiRoute(app, deps, 'GET', 'events', '/events/subscription/:subscriptionId', ({ org, params, query }) => {
    const sub = getSub(org, params.subscriptionId);
    const { entityId, ...rest } = query;
    const events = (org.events.get(sub.id) ?? []).filter((e) => entityId === undefined || e.entityId === entityId);
    const page = listPage(events, rest, historyList, listSettings);
    return { status: 200, body: { ...('nextPage' in page ? { nextPage: page.nextPage } : {}), results: page.results.map(eventView) } };
  });

  apiRoute(app, deps, 'POST', 'events', '/events/subscription/:subscriptionId/event/:eventId', async ({ org, params }) => {
    const sub = getSub(org, params.subscriptionId);
    const record = (org.events.get(sub.id) ?? []).find((e) => e.id === params.eventId);
    if (!record) throw notFound('event', params.eventId ?? '');
    await deps.webhooks.deliverOnce(sub, record);
    return { status: 200, body: eventView(record) };
  });
}
