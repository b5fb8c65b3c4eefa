import { malformed, qboTime } from './errors.ts';
import { undeclaredField } from './fields.ts';
import type { Call } from './pipeline.ts';
import type { EntityName } from './store.ts';
import { bodyObject, create, remove, update, type WriteContext } from './writes.ts';

/** What POST /{entity} and a batch item share: the write context of one call and the operation it names. */

type Query = Record<string, string | undefined>;

const ymd = (ms: number): string => qboTime(ms).slice(0, 10);

export function writeContext(call: Call, query: Query): WriteContext {
  return {
    realm: call.realm,
    now: call.now,
    events: [],
    today: ymd(call.now),
    allowDuplicateDocNumber: (query.include ?? '').split(',').includes('allowduplicatedocnum'),
  };
}

/** One create, update or delete, as both POST /{entity} and a batch item run it. */
export function write(ctx: WriteContext, entity: EntityName, operation: string, raw: unknown): Record<string, unknown> {
  const body = bodyObject(raw, entity);
  const unknown = undeclaredField(entity, body);
  if (unknown) throw unknown;
  if (operation === 'delete') return remove(ctx, entity, body);
  if (operation === 'create') return create(ctx, entity, body);
  if (operation === 'update') return update(ctx, entity, body);
  throw malformed(`Unsupported operation: ${operation}`);
}

