import type { ErrorCode } from '../../core/errors.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField, UnreadableRecord } from '../unreadable.ts';
import type { QboCompanyClient } from './company-client.ts';
import type { QboEntity, QboEntityName } from './schema.ts';

/** CDC looks back at most 30 days and answers at most 1000 objects (Intuit change-data-capture docs); a day's margin. */
const cdcWindowMs = 29 * 24 * 3600_000;
const cdcMaxObjects = 1000;

/** A record read that could not be decoded or converted (the engine records it as failed on its own). */
export interface QboInvalidRecord {
  id: string | null;
  label: string;
  reason: string;
  code: ErrorCode;
}

export interface QboReadResult<T> {
  items: T[];
  invalid: QboInvalidRecord[];
}

export interface QboDeltaPage<T> extends QboReadResult<T> {
  cursor: string | null;
}

/** What port.ts offers the engine as an entity reader (structurally engine/ports.ts EntityReader). */
export interface QboReader<T> {
  iterate(since: string | null): AsyncIterable<QboDeltaPage<T>>;
  get(ids: readonly string[]): Promise<QboReadResult<T>>;
}

type Stamped = { Id: string; MetaData?: { LastUpdatedTime?: string | undefined } | undefined };

/**
 * A delta reader over one QBO entity: since a checkpoint younger than 29 days it asks CDC (one
 * call); older, absent, or when CDC hit its 1000-object cap, it pages a query on
 * MetaData.LastUpdatedTime. The checkpoint is the newest LastUpdatedTime read. Records that do not
 * decode are returned as invalid with their Id.
 */
export function qboReader<N extends QboEntityName, T>(
  client: QboCompanyClient,
  entity: N,
  toModel: (record: QboEntity<N>) => T,
  label: (raw: unknown) => string,
  now: () => number = Date.now,
): QboReader<T> {
  const invalidOf = (items: readonly UndecodedItem[]): QboInvalidRecord[] =>
    items.map((i) => ({ id: textField(i, 'Id'), label: label(i.raw), reason: i.reason, code: 'MLC_ERR_BAD_RESPONSE' }));
  const newest = (records: readonly Stamped[], since: string | null): string | null =>
    records.reduce<string | null>((max, r) => {
      const t = r.MetaData?.LastUpdatedTime;
      return t && (!max || Date.parse(t) > Date.parse(max)) ? t : max;
    }, since);

  /** A record that decoded but cannot become the model (an amount with too many decimals) fails alone. */
  const convert = (records: readonly QboEntity<N>[], undecoded: readonly UndecodedItem[]): QboReadResult<T> => {
    const out: QboReadResult<T> = { items: [], invalid: invalidOf(undecoded) };
    for (const r of records) {
      try {
        out.items.push(toModel(r));
      } catch (e) {
        out.invalid.push({ id: (r as Stamped).Id, label: label(r), reason: e instanceof Error ? e.message : String(e), code: e instanceof UnreadableRecord ? e.code : 'MLC_ERR_BAD_RESPONSE' });
      }
    }
    return out;
  };

  async function* iterate(since: string | null): AsyncIterable<QboDeltaPage<T>> {
    if (since && now() - Date.parse(since) < cdcWindowMs) {
      const changed = (await client.cdc([entity], new Date(since)))[entity];
      if (changed.records.length + changed.invalid.length + changed.deleted.length < cdcMaxObjects) {
        const records = changed.records as QboEntity<N>[];
        yield { ...convert(records, changed.invalid), cursor: newest(records as Stamped[], since) };
        return;
      }
    }
    let cursor = since;
    const where = since ? [{ field: 'MetaData.LastUpdatedTime', op: '>=' as const, value: since }] : [];
    for await (const page of client.query(entity, where, { orderBy: 'MetaData.LastUpdatedTime' })) {
      const records = page.records as QboEntity<N>[];
      cursor = newest(records as Stamped[], cursor);
      yield { ...convert(records, page.invalid), cursor };
    }
  }

  async function get(ids: readonly string[]): Promise<QboReadResult<T>> {
    const out: QboReadResult<T> = { items: [], invalid: [] };
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      for await (const page of client.query(entity, [{ field: 'Id', op: 'IN', values: chunk }])) {
        const read = convert(page.records as QboEntity<N>[], page.invalid);
        out.items.push(...read.items);
        out.invalid.push(...read.invalid);
      }
    }
    return out;
  }

  return { iterate, get };
}
