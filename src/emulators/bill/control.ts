/**
 * The emulator's own control surface under `/_emulator/` (never part of BILL): seeding, a dump of every
 * record, paying bills the way the BILL network would, moving payments along, extra organisations, and
 * the kit's common clock/faults/stats/latency routes, and the wire-overrides test knob. Errors here are
 * plain `{error}` JSON.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { registerCommonControlRoutes } from '../kit/base.ts';
import { billView } from './bill-views.ts';
import { kinds } from './classifications.ts';
import { BillApiError } from './errors.ts';
import type { Organization } from './model.ts';
import type { BillDeps } from './options.ts';
import { checkSingleStatus } from './payments-logic.ts';
import { paymentView } from './payment-views.ts';
import { payBill, setPaymentStatus, type PayInput } from './payments.ts';
import { seedCounts, seedOrganization, type SeedInput, type SeedSummary } from './seed.ts';
import { eventView, subscriptionView } from './subscriptions.ts';
import { vendorView } from './vendors.ts';
import { makeNextNow, recurringView } from './recurring.ts';
import { isObject } from './validate.ts';
import { readWirePatch } from '../kit/wire-overrides.ts';

/** Replaces everything with a freshly seeded default organisation. */
export function seedAll(deps: BillDeps, input: SeedInput): SeedSummary {
  seedCounts(input);
  const seed = input.seed ?? deps.ctx.seed;
  deps.state.reset(seed);
  return addOrganization(deps, input);
}

/** Adds one more seeded organisation next to the existing ones (isolation tests). */
export function addOrganization(deps: BillDeps, input: SeedInput): SeedSummary {
  seedCounts(input);
  const org = deps.state.createOrganization(input.name ?? (deps.state.orgs.size === 0 ? 'Harbor & Pine Studio' : `Organization ${deps.state.orgs.size + 1}`), Date.parse('2025-01-06T08:00:00.000Z'));
  return seedOrganization(deps, org, input);
}

export function organizationDump(deps: BillDeps, org: Organization): Record<string, unknown> {
  return {
    id: org.id,
    name: org.name,
    vendors: [...org.vendors.values()].map((v) => vendorView(org, v)),
    bills: [...org.bills.values()].map((b) => billView(deps, org, b)),
    payments: [...org.payments.values()].map((p) => paymentView(org, p)),
    chartOfAccounts: [...org.accounts.values()].map(kinds.account.view),
    departments: [...org.departments.values()].map(kinds.department.view),
    recurringBills: [...org.recurringBills.values()].map(recurringView),
    // Security keys are never shown again after creation, here neither.
    subscriptions: [...org.subscriptions.values()].map((s) => subscriptionView(org, s)),
    events: Object.fromEntries(
      [...org.events.entries()].map(([id, list]) => [id, list.map((e) => ({ ...eventView(e), deliveryStatus: e.deliveryStatus, attempts: e.attempts }))]),
    ),
  };
}

/** Every record of every organisation (`GET /_emulator/state`). */
export function stateDump(deps: BillDeps): Record<string, unknown> {
  return {
    defaultOrganizationId: deps.state.defaultOrgId,
    userId: deps.state.userId,
    organizations: [...deps.state.orgs.values()].map((org) => organizationDump(deps, org)),
  };
}

function fail(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof BillApiError) return reply.code(e.status).send({ error: e.items.map((i) => i.message).join(' ') });
  return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
}

function seedInput(body: unknown): SeedInput {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw new RangeError('body must be an object');
  return body as SeedInput;
}

export function registerControlRoutes(app: FastifyInstance, deps: BillDeps): void {
  registerCommonControlRoutes(app, deps.ctx);

  app.post('/_emulator/seed', async (request, reply) => {
    try {
      return seedAll(deps, seedInput(request.body));
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.post('/_emulator/organizations', async (request, reply) => {
    try {
      return addOrganization(deps, seedInput(request.body));
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/_emulator/state', async () => stateDump(deps));

  // Each devKey's hourly allowance per window: admitted, refused and by organisation (docs/emulators/bill.md "Control surface").
  app.get('/_emulator/allowance', async () => ({ hourMs: deps.options.hourMs, hourlyLimit: deps.options.hourlyLimit, devKeys: deps.limits.allowanceView() }));

  app.post('/_emulator/pay', async (request, reply) => {
    try {
      const body = request.body;
      if (!isObject(body)) throw new RangeError('body must be {"billId": "...", "amount"?: "12.34", "singleStatus"?: "...", "processDate"?: "yyyy-MM-dd"}');
      const { org, payment } = payBill(deps, body as unknown as PayInput);
      return reply.code(201).send(paymentView(org, payment));
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.post('/_emulator/payments/:paymentId/status', async (request, reply) => {
    try {
      const { paymentId } = request.params as { paymentId: string };
      const org = deps.state.orgOfPayment(paymentId);
      const payment = org?.payments.get(paymentId);
      if (!org || !payment) return reply.code(404).send({ error: `no payment ${paymentId}` });
      const next = checkSingleStatus((request.body as { singleStatus?: unknown } | undefined)?.singleStatus);
      return paymentView(org, setPaymentStatus(deps, org, payment, next));
    } catch (e) {
      return fail(reply, e);
    }
  });

  // Test knob: a recurring bill makes its next bill now, whatever the date (docs/emulators/bill.md "Recurring bills").
  app.post('/_emulator/recurring-bills/:recurringBillId/make', async (request, reply) => {
    const { recurringBillId } = request.params as { recurringBillId: string };
    const org = deps.state.orgOfRecord(recurringBillId);
    const r = org?.recurringBills.get(recurringBillId);
    if (!org || !r) return reply.code(404).send({ error: `no recurring bill ${recurringBillId}` });
    if (r.archived || !r.schedule.nextDueDate) return reply.code(409).send({ error: `recurring bill ${recurringBillId} is archived or has no next date` });
    const bill = makeNextNow(deps, org, r);
    return { recurringBill: recurringView(r), bill: bill ? billView(deps, org, bill) : null };
  });

  app.get('/_emulator/webhooks', async () => ({ deliveries: deps.ctx.webhooks.log }));

  // Test knob (docs/emulators/bill.md "Control surface"): one vendor, bill or payment sent altered by the read routes.
  app.post('/_emulator/wire-overrides', async (request, reply) => {
    try {
      const { id, patch } = readWirePatch(request.body);
      const org = deps.state.orgOfRecord(id);
      if (!org) return reply.code(404).send({ error: `no vendor, bill, recurring bill or payment ${id}` });
      org.wire.put(id, patch);
      return { organizationId: org.id, overrides: org.wire.view() };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/_emulator/wire-overrides', async () => Object.fromEntries([...deps.state.orgs.values()].map((o) => [o.id, o.wire.view()])));

  app.delete('/_emulator/wire-overrides', async () => {
    for (const o of deps.state.orgs.values()) o.wire.clear();
    return {};
  });
}
