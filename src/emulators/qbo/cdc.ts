import { qboTime, validation } from './errors.ts';
import type { Call } from './pipeline.ts';
import { isEntity, type EntityName, type QboRecord } from './store.ts';

/**
 * ChangeDataCapture (B4, B8.6): every object of the listed entities changed at or after
 * `changedSince`, at most 30 days back and at most 1,000 objects in all (the oldest changes first;
 * which ones QBO keeps past 1,000 is UNVERIFIED). Deleted objects appear as
 * `{"domain":"QBO","status":"Deleted","Id","MetaData"}`.
 */

const MAX_DAYS = 30;
const MAX_OBJECTS = 1000;

export function cdc(call: Call, query: Record<string, string | undefined>): Record<string, unknown> {
  const names = (query.entities ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw validation('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter entities is missing in the request', 'entities');
  const unknown = names.find((n) => !isEntity(n));
  if (unknown) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:entities has an unsupported entity: ${unknown}`, 'entities');
  const since = Date.parse(query.changedSince ?? '');
  if (!Number.isFinite(since)) throw validation('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter changedSince is missing or not an ISO-8601 date-time', 'changedSince');
  // The refusal's exact wording is UNVERIFIED (B8.6).
  if (since < call.now - MAX_DAYS * 86_400_000) throw validation('2010', 'Request has invalid or unsupported property', 'changedSince may be at most 30 days in the past.', 'changedSince');

  const changes: { entity: EntityName; at: number; object: QboRecord | Record<string, unknown> }[] = [];
  for (const name of names as EntityName[]) {
    for (const stored of call.realm.table(name).values()) if (stored.updatedAt >= since) changes.push({ entity: name, at: stored.updatedAt, object: stored.data });
    for (const d of call.realm.deletions) {
      if (d.entity === name && d.at >= since) changes.push({ entity: name, at: d.at, object: { domain: 'QBO', status: 'Deleted', Id: d.id, MetaData: { LastUpdatedTime: qboTime(d.at) } } });
    }
  }
  changes.sort((a, b) => a.at - b.at);
  const kept = changes.slice(0, MAX_OBJECTS);
  const responses = names.map((name) => {
    const objects = kept.filter((c) => c.entity === name).map((c) => c.object);
    return objects.length ? { [name]: objects, startPosition: 1, maxResults: objects.length } : {};
  });
  return { CDCResponse: [{ QueryResponse: responses }] };
}
