/**
 * A local BILL v3 API on loopback: the same paths as production (`/connect/v3/...` and the events base
 * `/connect-events/v3/...`), in-memory state, deterministic from a seed. See docs/emulators/bill.md.
 *
 * @example
 * const bill = await startBillEmulator({ seed: 7 });
 * const res = await fetch(`${bill.urls.api}/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ ...bill.sandbox }) });
 * await bill.stop();
 */
import { EmulatorContext } from '../kit/base.ts';
import type { EmulatorDefinition } from '../kit/registry.ts';
import { addOrganization, seedAll, stateDump } from './control.ts';
import { BillLimits } from './limits.ts';
import type { Payment } from './model.ts';
import { resolveOptions, type BillDeps, type BillEmulatorOptions, type ResolvedOptions } from './options.ts';
import { checkSingleStatus } from './payments-logic.ts';
import { paymentView } from './payment-views.ts';
import { payBill, setPaymentStatus, type PayInput } from './payments.ts';
import { apiBase, eventsBase } from './pipeline.ts';
import type { SeedInput, SeedSummary } from './seed.ts';
import { buildBillApp } from './server.ts';
import { BillState, sandboxDevKey, sandboxUser } from './state.ts';
import { BillWebhooks } from './webhooks.ts';
import { BillApiError } from './errors.ts';

export type { BillEmulatorOptions, ResolvedOptions } from './options.ts';
export type { SeedInput, SeedSummary } from './seed.ts';
export type { PayInput } from './payments.ts';
export { BillApiError } from './errors.ts';
export { signatureHeader, eventCatalog, retryDelaysMs } from './webhooks.ts';

/** A payment as the API shows it (`GET /v3/payments/{id}`). */
export type PaymentJson = Record<string, unknown> & { id: string; singleStatus: string; billPayments: { id: string; billId: string; amount: number }[] };

export interface BillEmulator {
  urls: { base: string; api: string; events: string };
  /** Sign-in values for `POST /v3/login`; organizationId follows the latest seed. */
  sandbox: { devKey: string; username: string; password: string; organizationId: string };
  ctx: EmulatorContext;
  state: BillState;
  options: ResolvedOptions;
  /** Same as `POST /_emulator/seed`: replaces everything with a freshly seeded organisation. */
  seed(input?: SeedInput): SeedSummary;
  /** Same as `POST /_emulator/organizations`: one more organisation the same user can sign in to. */
  addOrganization(input?: SeedInput): SeedSummary;
  /** Same as `POST /_emulator/pay`. Throws BillApiError when the bill is unknown or the amount too large. */
  pay(input: PayInput): PaymentJson;
  /** Same as `POST /_emulator/payments/{id}/status`. */
  setPaymentStatus(paymentId: string, singleStatus: string): PaymentJson;
  /** Same as `GET /_emulator/state`. */
  dump(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startBillEmulator(opts: BillEmulatorOptions = {}): Promise<BillEmulator> {
  const ctx = new EmulatorContext(opts);
  const options = resolveOptions(opts, sandboxDevKey);
  const state = new BillState(ctx.clock, ctx.seed, options.sessionIdleMs);
  const deps: BillDeps = {
    ctx,
    state,
    options,
    limits: new BillLimits(ctx.clock, options),
    webhooks: new BillWebhooks(ctx, state, options),
  };
  const app = buildBillApp(deps);
  const sandbox = { devKey: sandboxDevKey, username: sandboxUser.username, password: sandboxUser.password, organizationId: '' };
  const syncSandbox = <T>(result: T): T => {
    sandbox.organizationId = state.defaultOrgId;
    return result;
  };
  syncSandbox(seedAll(deps, { ...opts.initialSeed, seed: ctx.seed }));
  app.addHook('onResponse', async (request) => {
    if (request.url.startsWith('/_emulator/seed')) sandbox.organizationId = state.defaultOrgId;
  });

  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const base = address.replace('://localhost', '://127.0.0.1');
  const asJson = (org: Parameters<typeof paymentView>[0], p: Payment) => paymentView(org, p) as PaymentJson;

  return {
    urls: { base, api: `${base}${apiBase}`, events: `${base}${eventsBase}` },
    sandbox,
    ctx,
    state,
    options,
    seed: (input = {}) => syncSandbox(seedAll(deps, input)),
    addOrganization: (input = {}) => addOrganization(deps, input),
    pay: (input) => {
      const { org, payment } = payBill(deps, input);
      return asJson(org, payment);
    },
    setPaymentStatus: (paymentId, singleStatus) => {
      const org = state.orgOfPayment(paymentId);
      const payment = org?.payments.get(paymentId);
      if (!org || !payment) throw new BillApiError(404, [{ code: 'BDC_1205', message: `Invalid payment id: ${paymentId}.` }]);
      return asJson(org, setPaymentStatus(deps, org, payment, checkSingleStatus(singleStatus)));
    },
    dump: () => stateDump(deps),
    stop: async () => {
      ctx.webhooks.stop();
      await app.close();
    },
  };
}

/** BILL in the emulator registry (src/emulators/index.ts). */
export const billEmulator: EmulatorDefinition<'bill', BillEmulator> = {
  id: 'bill',
  start: (options) => startBillEmulator(options),
  describe: (bill) => ({ api: bill.urls.api, events: bill.urls.events, control: `${bill.urls.base}/_emulator`, sandbox: bill.sandbox }),
};
