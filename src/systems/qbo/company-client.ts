import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { decodeItems, decodeWire, type UndecodedItem } from '../../http/decode.ts';
import type { Authorizer, HttpMethod, Transport, TransportRequest } from '../../http/transport.ts';
import { batchItemError } from './errors.ts';
import { faultFromObject } from './fault.ts';
import { buildQboQuery, type QboCondition } from './query.ts';
import { qboRequestId } from './request-id.ts';
import { batchResponseSchema, cdcResponseSchema, deletedEntitySchema, qboEntitySchemas, queryResponseSchema, type QboEntity, type QboEntityName } from './schema.ts';
import { qboMaxResults, qboMinorVersion, qboSpec } from './spec.ts';
import { encodeQbo, type QboSparse } from './write-shapes.ts';

export interface QboRead<T> {
  records: T[];
  invalid: UndecodedItem[];
}

export interface QboPage<T> extends QboRead<T> {
  /** STARTPOSITION of this page (1-based). */
  startPosition: number;
}

export interface QboCdcEntity<T> extends QboRead<T> {
  deleted: { Id: string; lastUpdated: string | undefined }[];
}

/** One item of a `/batch` call: a create, update or delete of an entity, or a query. */
export type QboBatchItem =
  | { bId: string; operation: 'create' | 'update' | 'delete'; entity: QboEntityName; body: unknown }
  | { bId: string; query: string };

export type QboBatchResult = { bId: string; ok: true; entity: unknown } | { bId: string; ok: false; error: ConnectorError };

/** Options of a create: the intent key from which the `requestid` is derived (request-id.ts). */
export interface CreateOptions {
  intentKey?: string;
}

/**
 * QuickBooks Online calls bound to one company (realm): every path is `/v3/company/{realmId}/…`
 * with `minorversion=75` (https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features),
 * and every call goes through the shared transport (limits per realm, retries, timeouts, redacted logs).
 */
export class QboCompanyClient {
  private readonly base: string;

  constructor(
    readonly realmId: string,
    private readonly deps: { transport: Transport; auth: Authorizer; api: string },
  ) {
    this.base = `${deps.api.replace(/\/+$/, '')}/v3/company/${encodeURIComponent(realmId)}`;
  }

  private async call<S extends z.ZodType>(method: HttpMethod, path: string, schema: S, operation: string, extra: Partial<Pick<TransportRequest, 'json' | 'idempotent'>> & { query?: Record<string, string> } = {}): Promise<z.output<S>> {
    const res = await this.deps.transport.request(
      { method, url: `${this.base}${path}`, operation: `qbo.${operation}`, tenant: this.realmId, auth: this.deps.auth, ...extra, query: { ...extra.query, minorversion: qboMinorVersion } },
      schema,
    );
    return res.body;
  }

  /** GET /{entity}/{id}: `{ "<Entity>": {…}, "time": … }`. */
  async read<N extends QboEntityName>(entity: N, id: string): Promise<QboEntity<N>> {
    const body = await this.call('GET', `/${entity.toLowerCase()}/${encodeURIComponent(id)}`, z.record(z.string(), z.unknown()), `read${entity}`);
    return decodeWire(qboEntitySchemas[entity], body[entity], { system: 'qbo', what: `${entity} ${id}` }) as QboEntity<N>;
  }

  /**
   * Creates one entity. With an intent key the call carries `requestid` and is safe to repeat:
   * QBO answers a repeated requestid with its first answer, so the transport may retry a lost answer.
   */
  async create<N extends QboEntityName>(entity: N, body: unknown, options: CreateOptions = {}): Promise<QboEntity<N>> {
    const requestid = options.intentKey ? qboRequestId(this.realmId, `create${entity}`, options.intentKey) : undefined;
    // A Bill's DocNumber is the vendor's invoice number, unique per vendor, not per company: two
    // vendors may both send "INV-1001". With WarnDuplicateBillNumber on, QBO refuses the second
    // (6140) unless `include=allowduplicatedocnum` (reference B6); duplicates of one bill are kept
    // out by the connector's own match key (vendor, number, amount) and the requestid.
    const query: Record<string, string> = entity === 'Bill' ? { include: 'allowduplicatedocnum' } : {};
    if (requestid) query.requestid = requestid;
    const answer = await this.call('POST', `/${entity.toLowerCase()}`, z.record(z.string(), z.unknown()), `create${entity}`, {
      json: encodeQbo(body),
      idempotent: requestid !== undefined,
      query,
    });
    return decodeWire(qboEntitySchemas[entity], answer[entity], { system: 'qbo', what: `created ${entity}` }) as QboEntity<N>;
  }

  /** A sparse update: only the fields sent change; a stale SyncToken is refused with 5010. */
  async updateSparse<N extends QboEntityName>(entity: N, body: QboSparse<Record<string, unknown>>): Promise<QboEntity<N>> {
    const answer = await this.call('POST', `/${entity.toLowerCase()}`, z.record(z.string(), z.unknown()), `update${entity}`, { json: encodeQbo(body) });
    return decodeWire(qboEntitySchemas[entity], answer[entity], { system: 'qbo', what: `updated ${entity}` }) as QboEntity<N>;
  }

  /** Deletes a transaction: `POST /{entity}?operation=delete` with Id and SyncToken. */
  async delete(entity: QboEntityName, id: string, syncToken: string): Promise<void> {
    await this.call('POST', `/${entity.toLowerCase()}`, z.unknown(), `delete${entity}`, { json: { Id: id, SyncToken: syncToken }, query: { operation: 'delete' } });
  }

  /** One query page; an empty QueryResponse (`{}`) means no more rows. */
  async queryPage<N extends QboEntityName>(entity: N, where: readonly QboCondition[], startPosition: number, maxResults = qboMaxResults, orderBy?: string): Promise<QboPage<QboEntity<N>>> {
    const query = buildQboQuery({ entity, where, startPosition, maxResults, ...(orderBy ? { orderBy } : {}) });
    const body = await this.call('GET', '/query', queryResponseSchema, `query${entity}`, { query: { query } });
    const rows = body.QueryResponse[entity];
    const list = Array.isArray(rows) ? rows : [];
    return { ...decodeItems(qboEntitySchemas[entity], list), startPosition } as QboPage<QboEntity<N>>;
  }

  /** Every row of a query, page by page (STARTPOSITION/MAXRESULTS); a short page is the last. */
  async *query<N extends QboEntityName>(entity: N, where: readonly QboCondition[] = [], options: { pageSize?: number; orderBy?: string } = {}): AsyncIterable<QboPage<QboEntity<N>>> {
    const size = Math.min(options.pageSize ?? qboMaxResults, qboMaxResults);
    for (let start = 1; ; start += size) {
      const page = await this.queryPage(entity, where, start, size, options.orderBy ?? 'Id');
      if (page.records.length + page.invalid.length > 0) yield page;
      if (page.records.length + page.invalid.length < size) return;
    }
  }

  async queryAll<N extends QboEntityName>(entity: N, where: readonly QboCondition[] = []): Promise<QboEntity<N>[]> {
    const out: QboEntity<N>[] = [];
    for await (const page of this.query(entity, where)) out.push(...page.records);
    return out;
  }

  /**
   * Change data capture: objects of these entities changed since `changedSince` (at most 30 days
   * back, at most 1000 objects in all: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture).
   * Deleted objects come as `status: "Deleted"` with Id and MetaData only.
   */
  async cdc<N extends QboEntityName>(entities: readonly N[], changedSince: Date): Promise<{ [K in N]: QboCdcEntity<QboEntity<K>> }> {
    const body = await this.call('GET', '/cdc', cdcResponseSchema, 'cdc', { query: { entities: entities.join(','), changedSince: changedSince.toISOString() } });
    const out = {} as { [K in N]: QboCdcEntity<QboEntity<K>> };
    for (const entity of entities) {
      const rows: unknown[] = [];
      for (const r of body.CDCResponse) for (const q of r.QueryResponse ?? []) if (Array.isArray(q[entity])) rows.push(...(q[entity] as unknown[]));
      const deleted = rows.flatMap((row) => {
        const d = deletedEntitySchema.safeParse(row);
        return d.success ? [{ Id: d.data.Id, lastUpdated: d.data.MetaData?.LastUpdatedTime }] : [];
      });
      const live = rows.filter((row) => !deletedEntitySchema.safeParse(row).success);
      out[entity] = { ...decodeItems(qboEntitySchemas[entity], live), deleted } as QboCdcEntity<QboEntity<N>>;
    }
    return out;
  }

  /**
   * `/batch`: up to 30 items, run one after another and each on its own; the answer names each
   * item by its bId (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/batch).
   * An item left out of the answer is reported failed. A later item cannot see what an earlier one created.
   */
  async batch(items: readonly QboBatchItem[], options: CreateOptions = {}): Promise<QboBatchResult[]> {
    if (items.length === 0) return [];
    if (items.length > qboSpec.batchCaps.batch) throw new ConnectorError({ code: 'MLC_ERR_BUG', system: 'qbo', message: `a QBO batch takes at most ${qboSpec.batchCaps.batch} items, got ${items.length}` });
    const request = items.map((i) => ('query' in i ? { bId: i.bId, Query: i.query } : { bId: i.bId, operation: i.operation, [i.entity]: encodeQbo(i.body) }));
    // With an intent key the whole batch carries one requestid, so a repeat replays every item's first answer.
    const requestid = options.intentKey ? qboRequestId(this.realmId, 'batch', options.intentKey) : undefined;
    const body = await this.call('POST', '/batch', batchResponseSchema, 'batch', {
      json: { BatchItemRequest: request },
      idempotent: requestid !== undefined,
      ...(requestid ? { query: { requestid } } : {}),
    });
    const byId = new Map(body.BatchItemResponse.map((r) => [String(r.bId ?? ''), r]));
    return items.map((item): QboBatchResult => {
      const answer = byId.get(item.bId);
      const label = `POST /batch item ${item.bId}`;
      if (!answer) return { bId: item.bId, ok: false, error: new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'qbo', message: `${label}: no answer for this item` }) };
      const fault = answer.Fault !== undefined ? faultFromObject(answer.Fault) : null;
      if (fault) return { bId: item.bId, ok: false, error: batchItemError(fault, label) };
      const key = 'query' in item ? 'QueryResponse' : item.entity;
      if (answer[key] === undefined) return { bId: item.bId, ok: false, error: new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'qbo', message: `${label}: answer has no ${key}` }) };
      return { bId: item.bId, ok: true, entity: answer[key] };
    });
  }
}
