/**
 * What a step that is syncing in this run's graph tells the steps that depend on it: the records
 * its delta has read and not settled yet (claims). A dependent step asking for their target ids
 * (`StepRunner.ensure`) waits for each one's own write to land and be committed, instead of
 * syncing it a second time or waiting for every record of the step; demand says which of them
 * the step writes first (a bill chunk's vendors before vendors no bill of the run needs).
 */
export class StepClaims {
  private active = false;
  private readDone = false;
  private failure: unknown = null;
  private readonly open = new Map<string, Deferred>();
  /** Source id → when a dependent first asked for it: records asked for earlier are written earlier. */
  private readonly demand = new Map<string, number>();
  private changed = deferred();
  private finished = deferred();

  /** The step takes part in the run's graph: dependents now wait for it rather than sync its records themselves. */
  begin(): void {
    this.active = true;
  }

  get running(): boolean {
    return this.active;
  }

  /** Records the delta has read: dependents wait for these to settle. */
  claim(ids: readonly string[]): void {
    for (const id of ids) if (!this.open.has(id)) this.open.set(id, deferred());
    this.signal();
  }

  /** Every page of the delta has been read: a record not claimed by now is not in it. */
  doneReading(): void {
    this.readDone = true;
    this.signal();
  }

  /** The record's fate is known (its link committed, or it will not be linked this run). */
  release(id: string): void {
    const d = this.open.get(id);
    if (!d) return;
    this.open.delete(id);
    d.resolve();
  }

  /** The step ended (done, failed, or not run): everything still claimed is released. */
  end(failure?: unknown): void {
    if (failure !== undefined) this.failure = failure;
    this.active = false;
    this.readDone = true;
    for (const id of [...this.open.keys()]) this.release(id);
    this.signal();
    this.finished.resolve();
  }

  /** Lower first; records no dependent asked for come last, in the order they were read. */
  rank(id: string): number {
    return this.demand.get(id) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Dependents will need these soon: they are written before records nobody asked for. */
  want(ids: readonly string[]): void {
    for (const id of ids) if (!this.demand.has(id)) this.demand.set(id, this.demand.size);
  }

  /**
   * Waits until none of these ids is still on its way in this step's delta: each claimed one has
   * settled, and one not claimed is either linked already (`linked`) or, once the delta has been
   * read without it, waited for until the step ends (its own path then syncs it by id). Throws the
   * step's failure, since records it did not write cannot be referenced.
   */
  async settled(ids: readonly string[], unresolved: (id: string) => boolean, linked: (ids: readonly string[]) => Promise<ReadonlySet<string>>): Promise<void> {
    const wanted = [...new Set(ids)];
    this.want(wanted);
    for (;;) {
      if (this.failure !== null) throw this.failure;
      if (!this.active) return;
      const open = wanted.filter(unresolved);
      const unclaimed = open.filter((id) => !this.open.has(id));
      if (unclaimed.length > 0) {
        const known = await linked(unclaimed);
        if (unclaimed.some((id) => !known.has(id) && !this.open.has(id))) {
          await (this.readDone ? this.finished.promise : this.changed.promise);
          continue;
        }
      }
      const waits = open.flatMap((id) => {
        const d = this.open.get(id);
        return d ? [d.promise] : [];
      });
      if (waits.length === 0) return;
      await Promise.all(waits);
    }
  }

  private signal(): void {
    const d = this.changed;
    this.changed = deferred();
    d.resolve();
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
