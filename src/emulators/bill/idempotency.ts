/**
 * `X-Idempotent-Key` (reference A12, [BD:bill-webhook-api-general-rules]): required as a UUID4 on
 * subscription and security-key creation (400 otherwise); a successful answer is cached for 24 hours
 * on the emulator clock and replayed for the same key; after an error the key may be used again.
 */
import { badRequest } from './errors.ts';
import type { BillDeps } from './options.ts';
import type { Call, Reply } from './pipeline.ts';

const idempotencyTtlMs = 24 * 60 * 60 * 1000;
const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Replays the cached answer for a repeated X-Idempotent-Key, or runs `action` and caches a success. */
export function idempotent(deps: BillDeps, call: Call, scope: string, action: () => Reply): Reply {
  const key = call.request.headers['x-idempotent-key'];
  if (typeof key !== 'string' || !uuid4.test(key)) throw badRequest('The X-Idempotent-Key header is required and must be a UUID4.');
  const cacheKey = `${scope}|${key.toLowerCase()}`;
  const now = deps.state.now();
  const cached = call.org.idempotency.get(cacheKey);
  if (cached && cached.expiresAt > now) return { status: cached.status, body: cached.body };
  const result = action();
  // Only successes are cached; after an error the same key may be tried again.
  call.org.idempotency.set(cacheKey, { expiresAt: now + idempotencyTtlMs, status: result.status, body: result.body });
  return result;
}

