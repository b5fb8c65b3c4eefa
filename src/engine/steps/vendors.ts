import { asConnectorError } from '../../core/errors.ts';
import type { Vendor } from '../../model/types.ts';
import { planVendor, VendorIndex, vendorPayload, type VendorPayload } from '../../flows/xero-to-bill/map-vendor.ts';
import { getCursor } from '../../store/repos/cursors.ts';
import { dropIntents, getMappings, listIntents, listLinked, recordIntents, recordLinks, updateHash } from '../../store/repos/id-map.ts';
import type { RunContext } from '../context.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { bulkWithIsolation } from '../bulk.ts';
import { commitPage } from '../commit.ts';
import { entities, streams } from '../link.ts';
import { isFatal, recordFailure, recordNonWrite } from './failures.ts';

/** A dry run's stand-in for the BILL id of a vendor it would create. */
const plannedVendorId = (supplierId: string) => `new-vendor:${supplierId}`;
export const isPlannedVendorId = (id: string) => id.startsWith('new-vendor:');

/**
 * ERP suppliers become BILL vendors. Existing BILL vendors are matched first (name, tax number,
 * email) so no duplicate vendor is created; a create is recorded as an intent before it is sent.
 */
export class VendorSync {
  private index = new VendorIndex();
  private indexLoaded = false;
  private taken = new Set<string>();
  /** ERP supplier id → BILL vendor id (null when the vendor failed this run). */
  private resolved = new Map<string, string | null>();

  constructor(private readonly ctx: RunContext) {}

  private key() {
    return { link: this.ctx.link.name, entity: entities.vendor, source_system: this.ctx.erp.system, target_system: 'bill' };
  }

  async load(): Promise<void> {
    for (const row of await listLinked(this.ctx.db, this.key())) this.taken.add(row.target_id!);
    await this.resolveIntents();
  }

  /**
   * BILL's vendors are listed, once a run, only when a supplier not linked yet must be matched
   * against them: a run that meets only linked suppliers (a webhook about a bill, say) reads none.
   */
  private async loadIndex(): Promise<void> {
    if (this.indexLoaded) return;
    for await (const page of this.ctx.hub.iterateVendors()) for (const v of page) this.index.add(v);
    this.indexLoaded = true;
  }

  /** Creates left outstanding by a crash: adopt the vendor BILL has under that name, else forget the intent. */
  private async resolveIntents(): Promise<void> {
    const intents = await listIntents(this.ctx.db, this.key());
    if (intents.length === 0 || this.ctx.dryRun) return;
    const found = await this.ctx.hub.findVendorsByName(intents.map((i) => i.match_key ?? ''));
    const byName = new Map(found.filter((f) => !this.taken.has(f.id)).map((f) => [f.name.trim().toLowerCase(), f]));
    const adopted: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    const dropped: string[] = [];
    for (const i of intents) {
      const hit = byName.get((i.match_key ?? '').trim().toLowerCase());
      if (hit) {
        adopted.push({ sourceId: i.source_id, targetId: hit.id, hash: i.content_hash, sourceVersion: i.source_version });
        this.taken.add(hit.id);
        byName.delete((i.match_key ?? '').trim().toLowerCase());
      } else dropped.push(i.source_id);
    }
    await this.ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), adopted);
      await dropIntents(tx, this.key(), dropped);
    });
    this.ctx.count('vendor.recovered', adopted.length);
  }

  /** Suppliers changed since the checkpoint. */
  async syncChanged(): Promise<void> {
    const since = await getCursor(this.ctx.db, this.ctx.link.name, streams.erpSuppliers);
    let done = 0;
    for await (const page of this.ctx.erp.iterateSuppliers(since)) {
      await this.process(page.items);
      await commitPage(this.ctx, 'vendors', { stream: streams.erpSuppliers, value: page.cursor });
      done += page.items.length;
      this.ctx.progress('vendors', done);
    }
  }

  /** BILL vendor ids for these ERP suppliers, syncing the ones not yet on BILL (reads them from the ERP). */
  async ensure(vendorIds: readonly string[]): Promise<Map<string, string | null>> {
    const unknown = [...new Set(vendorIds)].filter((id) => !this.resolved.has(id));
    if (unknown.length > 0) {
      const mapped = await getMappings(this.ctx.db, this.key(), unknown);
      for (const [id, row] of mapped) if (row.state === 'linked') this.resolved.set(id, row.target_id);
      const missing = unknown.filter((id) => !this.resolved.has(id));
      if (missing.length > 0) {
        const vendors = await this.ctx.erp.getVendors(missing);
        await this.process(vendors);
        await commitPage(this.ctx, 'vendors', null);
        for (const id of missing) if (!this.resolved.has(id)) this.resolved.set(id, null);
      }
    }
    return new Map(vendorIds.map((id) => [id, this.resolved.get(id) ?? null]));
  }

  /** Re-runs the given ERP suppliers regardless of cursors (replay). */
  async syncIds(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 50) {
      await this.process(await this.ctx.erp.getVendors(ids.slice(i, i + 50)));
      await commitPage(this.ctx, 'vendors', null);
    }
  }

  private async process(vendors: readonly Vendor[]): Promise<void> {
    if (vendors.length === 0) return;
    const ctx = this.ctx;
    const mapped = await getMappings(ctx.db, this.key(), vendors.map((v) => v.id));
    const creates: { vendor: Vendor; payload: VendorPayload; hash: string }[] = [];
    const updates: { vendor: Vendor; targetId: string; payload: VendorPayload; hash: string }[] = [];
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    if (vendors.some((v) => v.active && mapped.get(v.id)?.state !== 'linked')) await this.loadIndex();

    for (const v of vendors) {
      const row = mapped.get(v.id);
      const linked = row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
      const d = planVendor(v, { linked, index: this.index, taken: this.taken });
      const entry = { entity: entities.vendor, sourceId: v.id, label: v.name };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: v.updatedAt };
      switch (d.kind) {
        case 'create':
          creates.push({ vendor: v, payload: d.payload, hash: d.hash });
          break;
        case 'update':
          updates.push({ vendor: v, targetId: d.targetId, payload: d.payload, hash: d.hash });
          break;
        case 'link':
          this.taken.add(d.targetId);
          this.resolved.set(v.id, d.targetId);
          links.push({ sourceId: v.id, targetId: d.targetId, hash: d.hash, sourceVersion: v.updatedAt });
          ctx.outcome({ ...entry, action: 'link', reason: `existing BILL vendor matched by ${d.by}` },
            { ...base, targetId: d.targetId, step: 'linked', outcome: 'ok', message: `matched by ${d.by}` },
            { sourceSystem: ctx.erp.system, status: 'synced', reason: `linked to existing BILL vendor (${d.by})`, errorCode: null, errorMessage: null, targetId: d.targetId });
          break;
        default:
          if (d.kind === 'unchanged') this.resolved.set(v.id, d.targetId);
          if (d.kind === 'fail') this.resolved.set(v.id, null);
          recordNonWrite(ctx, entry, base, d, { failedPayload: vendorPayload(v) });
      }
    }

    if (links.length > 0 && !ctx.dryRun) await recordLinks(ctx.db, this.key(), links);
    await this.create(creates);
    await mapLimit(updates, 3, async (u) => {
      const entry = { entity: entities.vendor, sourceId: u.vendor.id, label: u.vendor.name };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: u.vendor.updatedAt };
      this.resolved.set(u.vendor.id, u.targetId);
      if (ctx.dryRun) return ctx.outcome({ ...entry, action: 'update', reason: 'supplier details changed' }, null, null);
      try {
        await ctx.hub.updateVendor(u.targetId, u.payload);
        await updateHash(ctx.db, this.key(), u.vendor.id, u.hash, u.vendor.updatedAt);
        ctx.outcome({ ...entry, action: 'update', reason: 'supplier details changed' }, { ...base, targetId: u.targetId, step: 'updated', outcome: 'ok', payload: u.payload },
          { sourceSystem: ctx.erp.system, status: 'synced', reason: 'updated', errorCode: null, errorMessage: null, targetId: u.targetId });
      } catch (e) {
        const error = asConnectorError(e);
        if (isFatal(error)) throw error;
        recordFailure(ctx, entry, { ...base, targetId: u.targetId }, error.code, error.message, u.payload);
      }
    });
  }

  private async create(creates: { vendor: Vendor; payload: VendorPayload; hash: string }[], attempt = 1): Promise<void> {
    const ctx = this.ctx;
    if (creates.length === 0) return;
    if (ctx.dryRun) {
      for (const c of creates) {
        this.resolved.set(c.vendor.id, plannedVendorId(c.vendor.id));
        ctx.outcome({ entity: entities.vendor, sourceId: c.vendor.id, label: c.vendor.name, action: 'create', reason: 'no matching BILL vendor' }, null, null);
      }
      return;
    }
    await recordIntents(ctx.db, this.key(), creates.map((c) => ({ sourceId: c.vendor.id, matchKey: c.payload.name, sourceVersion: c.vendor.updatedAt, hash: c.hash })));
    let results;
    try {
      results = await bulkWithIsolation(creates, ctx.hub.caps.bulkVendors, 3, (chunk) => ctx.hub.createVendors(chunk.map((c) => c.payload)));
    } catch (e) {
      const error = asConnectorError(e);
      if (isFatal(error) || error.kind !== 'retryable') throw error;
      // The answer was lost: whatever BILL created is adopted by name, the rest is created again.
      await this.resolveIntents();
      const still = await getMappings(ctx.db, this.key(), creates.map((c) => c.vendor.id));
      const retry = creates.filter((c) => still.get(c.vendor.id)?.state !== 'linked');
      for (const c of creates) if (still.get(c.vendor.id)?.state === 'linked') this.resolved.set(c.vendor.id, still.get(c.vendor.id)!.target_id);
      if (attempt >= 3) throw error;
      return this.create(retry, attempt + 1);
    }
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    const failed: string[] = [];
    results.forEach((r, i) => {
      const c = creates[i]!;
      const entry = { entity: entities.vendor, sourceId: c.vendor.id, label: c.vendor.name };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: c.vendor.updatedAt };
      if (r.ok) {
        links.push({ sourceId: c.vendor.id, targetId: r.value, hash: c.hash, sourceVersion: c.vendor.updatedAt });
        this.taken.add(r.value);
        this.resolved.set(c.vendor.id, r.value);
        this.index.add({ id: r.value, name: c.payload.name, email: c.payload.email, taxId: c.payload.taxId, archived: false });
        ctx.outcome({ ...entry, action: 'create', reason: 'no matching BILL vendor' }, { ...base, targetId: r.value, step: 'created', outcome: 'ok', payload: c.payload, response: { id: r.value } },
          { sourceSystem: ctx.erp.system, status: 'synced', reason: 'created in BILL', errorCode: null, errorMessage: null, targetId: r.value });
      } else {
        failed.push(c.vendor.id);
        this.resolved.set(c.vendor.id, null);
        recordFailure(ctx, entry, { ...base, targetId: null }, r.error.code, r.error.message, c.payload, r.error.vendorBody);
      }
    });
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), links);
      await dropIntents(tx, this.key(), failed);
    });
  }
}
