import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import type { QboCompanyClient } from './company-client.ts';
import { isQboFault, qboFaultCodes } from './errors.ts';
import type { QboItemResult, QboMatch } from './item-result.ts';
import type { QboVendor } from './schema.ts';
import { itemFailure, withSyncToken } from './sync-token.ts';
import type { QboVendorInput } from './write-shapes.ts';

/** A vendor to create: its wire shape, the keys it may already be known by (tried in order), and the intent of the create. */
export interface QboVendorCreate {
  input: QboVendorInput;
  keys: readonly string[];
  intentKey: string;
}

/**
 * Vendors written to QBO. A create first looks for the vendor already in QBO by its keys (name,
 * then tax id, then email: the caller's `keysOf`) and links it; otherwise it creates with a
 * `requestid` from its intent, so a repeat after a lost answer replays. A 6240 Duplicate Name
 * answer (the name is taken, perhaps by a vendor made since or an inactive one) is resolved by
 * finding that vendor and linking it, never by a second name like "Acme (1)"; when a customer or
 * employee holds the name, the vendor fails with that reason. Updates are sparse, with the
 * SyncToken; a 5010 re-reads and retries once.
 */
export class QboVendorWriter {
  private index: Promise<QboVendor[]> | undefined;

  constructor(
    private readonly client: QboCompanyClient,
    private readonly keysOf: (v: QboVendor) => string[],
  ) {}

  private vendors(): Promise<QboVendor[]> {
    this.index ??= this.client.queryAll('Vendor').catch((e: unknown) => {
      this.index = undefined;
      throw e;
    });
    return this.index;
  }

  /** The existing vendor known by the first of these keys that any vendor answers to. */
  async match(keys: readonly string[]): Promise<QboVendor | undefined> {
    const all = await this.vendors();
    for (const key of keys) {
      const found = all.find((v) => this.keysOf(v).includes(key));
      if (found) return found;
    }
    return undefined;
  }

  create(items: readonly QboVendorCreate[]): Promise<QboItemResult[]> {
    return mapLimit(items, 4, async (item): Promise<QboItemResult> => {
      try {
        return { ok: true, targetId: await this.createOne(item) };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  private async createOne(item: QboVendorCreate): Promise<string> {
    const existing = await this.match(item.keys);
    if (existing) return existing.Id;
    try {
      const created = await this.client.create('Vendor', item.input, { intentKey: item.intentKey });
      (await this.vendors()).push(created);
      return created.Id;
    } catch (e) {
      if (!isQboFault(e, qboFaultCodes.duplicateName)) throw e;
      const holder = await this.byDisplayName(item.input.DisplayName);
      if (holder) return holder.Id;
      throw new ConnectorError({
        code: 'MLC_ERR_VALIDATION',
        system: 'qbo',
        vendorCode: qboFaultCodes.duplicateName,
        message: `QuickBooks Online refused vendor '${item.input.DisplayName}' as a duplicate name (6240), and no vendor has that name: a customer or employee uses it. Rename one of them in QuickBooks, then replay.`,
        cause: e,
      });
    }
  }

  /** The vendor holding this display name, active or not (name-list queries return only active ones unless asked). */
  async byDisplayName(name: string): Promise<QboVendor | undefined> {
    for (const active of [true, false]) {
      const found = await this.client.queryAll('Vendor', [{ field: 'DisplayName', op: '=', value: name }, { field: 'Active', op: '=', value: active }]);
      if (found[0]) return found[0];
    }
    return undefined;
  }

  async update(id: string, input: QboVendorInput): Promise<void> {
    await withSyncToken(`Vendor ${id}`, () => this.client.read('Vendor', id), (current) =>
      this.client.updateSparse('Vendor', { ...input, Id: id, SyncToken: current.SyncToken, sparse: true }),
    );
    this.index = undefined;
  }

  /** Name-list entities are made inactive rather than deleted (IntuitNamesTypes.xsd Active). */
  async archive(id: string): Promise<void> {
    await withSyncToken(`Vendor ${id}`, () => this.client.read('Vendor', id), (current) =>
      this.client.updateSparse('Vendor', { Id: id, SyncToken: current.SyncToken, sparse: true, Active: false }),
    );
    this.index = undefined;
  }

  /** Vendors in QBO answering to these keys, read afresh. */
  async findByMatchKey(keys: readonly string[]): Promise<QboMatch[]> {
    this.index = undefined;
    const wanted = new Set(keys);
    return (await this.vendors()).flatMap((v) => this.keysOf(v).filter((k) => wanted.has(k)).map((key) => ({ key, id: v.Id })));
  }
}
