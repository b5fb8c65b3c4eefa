import type { Vendor } from '../../model/types.ts';
import { contentHash, fail, skip, type Decision } from '../types.ts';
import { vendorPayload, type VendorIndex } from '../vendor-index.ts';
import type { VendorPayload } from '../../model/payloads.ts';

export { VendorIndex, vendorPayload } from '../vendor-index.ts';

export type { VendorIndexEntry, VendorPayload } from '../../model/payloads.ts';

/** BILL limits vendor names to 1–100 characters (createvendor reference). */
const maxVendorName = 100;

export interface VendorContext {
  /** The BILL vendor this contact is already linked to, with the hash of what was last sent. */
  linked: { targetId: string; hash: string | null } | null;
  index: VendorIndex;
  /** BILL vendor ids already linked to other contacts (never link two contacts to one vendor). */
  taken: ReadonlySet<string>;
}

/**
 * Decides what to do with one ERP supplier: create it in BILL, link it to an existing BILL vendor
 * (so no duplicate is made), push changed details, or leave it.
 */
export function planVendor(v: Vendor, ctx: VendorContext): Decision<VendorPayload> {
  const payload = vendorPayload(v);
  if (!payload.name) return fail('MLC_ERR_VALIDATION', 'the supplier has no name');
  if (payload.name.length > maxVendorName) {
    return fail('MLC_ERR_VALIDATION', `supplier name is ${payload.name.length} characters; BILL accepts at most ${maxVendorName}`);
  }
  const hash = contentHash(payload);
  if (ctx.linked) {
    if (!v.active) return { kind: 'unchanged', targetId: ctx.linked.targetId, reason: 'supplier archived in the ERP; BILL vendor kept for its payment history' };
    if (ctx.linked.hash === hash) return { kind: 'unchanged', targetId: ctx.linked.targetId, reason: 'no change' };
    return { kind: 'update', targetId: ctx.linked.targetId, payload, hash };
  }
  if (!v.active) return skip('supplier is archived in the ERP');
  const found = ctx.index.find(v, ctx.taken);
  if (found) return { kind: 'link', targetId: found.entry.id, by: found.by, hash };
  return { kind: 'create', payload, hash };
}
