import type { ChangeEvent, Tenant } from './tenant.ts';

/** What every write rule gets: the tenant, the time, and the list its change events go to. */
export interface WriteCtx {
  tenant: Tenant;
  now: number;
  /** Today's date in the organisation (UTC here; documented). */
  today: string;
  unitdp4: boolean;
  events: ChangeEvent[];
}

export type WriteResult<T> = { ok: true; record: T } | { ok: false; messages: string[] };

export const fail = <T>(messages: string[]): WriteResult<T> => ({ ok: false, messages });
export const done = <T>(record: T): WriteResult<T> => ({ ok: true, record });

export function emit(w: WriteCtx, category: ChangeEvent['category'], type: ChangeEvent['type'], resourceId: string): void {
  w.events.push({ tenantId: w.tenant.tenantId, category, type, resourceId, at: w.now });
}

export type In = Record<string, unknown>;

export const isObj = (v: unknown): v is In => typeof v === 'object' && v !== null && !Array.isArray(v);

export const has = (o: In, k: string): boolean => o[k] !== undefined && o[k] !== null;

export const str = (o: In, k: string): string | undefined => (has(o, k) ? String(o[k]) : undefined);
