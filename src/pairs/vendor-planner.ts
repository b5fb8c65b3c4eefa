import { VendorIndex } from '../flows/vendor-index.ts';
import type { Decision } from '../flows/types.ts';
import type { VendorPayload } from '../model/payloads.ts';
import type { Vendor } from '../model/types.ts';
import type { Planner, Planned, StepRun } from '../engine/pair.ts';
import { listLinked, type IdMapRow } from '../store/repos/id-map.ts';

/** A pure vendor mapper: what one source vendor becomes on the target, given its link, the target's vendors and those taken. */
export type VendorMapper = (
  v: Vendor,
  ctx: { linked: { targetId: string; hash: string | null } | null; index: VendorIndex; taken: ReadonlySet<string> },
) => Decision<VendorPayload>;

/**
 * Plans a vendor step on any pair: the target's vendors are matched first (name, tax number, email)
 * so no duplicate vendor is created; its vendor list is read once a run, and only when a source
 * vendor not linked yet must be matched against it (a webhook about a bill reads none). A target
 * vendor linked to one source vendor is never linked to a second.
 */
export class VendorPlanner implements Planner<Vendor, VendorPayload> {
  private readonly index = new VendorIndex();
  private indexLoaded = false;
  private indexLoading: Promise<void> | null = null;
  private taken: Set<string> | null = null;

  constructor(
    private readonly run: StepRun,
    private readonly mapper: VendorMapper,
    private readonly payloadOf: (v: Vendor) => VendorPayload,
  ) {}

  async plan(vendors: readonly Vendor[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Planned<VendorPayload>[]> {
    const taken = await this.takenIds();
    if (!this.indexLoaded && (this.indexLoading || vendors.some((v) => v.active && !mapped.has(v.id)))) await this.loadIndex();
    return vendors.map((v) => {
      const row = mapped.get(v.id);
      const linked = row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
      const d = this.mapper(v, { linked, index: this.index, taken });
      if (d.kind === 'link') taken.add(d.targetId);
      return d.kind === 'fail' ? { ...d, failedPayload: this.payloadOf(v) } : d;
    });
  }

  /** A first sync matches every vendor: the target's list is read beside the first source page. */
  warm(): void {
    this.loadIndex().catch(() => undefined);
  }

  private loadIndex(): Promise<void> {
    this.indexLoading ??= (async () => {
      for await (const page of this.run.target.vendorDirectory!.iterate()) for (const v of page) this.index.add(v);
      this.indexLoaded = true;
    })();
    return this.indexLoading;
  }

  private async takenIds(): Promise<Set<string>> {
    this.taken ??= new Set((await listLinked(this.run.ctx.db, this.run.key)).map((r) => r.target_id!));
    return this.taken;
  }

  created(_sourceId: string, targetId: string, payload: VendorPayload | null): void {
    this.taken?.add(targetId);
    if (payload) this.index.add({ id: targetId, name: payload.name, email: payload.email, taxId: payload.taxId, archived: false });
  }
}
