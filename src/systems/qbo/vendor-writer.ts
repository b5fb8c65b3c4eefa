import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import type { EntityWriter, MatchFound, WriteResult } from '../../engine/ports.ts';
import { vendorMatchKey, type VendorPayload } from '../../model/payloads.ts';
import type { QboCompanyClient } from './company-client.ts';
import { isQboFault, qboFaultCodes } from './errors.ts';
import type { QboVendor } from './schema.ts';
import { itemFailure, withSyncToken } from './sync-token.ts';
import { qboDisplayName, vendorInput } from './to-wire.ts';

/**
 * The match keys a vendor is found by, in the order they are tried: its display name (case and
 * outer spaces aside), then `taxid:<tax id>`, then `email:<address>`. A bare key is a name.
 */
export function qboVendorMatchKeys(p: Pick<VendorPayload, 'name' | 'taxId' | 'email'>): string[] {
  return [vendorMatchKey(qboDisplayName(p.name)), ...(p.taxId ? [`taxid:${normalTaxId(p.taxId)}`] : []), ...(p.email ? [`email:${p.email.trim().toLowerCase()}`] : [])];
}

const normalTaxId = (t: string): string => t.replace(/[\s-]/g, '').toLowerCase();

/** The keys a QBO vendor answers to (see qboVendorMatchKeys). */
function keysOf(v: QboVendor): string[] {
  return qboVendorMatchKeys({ name: v.DisplayName, taxId: v.TaxIdentifier ?? null, email: v.PrimaryEmailAddr?.Address ?? null });
}

/**
 * Vendors written to QBO. A create first looks for the vendor already in QBO (name, then tax id,
 * then email) and links it; otherwise it creates with a `requestid` from the vendor's name, so a
 * repeat after a lost answer replays. A 6240 Duplicate Name answer (the name is taken, perhaps by
 * a vendor made since, or an inactive one) is resolved by finding that vendor and linking it, never
 * by a second name like "Acme (1)"; when a customer or employee holds the name, the vendor fails
 * with that reason. Updates are sparse, with the SyncToken; a 5010 re-reads and retries once.
 */
export class QboVendorWriter implements EntityWriter<VendorPayload> {
  /** One create at a time per item; QBO allows 10 requests in flight per realm, the limiter holds that. */
  readonly caps = { batch: 30, inFlight: 1, atomic: false };
  private index: Promise<QboVendor[]> | undefined;

  constructor(
    private readonly client: QboCompanyClient,
    private readonly homeCurrency: string,
  ) {}

  private vendors(): Promise<QboVendor[]> {
    this.index ??= this.client.queryAll('Vendor').catch((e: unknown) => {
      this.index = undefined;
      throw e;
    });
    return this.index;
  }

  /** The existing vendor for this payload: first by name, then tax id, then email. */
  async match(p: VendorPayload): Promise<QboVendor | undefined> {
    const all = await this.vendors();
    for (const key of qboVendorMatchKeys(p)) {
      const found = all.find((v) => keysOf(v).includes(key));
      if (found) return found;
    }
    return undefined;
  }

  create(payloads: readonly VendorPayload[]): Promise<WriteResult[]> {
    return mapLimit(payloads, 4, async (p): Promise<WriteResult> => {
      try {
        return { ok: true, targetId: await this.createOne(p) };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  private async createOne(p: VendorPayload): Promise<string> {
    const existing = await this.match(p);
    if (existing) return existing.Id;
    try {
      const created = await this.client.create('Vendor', vendorInput(p, this.homeCurrency), { intentKey: `vendor:${vendorMatchKey(qboDisplayName(p.name))}` });
      (await this.vendors()).push(created);
      return created.Id;
    } catch (e) {
      if (!isQboFault(e, qboFaultCodes.duplicateName)) throw e;
      const holder = await this.byDisplayName(qboDisplayName(p.name));
      if (holder) return holder.Id;
      throw new ConnectorError({
        code: 'MLC_ERR_VALIDATION',
        system: 'qbo',
        vendorCode: qboFaultCodes.duplicateName,
        message: `QuickBooks Online refused vendor '${p.name}' as a duplicate name (6240), and no vendor of that name exists: a customer or employee uses it. Rename one of them in QuickBooks, then replay.`,
        cause: e,
      });
    }
  }

  /** The vendor holding this display name, active or not (queries return only active names unless asked). */
  async byDisplayName(name: string): Promise<QboVendor | undefined> {
    for (const active of [true, false]) {
      const found = await this.client.queryAll('Vendor', [{ field: 'DisplayName', op: '=', value: name }, { field: 'Active', op: '=', value: active }]);
      if (found[0]) return found[0];
    }
    return undefined;
  }

  async update(id: string, payload: VendorPayload): Promise<void> {
    await withSyncToken(
      `Vendor ${id}`,
      () => this.client.read('Vendor', id),
      (current) => this.client.updateSparse('Vendor', { Id: id, SyncToken: current.SyncToken, sparse: true, ...vendorInput(payload, this.homeCurrency) }),
    );
    this.index = undefined;
  }

  /** Name-list entities are made inactive rather than deleted (IntuitNamesTypes.xsd Active). */
  async archive(id: string): Promise<void> {
    await withSyncToken(`Vendor ${id}`, () => this.client.read('Vendor', id), (current) => this.client.updateSparse('Vendor', { Id: id, SyncToken: current.SyncToken, sparse: true, Active: false }));
    this.index = undefined;
  }

  /** Vendors in QBO answering to these keys (qboVendorMatchKeys forms), read afresh. */
  async findByMatchKey(keys: readonly string[]): Promise<MatchFound[]> {
    this.index = undefined;
    const wanted = new Map(keys.map((k) => [k.includes(':') && /^(taxid|email):/.test(k) ? k : vendorMatchKey(k), k]));
    return (await this.vendors()).flatMap((v) => keysOf(v).flatMap((k) => (wanted.has(k) ? [{ key: wanted.get(k)!, id: v.Id }] : [])));
  }
}
