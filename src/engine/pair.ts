import type { ZodType } from 'zod';
import type { Decision } from '../flows/types.ts';
import type { GlAccount } from '../model/types.ts';
import type { Link, PairId } from '../model/link.ts';
import type { SystemId } from '../model/types.ts';
import type { IdMapRow } from '../store/repos/id-map.ts';
import type { CallClass } from '../http/call-class.ts';
import type { AccountMap } from './accounts.ts';
import type { RunContext } from './context.ts';
import type { LinkSides, Readers, Side, SystemPort, Writers } from './ports.ts';
import type { ReconcileReport } from './reconcile-report.ts';
import type { StepKey } from './intents.ts';

/**
 * A pair as data (ADR-0005): which ledger it joins with BILL, its steps, how the chart of accounts
 * is kept, which webhooks re-read which step, and what reconcile compares. The engine runs any pair
 * the same way; a pair definition lives in src/pairs/<pair>/ and names no I/O of its own except the
 * reads its planners ask of the run's ports.
 */
export interface PairDefinition {
  id: PairId;
  /** The ledger system a link of this pair pairs with BILL. */
  erp: SystemId;
  /** The payables system (BILL). */
  hub: SystemId;
  accounts: AccountPolicy;
  /** The steps; each runs once its dependencies have, steps with none between them side by side. */
  steps: readonly StepDefinition[];
  /** Which inbound webhook events re-read which step. */
  triggers: readonly Trigger[];
  /** Validates a link's settings for this pair. */
  settings: ZodType;
  /** Compares the two ledgers afresh (reconcile); reads both sides, writes nothing. */
  reconcile(run: ReconcileRun): Promise<ReconcileReport>;
  /** Value maps a person keeps in the link's settings, with suggestions (ValueMapDefinition); absent: none. */
  valueMaps?: readonly ValueMapDefinition[];
  /**
   * Options a side's port is opened with for this link, from its settings (BILL → QBO: whether
   * bills are PurchaseOrders or Bills, departments as Departments or Classes). Absent: none.
   */
  sideOptions?(link: Link): Partial<Record<Side, Readonly<Record<string, unknown>>>>;
}

/**
 * How the chart of accounts is kept between the sides. `create-missing`: accounts a record uses that
 * the target lacks are created there when the link's settings allow it (Xero → BILL); `map-only`:
 * the target owns its chart and is never written from the other one (BILL → QBO).
 */
export interface AccountPolicy {
  from: Side;
  to: Side;
  policy: 'create-missing' | 'map-only';
  /** Pure matching of the two charts (flows/): source id → target id and how it matched; `link` carries any mapping a person pinned. */
  match(source: readonly GlAccount[], target: readonly GlAccount[], link?: Link): { matches: { sourceId: string; targetId: string; by: string }[] };
  /** For create-missing: whether this link lets the step create (a setting may turn it off). */
  mayCreate(link: Link): boolean;
}

/**
 * An inbound event and the step it re-reads: `ids` syncs the named records, `delta` runs the step
 * from its cursor, `validate` names records on the step's TARGET side (an edit or delete made there
 * by a person): their sources are re-read and synced, then the step's `validate` checks what the
 * target holds now and raises a conflict for anything changed behind the connector's back.
 */
export interface Trigger {
  side: Side;
  /** The entity the event names on that side. */
  entity: string;
  step: EntityName;
  mode: 'ids' | 'delta' | 'validate';
}

/** What a step's validation found wrong with one linked record on its target. */
export interface TargetProblem {
  sourceId: string;
  targetId: string;
  reason: string;
}

export type EntityName = keyof Readers & string;

/** A record as every reader returns it. */
export interface SourceRecord {
  id: string;
  updatedAt: string | null;
}

/** A decision, and for a record that will settle by itself, that it stays pending (read again later). */
export type Planned<P> = Decision<P> & { pending?: boolean; failedPayload?: unknown };

/** What a step's planner gets: the run, the two ports, the accounts and the other steps' links. */
export interface StepRun {
  ctx: RunContext;
  source: SystemPort;
  target: SystemPort;
  /** The step's id-map key (link, entity, the two systems). */
  key: StepKey;
  accounts: AccountMap;
  /** Target ids of these source records of another step, syncing the ones not linked yet (null: failed). */
  ensure(step: EntityName, sourceIds: readonly string[]): Promise<Map<string, string | null>>;
  /** Says which records of another step `ensure` will ask for next, in order, so that step writes them first; never waits. */
  expect(step: EntityName, sourceIds: readonly string[]): void;
}

/** Plans one batch of a step; may keep what it learnt for the rest of the run (an index of target vendors, say). */
export interface Planner<S, P> {
  /** One decision per record, in order. Reads what the plans need through the run's ports; writes nothing. */
  plan(records: readonly S[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Planned<P>[]>;
  /** A create confirmed, adopted after a lost answer, or a link made: known for the rest of the run. */
  created?(sourceId: string, targetId: string, payload: P | null): void;
  /** The target's view of a record read while planning, handed to the writer's update. */
  currentOf?(targetId: string): unknown;
  /**
   * The step has no cursor yet, so every source record is new: start reading what planning them
   * will need from the target (a vendor list to match against) beside the first source page.
   */
  warm?(): void;
  /**
   * A page of the step's delta read, as far as its source knows it before the page is complete
   * (EntityReader.iterate's `ahead`), and whether more pages follow: lets the planner start the
   * reads it will need for these records. A head start only: `plan` still gets the whole records.
   */
  ahead?(records: readonly Partial<S>[], last: boolean): void;
  /**
   * Splits a round of records into groups planned one after another, each sent while the next is
   * planned, so a group's writes start once its own references are linked (ERP bills: a chunk of
   * one write batch, vendor by vendor). Without it the round is one group.
   */
  split?(records: readonly S[], mapped: ReadonlyMap<string, IdMapRow>, batch: number): S[][];
}

/** One step of a pair: an entity read on one side and written on the other. */
export interface StepDefinition<S extends SourceRecord = any, P = any> {
  entity: EntityName;
  from: Side;
  to: Side;
  /** The entity written on the target (a bill becomes a purchase order in BILL → QBO). */
  targetEntity: keyof Writers & string;
  /** The cursor stream this step's delta reads keep. */
  stream: string;
  dependsOn: readonly EntityName[];
  /**
   * The planner reaches every step it depends on through `run.ensure`, which waits for the records
   * it names to be linked: the step then starts beside those steps instead of after them (a bill
   * chunk goes once its own vendors are linked, not once every vendor of the run is).
   */
  overlapsDependencies?: boolean;
  /**
   * The allowance queue this step's calls wait in when the run's own class is bulk (a first sync, a
   * poll): 'interactive' for work a person is waiting on (a payment made in BILL, due on the ledger),
   * so it goes ahead of the run's own bulk writes and other organisations' first syncs
   * (http/call-class.ts). Not on the step's first run (no cursor yet), which reads the source's
   * whole history: that is bulk work like the rest of a first sync. Default: the run's class.
   */
  callClass?: CallClass;
  label(record: S): string;
  /** How the record is found on the target after a lost answer (the writer's findByMatchKey understands it). */
  matchKey(payload: P, record: S): string;
  planner(run: StepRun): Planner<S, P>;
  /** Per-run context the writer needs (the payment account); throws a configuration error when it is missing. */
  writeOptions?(ctx: RunContext): unknown;
  /** Kept on the link row (id_map.extra), e.g. the amount a payment posted. */
  linkExtra?(record: S, payload: P): Record<string, unknown>;
  /**
   * A step the server runs on a schedule of its own rather than with every poll (BILL → QBO records
   * payments daily): the link setting holding its cron, and the default. Webhook follow-ups, the
   * CLI's `sync` and replay still run it whenever they run the link.
   */
  schedule?: { setting: string; defaultCron: string };
  /** Records left pending (a payment not settled yet) are read again by id on every run, whatever the cursor. */
  rereadPending?: boolean;
  /**
   * For `validate` triggers: reads the target's current view of these linked records and says which
   * were deleted, voided or edited there (never repaired by writing: a person decides).
   */
  validate?(run: StepRun, links: readonly IdMapRow[]): Promise<TargetProblem[]>;
  /** The label a record's intent is known by when it is read again by id (BILL payments: their reference). */
  labelOfIntent?(intent: IdMapRow): string | null;
  texts: {
    /** Why a record is created (the plan and audit say it). */
    createReason(record: S, dryRun: boolean): string;
    updateReason: string;
    /** The record status once created (default: "created in <target>"). */
    created?: string;
    /** The record status once deleted on the target. */
    deleted?(reason: string): string;
  };
}

/** What a pair's reconcile reads from. */
export interface ReconcileRun {
  db: RunContext['db'];
  link: Link;
  sides: Readonly<Record<Side, SystemPort>>;
  log: RunContext['log'];
}

/**
 * A value map a person keeps in a link's settings (one setting holding an object of source value
 * → target value, such as Acumatica subaccount → BILL department name), which the pair can
 * propose from both sides. Optional on a pair: the CLI (`mapping suggest|apply`), the API
 * (GET /api/links/{name}/mapping-suggestions) and the dashboard's mapping page offer every map a
 * pair declares and know no system by name. A proposal is only read: nothing is written until a
 * person confirms entries, which are then saved in the setting and validated as any settings are.
 */
export interface ValueMapDefinition {
  /** The link setting holding the map: an object of strings, source value → target value. */
  setting: string;
  /** What is mapped, for people: e.g. "subaccount" → "BILL department". */
  from: string;
  to: string;
  /** What saving entries changes about syncing (an unmapped value failing its record, say). */
  note: string;
  /** Reads both sides and proposes; writes nothing. */
  suggest(link: Link, sides: LinkSides): Promise<ValueMapProposal>;
}

/** Every source value with its mapping today and a suggestion, and the values the map may name. */
export interface ValueMapProposal {
  rows: ValueMapRow[];
  /** The target values a person may choose (active ones), in display order. */
  targets: { value: string; label: string }[];
  /** Entries of the map whose key is no source value, so no record uses them (a code mistyped, say). */
  stale: { value: string; target: string }[];
}

export interface ValueMapRow {
  /** The map's key: the value as the source system gives it on records. */
  value: string;
  /** How people know it (code and description). */
  label: string;
  active: boolean;
  /** What the link's map says now, or null. */
  current: string | null;
  /** The current entry names a target value that is not among the targets (archived or renamed). */
  currentMissing: boolean;
  /** A proposed target and how it was found; null when there is no single candidate. */
  suggestion: { value: string; by: string } | null;
  /** Several candidates matched equally: their values (no suggestion is made then). */
  ambiguous: string[];
}
