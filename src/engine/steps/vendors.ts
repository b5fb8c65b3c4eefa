import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import type { Vendor } from '../../model/types.ts';
import { planVendor, VendorIndex, vendorPayload, type VendorPayload } from '../../flows/xero-to-bill/map-vendor.ts';
import { getCursor } from '../../store/repos/cursors.ts';
import { dropIntents, getMappings, listLinked, recordIntents, recordLinks, updateHash, type IntentRow } from '../../store/repos/id-map.ts';
import type { RunContext } from '../context.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { sendInChunks } from '../bulk.ts';
import { recordWaiting, settleIntents } from '../intents.ts';
import { commitPage } from '../commit.ts';
import { entities, streams } from '../link.ts';
import { isFatal, recordFailure, recordInvalid, recordNonWrite } from './failures.ts';

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

  /**
   * Creates left in doubt (a crash, or an answer lost in an earlier run) are settled against BILL
   * (intents.ts): the vendor BILL has under that name is adopted; the suppliers released are read
   * from the ERP again and processed, so exactly one BILL vendor results.
   */
  private async resolveIntents(): Promise<void> {
    if (this.ctx.dryRun) return;
    const settled = await settleIntents(this.ctx, this.key(), (intents) => this.search(intents));
    for (const { intent, targetId } of settled.adopted) this.adopt(intent.source_id, targetId);
    if (settled.released.length > 0) await this.syncIds(settled.released.map((i) => i.source_id));
  }

  private adopt(supplierId: string, vendorId: string): void {
    this.taken.add(vendorId);
    this.resolved.set(supplierId, vendorId);
  }

  /** BILL vendors under the intents' names that no other supplier is linked to, one per intent. */
  private async search(intents: readonly IntentRow[]): Promise<Map<string, string>> {
    const nameOf = (i: IntentRow) => (i.match_key ?? '').trim().toLowerCase();
    const found = await this.ctx.hub.findVendorsByName(intents.map((i) => i.match_key ?? ''));
    const byName = new Map<string, string[]>();
    for (const f of found) {
      if (this.taken.has(f.id)) continue;
      const k = f.name.trim().toLowerCase();
      byName.set(k, [...(byName.get(k) ?? []), f.id]);
    }
    const out = new Map<string, string>();
    for (const i of intents) {
      const id = byName.get(nameOf(i))?.shift();
      if (id) out.set(i.source_id, id);
    }
    return out;
  }

  /** Suppliers changed since the checkpoint. */
  async syncChanged(): Promise<void> {
    const since = await getCursor(this.ctx.db, this.ctx.link.name, streams.erpSuppliers);
    let done = 0;
    for await (const page of this.ctx.erp.iterateSuppliers(since)) {
      recordInvalid(this.ctx, entities.vendor, page.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
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
        recordInvalid(this.ctx, entities.vendor, vendors.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
        await this.process(vendors.items);
        await commitPage(this.ctx, 'vendors', null);
        for (const id of missing) if (!this.resolved.has(id)) this.resolved.set(id, null);
      }
    }
    return new Map(vendorIds.map((id) => [id, this.resolved.get(id) ?? null]));
  }

  /** Re-runs the given ERP suppliers regardless of cursors (replay). */
  async syncIds(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 50) {
      const vendors = await this.ctx.erp.getVendors(ids.slice(i, i + 50));
      recordInvalid(this.ctx, entities.vendor, vendors.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
      await this.process(vendors.items);
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
    if (vendors.some((v) => v.active && !mapped.has(v.id))) await this.loadIndex();

    for (const v of vendors) {
      const row = mapped.get(v.id);
      if (row?.state === 'intent') {
        // Its create is in doubt: it waits for the intent to settle and is never sent twice.
        this.resolved.set(v.id, null);
        recordWaiting(ctx, this.key(), v.id, v.name);
        continue;
      }
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
    // Every chunk settles before anything is searched for or dropped (bulk.ts).
    const { outcomes, fatal } = await sendInChunks(creates, ctx.hub.caps.bulkVendors, 3, (chunk) => ctx.hub.createVendors(chunk.map((c) => c.payload)));
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    const notWritten: string[] = [];
    const inDoubt: typeof creates = [];
    outcomes.forEach((o, i) => {
      const c = creates[i]!;
      const entry = { entity: entities.vendor, sourceId: c.vendor.id, label: c.vendor.name };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: c.vendor.updatedAt };
      switch (o.kind) {
        case 'written':
          links.push({ sourceId: c.vendor.id, targetId: o.value, hash: c.hash, sourceVersion: c.vendor.updatedAt });
          this.adopt(c.vendor.id, o.value);
          this.index.add({ id: o.value, name: c.payload.name, email: c.payload.email, taxId: c.payload.taxId, archived: false });
          ctx.outcome({ ...entry, action: 'create', reason: 'no matching BILL vendor' }, { ...base, targetId: o.value, step: 'created', outcome: 'ok', payload: c.payload, response: { id: o.value } },
            { sourceSystem: ctx.erp.system, status: 'synced', reason: 'created in BILL', errorCode: null, errorMessage: null, targetId: o.value });
          break;
        case 'refused':
          notWritten.push(c.vendor.id);
          this.resolved.set(c.vendor.id, null);
          recordFailure(ctx, entry, { ...base, targetId: null }, o.error.code, o.error.message, c.payload, o.error.vendorBody);
          break;
        case 'unknown':
          inDoubt.push(c);
          break;
        case 'unsent':
          // The run ends on `fatal` before this page commits, so the supplier is read again next run.
          notWritten.push(c.vendor.id);
      }
    });
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), links);
      await dropIntents(tx, this.key(), notWritten);
    });
    if (fatal) throw fatal;
    if (inDoubt.length === 0) return;
    ctx.log.warn({ link: ctx.link.name, count: inDoubt.length }, 'answers to vendor creates lost; searching BILL once every create has settled');
    const settled = await settleIntents(ctx, this.key(), (intents) => this.search(intents), {
      only: inDoubt.map((c) => c.vendor.id), inDoubt: true, labels: new Map(inDoubt.map((c) => [c.vendor.id, c.vendor.name])),
    });
    for (const { intent, targetId } of settled.adopted) this.adopt(intent.source_id, targetId);
    for (const intent of settled.waiting) this.resolved.set(intent.source_id, null);
    const released = new Set(settled.released.map((i) => i.source_id));
    if (released.size === 0) return;
    if (attempt >= 3) {
      throw new ConnectorError({ code: 'MLC_ERR_NETWORK', message: 'BILL keeps losing the answers to vendor creates; the next run resumes from the saved state' });
    }
    await this.create(inDoubt.filter((c) => released.has(c.vendor.id)), attempt + 1);
  }
}
