import { planVendor, VendorIndex, vendorPayload } from '../../flows/erp-to-bill/map-vendor.ts';
import type { VendorPayload } from '../../model/payloads.ts';
import type { Vendor } from '../../model/types.ts';
import type { Planner, Planned, StepDefinition, StepRun } from '../../engine/pair.ts';
import { listLinked, type IdMapRow } from '../../store/repos/id-map.ts';

/**
 * ERP suppliers (vendors) become BILL vendors. Existing BILL vendors are matched first (name, tax number,
 * email) so no duplicate vendor is created; BILL's vendor list is read once a run, and only when a
 * supplier not linked yet must be matched against it (a webhook about a bill reads none).
 */
class VendorPlanner implements Planner<Vendor, VendorPayload> {
  private readonly index = new VendorIndex();
  private indexLoaded = false;
  /** BILL vendors some supplier is linked to: never linked to a second one. */
  private taken: Set<string> | null = null;

  constructor(private readonly run: StepRun) {}

  async plan(vendors: readonly Vendor[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Planned<VendorPayload>[]> {
    const taken = await this.takenIds();
    if (!this.indexLoaded && vendors.some((v) => v.active && !mapped.has(v.id))) {
      for await (const page of this.run.target.vendorDirectory!.iterate()) for (const v of page) this.index.add(v);
      this.indexLoaded = true;
    }
    return vendors.map((v) => {
      const row = mapped.get(v.id);
      const linked = row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
      const d = planVendor(v, { linked, index: this.index, taken });
      if (d.kind === 'link') taken.add(d.targetId);
      return d.kind === 'fail' ? { ...d, failedPayload: vendorPayload(v) } : d;
    });
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

export const vendorStep: StepDefinition<Vendor, VendorPayload> = {
  entity: 'vendor',
  from: 'erp',
  to: 'bill',
  targetEntity: 'vendor',
  stream: 'erp.suppliers',
  dependsOn: [],
  label: (v) => v.name,
  // BILL finds a vendor again by its name (case and outer spaces aside).
  matchKey: (p) => p.name,
  planner: (run) => new VendorPlanner(run),
  texts: { createReason: () => 'no matching BILL vendor', updateReason: 'supplier details changed' },
};
