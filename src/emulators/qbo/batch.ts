import { QboFault, systemFault, validation } from './errors.ts';
import type { Call } from './pipeline.ts';
import { parseQuery, runQuery } from './query.ts';
import { isObject } from './refs.ts';
import { isEntity, type ChangeEvent } from './store.ts';
import { write, writeContext } from './operations.ts';

/**
 * POST /batch (B4, B8.10): at most 30 items, run one after the other, each succeeding or failing on
 * its own, and does not see what earlier items created; the answer holds one BatchItemResponse
 * per item keyed by its `bId`. An item is an
 * entity with `operation` create|update|delete, or a `Query`. Per-item `optionsData`
 * `allowduplicatedocnum` is honoured as the `include` parameter is.
 */

const MAX_ITEMS = 30;

const batchFault = (detail: string): QboFault => validation('400', 'MalformedRequest', detail);

export function batchItems(call: Call, raw: unknown, query: Record<string, string | undefined>): { body: Record<string, unknown>; events: ChangeEvent[] } {
  const items = isObject(raw) ? raw.BatchItemRequest : undefined;
  if (!Array.isArray(items) || items.length === 0) throw batchFault('Batch Request is Empty');
  if (items.length > MAX_ITEMS) throw batchFault(`Batch Request exceeds the maximum of ${MAX_ITEMS} items: ${items.length} were sent.`);
  const events: ChangeEvent[] = [];
  const hidden = new Set<string>();
  const answers = items.map((item: unknown) => {
    call.realm.hiddenInBatch = hidden;
    const bId = isObject(item) && item.bId !== undefined ? String(item.bId) : '';
    try {
      if (!isObject(item) || !bId) throw batchFault('Every BatchItemRequest needs a bId.');
      if (typeof item.Query === 'string') {
        const q = parseQuery(item.Query);
        return { bId, QueryResponse: runQuery(q, call.realm.visible(q.entity)) };
      }
      const entity = Object.keys(item).find(isEntity);
      if (!entity) throw batchFault('A BatchItemRequest needs an entity object or a Query.');
      const operation = typeof item.operation === 'string' ? item.operation : 'create';
      const ctx = writeContext(call, { include: item.optionsData === 'allowduplicatedocnum' ? 'allowduplicatedocnum' : query.include });
      const result = write(ctx, entity, operation, item[entity]);
      events.push(...ctx.events);
      if (operation === 'create') hidden.add(`${entity}|${String(result.Id)}`);
      return { bId, [entity]: result };
    } catch (e) {
      const fault = e instanceof QboFault ? e : systemFault(500);
      return { bId, Fault: { Error: fault.errors, type: fault.type } };
    } finally {
      call.realm.hiddenInBatch = null;
    }
  });
  return { body: { BatchItemResponse: answers }, events };
}
