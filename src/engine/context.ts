import { ConnectorError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/db.ts';
import type { AuditEvent } from '../store/repos/audit.ts';
import type { RecordOutcome } from '../store/repos/records.ts';
import { systemDisplayNames, type SystemId } from '../model/types.ts';
import type { Link } from '../model/link.ts';
import { defaultEnginePolicy, type EnginePolicy } from './policy.ts';
import type { LinkSides } from './ports.ts';
import type { PairDefinition } from './pair.ts';
import type { CallClass } from '../http/call-class.ts';

/** One line of a dry-run plan, or of a real run's summary. */
export interface PlanEntry {
  entity: string;
  sourceId: string;
  label: string;
  action: 'create' | 'update' | 'link' | 'archive' | 'delete' | 'unchanged' | 'skip' | 'conflict' | 'fail';
  reason: string;
}

export interface Progress {
  step: string;
  done: number;
  note?: string;
}

export interface RunOptions {
  dryRun?: boolean;
  /** Called as work advances (CLI progress line, server progress bar). */
  onProgress?: (p: Progress) => void;
  /**
   * Asks the run to stop: it finishes and commits the page at hand, then ends as 'interrupted' with
   * MLC_ERR_STOPPED, and the next run resumes from the cursors it saved (a worker shutting down).
   */
  signal?: AbortSignal;
  /**
   * Which steps a sync runs: `only` these (a step's own schedule), or all but the steps that have a
   * schedule of their own (`skipScheduled`, the server's poll). Absent: every step.
   */
  steps?: { only?: readonly string[]; skipScheduled?: boolean };
  /**
   * Also runs the validation pass after the steps (the server's poll): records changed on a target
   * since the pass's cursor that the id map knows are validated as a `validate` trigger would
   * (engine/validate-changes.ts). Not with `steps.only`.
   */
  validateTargets?: boolean;
  /**
   * Which allowance queue the run's calls wait in (http/call-class.ts). Default: 'bulk' for a sync
   * of every step (first syncs, polls, catch-up), 'interactive' for a step's own schedule (payments
   * back), webhook follow-ups and replays, which go ahead of bulk work when both wait.
   */
  callClass?: CallClass;
  /** Test hook: called after each committed page with the step name (crash tests kill here). */
  afterCommit?: (step: string) => void | Promise<void>;
}

export type Counts = Record<string, number>;

/** Everything one run needs; the engine's steps share it. */
export class RunContext {
  readonly plan: PlanEntry[] = [];
  readonly counts: Counts = {};
  private pendingAudit: AuditEvent[] = [];
  private pendingOutcomes: RecordOutcome[] = [];

  constructor(
    readonly db: Db,
    readonly link: Link,
    readonly runId: string,
    readonly sides: LinkSides,
    readonly pair: PairDefinition,
    readonly log: Logger,
    readonly options: RunOptions,
    readonly policy: EnginePolicy = defaultEnginePolicy,
  ) {}

  /** A system as people call it ("BILL", "Xero"). */
  systemName(id: string): string {
    return systemDisplayNames[id as SystemId] ?? id;
  }

  get dryRun(): boolean {
    return this.options.dryRun === true;
  }

  count(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  progress(step: string, done: number, note?: string): void {
    this.options.onProgress?.({ step, done, ...(note ? { note } : {}) });
  }

  /** Notes a decision: counted, kept for the plan, and its audit event and record status queued for the page's commit. */
  outcome(entry: PlanEntry, audit: Omit<AuditEvent, 'runId' | 'entity' | 'sourceId'> | null, record: Omit<RecordOutcome, 'entity' | 'sourceId' | 'label'> | null): void {
    this.count(`${entry.entity}.${entry.action}`);
    // A real run keeps only what needs attention; a dry run keeps the whole plan.
    if (this.dryRun || ((entry.action === 'fail' || entry.action === 'conflict') && this.plan.length < 1000)) this.plan.push(entry);
    if (this.dryRun) return;
    if (audit) this.pendingAudit.push({ ...audit, runId: this.runId, entity: entry.entity, sourceId: entry.sourceId });
    // An empty label keeps the one the record has (a recovery knows the ids, not the label).
    if (record) this.pendingOutcomes.push({ ...record, entity: entry.entity, sourceId: entry.sourceId, label: entry.label || null });
  }

  /** Ends the run here, between committed pages, when it was asked to stop. */
  throwIfStopped(): void {
    if (this.options.signal?.aborted) {
      throw new ConnectorError({ code: 'MLC_ERR_STOPPED', message: 'the run was asked to stop; it stopped after its last committed page' });
    }
  }

  /** Audit rows and record statuses queued since the last commit, handed to the commit transaction. */
  drain(): { audit: AuditEvent[]; outcomes: RecordOutcome[] } {
    const out = { audit: this.pendingAudit, outcomes: this.pendingOutcomes };
    this.pendingAudit = [];
    this.pendingOutcomes = [];
    return out;
  }
}
