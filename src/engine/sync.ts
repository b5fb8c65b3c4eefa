import { asConnectorError, ConnectorError, errorCatalogue, type ErrorCode } from '../core/errors.ts';
import { withCallClass } from '../http/call-class.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/db.ts';
import { markNeedsReconnect, markSuccess } from '../store/repos/connections.ts';
import { pinLinkTenants } from '../store/repos/links.ts';
import { tryAcquireLease } from '../store/repos/leases.ts';
import { listRetryDue } from '../store/repos/records.ts';
import { finishRun, startRun } from '../store/repos/runs.ts';
import { rerunRecords } from './rerun.ts';
import { RunContext, type Counts, type PlanEntry, type RunOptions } from './context.ts';
import type { Link } from '../model/link.ts';
import { defaultEnginePolicy, type EnginePolicy } from './policy.ts';
import { closeSides, type LinkSides } from './ports.ts';
import { AccountMap } from './accounts.ts';
import type { EntityName, PairDefinition } from './pair.ts';
import { StepRunner } from './step-runner.ts';
import { runGraph } from './graph.ts';
import { prepareValidation } from './validate-changes.ts';

export interface EngineDeps {
  db: Db;
  log: Logger;
  /** Opens the two sides of a link (ports bound to their connections). */
  open(link: Link): Promise<LinkSides>;
  /** The definition of the link's pair (src/pairs/): its steps, account policy, triggers and reconcile. */
  pairOf(link: Link): PairDefinition;
  /** Settle window and retry schedule (defaults in policy.ts). */
  policy?: Partial<EnginePolicy>;
}

export interface RunResult {
  runId: string;
  link: string;
  /** interrupted: asked to stop (RunOptions.signal); what it committed stays, the next run goes on. */
  status: 'succeeded' | 'partial' | 'failed' | 'interrupted';
  counts: Counts;
  /** For a dry run, the whole plan; otherwise the records that need attention. */
  plan: PlanEntry[];
  /** retryAfterMs: when an allowance used up (MLC_ERR_DAILY_LIMIT) resets, so the work can be parked until then. */
  error: { code: string; message: string; retryAfterMs?: number } | null;
}

/** A run's parts: its context, the accounts and one runner per step of the pair, in dependency order. */
export interface RunParts {
  ctx: RunContext;
  accounts: AccountMap;
  steps: ReadonlyMap<EntityName, StepRunner<any, any>>;
}

export type RunBody = (parts: RunParts) => Promise<void>;

/**
 * Runs one unit of work on a link under its lease, with a run row, counts and a final status. The
 * body decides what to do (sync, replay); failures of single records never stop it, fatal ones
 * (re-auth needed, allowance used up, configuration) end it with their stable code.
 */
export async function runOnLink(deps: EngineDeps, link: Link, kind: string, options: RunOptions, body: RunBody): Promise<RunResult> {
  const dryRun = options.dryRun === true;
  const lease = dryRun ? null : await tryAcquireLease(deps.db, `link:${link.name}`);
  if (!dryRun && !lease) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFLICT', message: `link '${link.name}' is being synced by another process; try again when it finishes` });
  }
  const runId = dryRun ? 'dry-run' : await startRun(deps.db, link.name, kind, false);
  let error: ConnectorError | null = null;
  let ctx: RunContext | null = null;
  const pair = deps.pairOf(link);
  let sides: LinkSides | null = null;
  try {
    sides = await deps.open(link);
    if (!dryRun) await pinLinkTenants(deps.db, link.name, { erpTenantId: sides.erp.tenantId, billOrgId: sides.bill.tenantId });
    ctx = new RunContext(deps.db, link, runId, sides, pair, deps.log, options, { ...defaultEnginePolicy, ...deps.policy });
    ctx.throwIfStopped();
    // Interactive work (a step's own schedule, webhook follow-ups, replays) goes ahead of bulk syncs
    // when both wait for the same allowance (http/call-class.ts).
    const callClass = options.callClass ?? (kind === 'sync' && !options.steps?.only ? 'bulk' : 'interactive');
    const parts = buildParts(ctx);
    await withCallClass(callClass, () => body(parts));
  } catch (e) {
    error = asConnectorError(e);
    // MLC_ERR_AUTH_EXPIRED means a credential was renewed and the service still called it expired:
    // the saved credentials work (a failed login or refresh has its own code), so the next run
    // tries again instead of stopping every run until someone reconnects.
    if (error.kind === 'needs_reauth' && error.code !== 'MLC_ERR_AUTH_EXPIRED' && !dryRun) {
      const connection = error.system === pair.hub ? link.billConnectionId : link.erpConnectionId;
      await markNeedsReconnect(deps.db, connection, error.message).catch(() => undefined);
    }
    if (error.code === 'MLC_ERR_STOPPED') deps.log.info({ link: link.name, runId }, 'run stopped on request after its last committed page');
    else deps.log.error({ link: link.name, runId, code: error.code, err: error.message }, 'run stopped');
  } finally {
    await closeSides(sides, (system, e) => deps.log.warn({ link: link.name, system, err: asConnectorError(e).message }, 'could not close the connection after the run'));
    await lease?.release().catch(() => undefined);
  }
  const counts = ctx?.counts ?? {};
  const troubled = Object.entries(counts).some(([k, n]) => (k.endsWith('.fail') || k.endsWith('.conflict')) && n > 0);
  const status = error?.code === 'MLC_ERR_STOPPED' ? 'interrupted' : error ? 'failed' : troubled ? 'partial' : 'succeeded';
  if (!dryRun) await finishRun(deps.db, runId, { status, counts, errorCode: error?.code ?? null, errorMessage: error?.message ?? null });
  // A run that ended without a fatal error talked to both systems: that is each connection's last success.
  if (!dryRun && (status === 'succeeded' || status === 'partial')) {
    for (const id of new Set([link.erpConnectionId, link.billConnectionId])) await markSuccess(deps.db, id).catch(() => undefined);
  }
  return { runId, link: link.name, status, counts, plan: ctx?.plan ?? [], error: error ? { code: error.code, message: error.message, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) } : null };
}

/** The run's parts: the accounts, and a runner per step of the pair, in dependency order. */
function buildParts(ctx: RunContext): RunParts {
  const accounts = new AccountMap(ctx);
  const steps = new Map<EntityName, StepRunner<any, any>>();
  const ensure = (step: EntityName, ids: readonly string[]) => {
    const runner = steps.get(step);
    if (!runner) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `pair '${ctx.pair.id}' has no ${step} step` });
    return runner.ensure(ids);
  };
  const expect = (step: EntityName, ids: readonly string[]) => steps.get(step)?.claims.want(ids);
  for (const def of stepOrder(ctx.pair)) steps.set(def.entity, new StepRunner(ctx, def, { accounts, ensure, expect }));
  return { ctx, accounts, steps };
}

/** The pair's steps, each after the steps it depends on (the order replay and retries use). */
export function stepOrder(pair: PairDefinition): PairDefinition['steps'] {
  const done = new Set<string>();
  const out: PairDefinition['steps'][number][] = [];
  while (out.length < pair.steps.length) {
    const ready = pair.steps.filter((s) => !done.has(s.entity) && s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `pair '${pair.id}' has steps that depend on each other in a circle, or on a step it does not have` });
    for (const s of ready) {
      out.push(s);
      done.add(s.entity);
    }
  }
  return out;
}

/**
 * A full delta sync: accounts first, then every step of the pair from its saved cursor, by
 * dependency; with `validateTargets` (the server's poll), then the validation pass over what
 * changed on the targets since its own cursor.
 */
export function syncLink(deps: EngineDeps, link: Link, options: RunOptions = {}): Promise<RunResult> {
  const { only, skipScheduled } = options.steps ?? {};
  const runs = (def: PairDefinition['steps'][number]) => (only ? only.includes(def.entity) : !(skipScheduled && def.schedule));
  return runOnLink(deps, link, 'sync', options, async (parts) => {
    // Both charts are read beside the steps' first pages; a bill's planner waits for them (accounts.ts).
    const accounts = parts.accounts.load();
    accounts.catch(() => undefined);
    // The poll's validation pass (validate-changes.ts) looks at the id map before the steps write to it.
    const validate = options.validateTargets && !only ? await prepareValidation(parts, runs) : null;
    await runGraph(parts, runs, async (step) => {
      await step.settle();
      await step.syncChanged();
    });
    await accounts;
    await validate?.();
    await retryTransientFailures(parts);
  });
}

/**
 * Error codes whose cause passes by itself: a failed record with one of them is tried again by later
 * syncs, on the policy's schedule, without a person; data causes (validation, a missing account)
 * wait for `replay` once fixed. A record that failed because its vendor did not sync is retried too,
 * since its vendor's failure may have been transient (a vendor create in doubt, say).
 */
export const transientFailureCodes: readonly ErrorCode[] = [
  ...(Object.keys(errorCatalogue) as ErrorCode[]).filter((code) => errorCatalogue[code].kind === 'retryable' && code !== 'MLC_ERR_STOPPED'),
  'MLC_ERR_DEPENDENCY_FAILED',
];

async function retryTransientFailures(parts: RunParts): Promise<void> {
  const { ctx } = parts;
  if (ctx.dryRun) return;
  // A record read without its id cannot be asked for again; its next change brings it back.
  const due = (await listRetryDue(ctx.db, ctx.link.name, ctx.runId, transientFailureCodes, ctx.policy.retryAfterMs))
    .filter((r) => !r.source_id.startsWith('unreadable:'));
  if (due.length === 0) return;
  ctx.count('retry.records', due.length);
  ctx.log.info({ link: ctx.link.name, count: due.length }, 'trying failed records again whose cause was transient');
  await rerunRecords(parts, due, { intentsSettled: true });
}
