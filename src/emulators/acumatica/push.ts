/**
 * Push notifications to a webhook destination (SM302000) [AIR:IntegrationDev_PushNotifications_Format.md]
 * [AIR:IntegrationDev_PushNotifications_Destinations.md]: on every save of a watched record, a POST of
 * `{Inserted, Deleted, Query, CompanyId, Id, TimeStamp, AdditionalInfo}` — an update is the new row in
 * Inserted and the old one in Deleted — with the one configured static header (no signature exists);
 * any non-2xx answer is retried, at most 5 attempts in all. Drops, duplicates and out-of-order delivery
 * come from the kit's webhook faults. Rows are flat, as a generic inquiry's are.
 */
import type { EmulatorContext } from '../kit/base.ts';
import type { DeliveryRecord } from '../kit/webhook-sender.ts';
import type { EntityRecord, Tenant } from './model.ts';
import type { AcumaticaState } from './state.ts';

/** The built-in inquiry each watched entity's notifications name as their Query (choice). */
export const pushQueries: Record<string, string> = { Bill: 'AP-Bills', Check: 'AP-Payments', Vendor: 'AP-Vendors' };

const rowFields: Record<string, string[]> = {
  Bill: ['Type', 'ReferenceNbr', 'Status', 'Vendor', 'VendorRef', 'Amount', 'Balance', 'LastModifiedDateTime'],
  Check: ['Type', 'ReferenceNbr', 'Status', 'Vendor', 'PaymentAmount', 'PaymentRef', 'LastModifiedDateTime'],
  Vendor: ['VendorID', 'VendorName', 'Status', 'LastModifiedDateTime'],
};

export type PushRow = Record<string, unknown>;

export function pushRow(entity: string, rec: EntityRecord): PushRow {
  const row: PushRow = { NoteID: rec.id };
  for (const f of rowFields[entity] ?? []) row[f] = rec.fields[f] ?? null;
  return row;
}

/** .NET ticks (100 ns since 0001-01-01), written as an exact integer. */
const ticks = (ms: number): string => ((BigInt(ms) + 62_135_596_800_000n) * 10_000n).toString();

/** Retry waits after the first attempt: 4 more attempts (choice: Acumatica documents the count, not the spacing). */
export const pushRetryDelaysMs = [1_000, 2_000, 4_000, 8_000] as const;

export class Push {
  readonly sent: { tenant: string; id: string; query: string; record: DeliveryRecord }[] = [];

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly state: AcumaticaState,
  ) {}

  /** Sends a notification of a saved record; `before` is its row before the save (absent on insert). */
  notify(tenant: Tenant, entity: string, before: PushRow | undefined, after: EntityRecord | undefined): void {
    const sub = tenant.push;
    const query = pushQueries[entity];
    if (!sub || !query) return;
    const id = this.state.newId();
    const payload = {
      Inserted: after ? [pushRow(entity, after)] : [],
      Deleted: before ? [before] : [],
      Query: query,
      CompanyId: tenant.name,
      Id: id,
      TimeStamp: '__TICKS__',
      AdditionalInfo: {},
    };
    const body = JSON.stringify(payload).replace('"__TICKS__"', ticks(this.state.now()));
    const headers: Record<string, string> = sub.headerName && sub.headerValue ? { [sub.headerName]: sub.headerValue } : {};
    const record = this.ctx.webhooks.send({
      id,
      url: sub.url,
      body,
      headers,
      retryDelaysMs: pushRetryDelaysMs,
      timeoutMs: 10_000,
      isSuccess: (status) => status >= 200 && status < 300,
    });
    this.sent.push({ tenant: tenant.name, id, query, record });
    if (this.sent.length > 5000) this.sent.splice(0, this.sent.length - 5000);
  }
}
