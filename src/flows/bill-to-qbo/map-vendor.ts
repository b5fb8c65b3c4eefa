import type { Vendor } from '../../model/types.ts';
import type { VendorPayload } from '../../model/payloads.ts';
import { contentHash, fail, skip, type Decision } from '../types.ts';
import { vendorPayload, type VendorIndex } from '../vendor-index.ts';

export interface LedgerVendorContext {
  /** The QBO vendor this BILL vendor is already linked to, with the hash of what was last sent. */
  linked: { targetId: string; hash: string | null } | null;
  /** The ledger's vendors, read once a run when some BILL vendor is not linked yet. */
  index: VendorIndex;
  /** Ledger vendor ids already linked to other BILL vendors (never two BILL vendors on one). */
  taken: ReadonlySet<string>;
}

/**
 * QBO DisplayName is unique across customers, vendors and employees and allows 500 characters
 * (Intuit API reference, Vendor: DisplayName "max 500 chars"; a clash answers 6240).
 */
const maxDisplayName = 500;

/**
 * Decides what one BILL vendor becomes in the ledger: linked to the ledger vendor that already has
 * its name, tax id or email (so a name QBO already holds is linked, never created as "Acme (1)"),
 * created, updated with its changed details, or left. An archived BILL vendor is never created and
 * a linked one is left in the ledger, where its history stays.
 */
export function planLedgerVendor(v: Vendor, ctx: LedgerVendorContext): Decision<VendorPayload> {
  const payload = vendorPayload(v);
  if (!payload.name) return fail('MLC_ERR_VALIDATION', 'the BILL vendor has no name');
  if (payload.name.length > maxDisplayName) {
    return fail('MLC_ERR_VALIDATION', `vendor name is ${payload.name.length} characters; QuickBooks Online takes at most ${maxDisplayName}`);
  }
  const hash = contentHash(payload);
  if (ctx.linked) {
    if (!v.active) return { kind: 'unchanged', targetId: ctx.linked.targetId, reason: 'vendor archived in BILL; the ledger vendor is kept for its history' };
    if (ctx.linked.hash === hash) return { kind: 'unchanged', targetId: ctx.linked.targetId, reason: 'no change' };
    return { kind: 'update', targetId: ctx.linked.targetId, payload, hash };
  }
  if (!v.active) return skip('vendor is archived in BILL');
  const found = ctx.index.find(v, ctx.taken);
  if (found) return { kind: 'link', targetId: found.entry.id, by: found.by, hash };
  return { kind: 'create', payload, hash };
}
