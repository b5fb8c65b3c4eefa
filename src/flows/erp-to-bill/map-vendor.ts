import type { PostalAddress, Vendor } from '../../model/types.ts';
import { contentHash, fail, nameKey, skip, type Decision } from '../types.ts';
import type { VendorIndexEntry, VendorPayload } from '../../model/payloads.ts';

export type { VendorIndexEntry, VendorPayload } from '../../model/payloads.ts';

export class VendorIndex {
  private byName = new Map<string, VendorIndexEntry[]>();
  private byTax = new Map<string, VendorIndexEntry[]>();
  private byEmail = new Map<string, VendorIndexEntry[]>();

  constructor(entries: Iterable<VendorIndexEntry> = []) {
    for (const e of entries) this.add(e);
  }

  add(e: VendorIndexEntry): void {
    if (e.archived) return;
    push(this.byName, nameKey(e.name), e);
    if (e.taxId) push(this.byTax, taxKey(e.taxId), e);
    if (e.email) push(this.byEmail, e.email.trim().toLowerCase(), e);
  }

  /** Exact name first, then tax number, then email: the order the product promises. */
  find(v: Vendor, exclude: ReadonlySet<string>): { entry: VendorIndexEntry; by: 'name' | 'taxId' | 'email' } | null {
    const candidates: [('name' | 'taxId' | 'email'), VendorIndexEntry[] | undefined][] = [
      ['name', this.byName.get(nameKey(v.name))],
      ['taxId', v.taxId ? this.byTax.get(taxKey(v.taxId)) : undefined],
      ['email', v.email ? this.byEmail.get(v.email.trim().toLowerCase()) : undefined],
    ];
    for (const [by, list] of candidates) {
      const entry = list?.find((e) => !exclude.has(e.id));
      if (entry) return { entry, by };
    }
    return null;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const taxKey = (t: string): string => t.replace(/[^0-9A-Za-z]/g, '').toUpperCase();

/** BILL limits vendor names to 1–100 characters (createvendor reference). */
const maxVendorName = 100;

export function vendorPayload(v: Vendor): VendorPayload {
  return {
    name: v.name.trim(),
    email: v.email?.trim() || null,
    phone: v.phone?.trim() || null,
    taxId: v.taxId?.trim() || null,
    address: v.address,
    currency: v.currency,
  };
}

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
