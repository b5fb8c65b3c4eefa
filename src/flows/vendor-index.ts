import type { Vendor } from '../model/types.ts';
import type { VendorIndexEntry, VendorPayload } from '../model/payloads.ts';
import { nameKey } from './types.ts';

/**
 * The vendors already on a target, indexed the way every pair matches a source vendor before it
 * creates one: exact name, then tax number, then email. Archived vendors never match.
 */
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


/** The vendor fields kept aligned on any target, trimmed, empty values as null. */
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
