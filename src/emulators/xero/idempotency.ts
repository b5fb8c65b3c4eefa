import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { ApiResult } from './errors.ts';

/**
 * `Idempotency-Key` on PUT/POST (XS `idempotencyKey`, at most 128 characters; behaviour 2°, A2 and
 * A8.11): within 6 minutes the same key and the same request replay the first answer, errors
 * included, without writing again; the same key with a different request is refused with 400. A
 * retry that arrives while the first is still running waits for it and then replays it.
 */

export const IDEMPOTENCY_TTL_MS = 6 * 60_000;
export const MAX_KEY_LENGTH = 128;

interface Entry {
  fingerprint: string;
  at: number;
  result?: ApiResult;
  done: Promise<void>;
  resolve: () => void;
}

export type Claim =
  | { kind: 'fresh'; finish: (r: ApiResult) => void; abandon: () => void }
  | { kind: 'replay'; result: Promise<ApiResult | undefined> }
  | { kind: 'mismatch' };

export class IdempotencyCache {
  private entries = new Map<string, Entry>();
  constructor(private readonly clock: Clock) {}

  static fingerprint(method: string, url: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${url}\n${JSON.stringify(body ?? null)}`).digest('hex');
  }

  claim(tenantId: string, key: string, fingerprint: string): Claim {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (now - e.at >= IDEMPOTENCY_TTL_MS) this.entries.delete(k);
    const id = `${tenantId}:${key}`;
    const found = this.entries.get(id);
    if (found) {
      if (found.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return { kind: 'replay', result: found.done.then(() => found.result) };
    }
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    const entry: Entry = { fingerprint, at: now, done, resolve };
    this.entries.set(id, entry);
    return {
      kind: 'fresh',
      finish: (r) => {
        entry.result = r;
        entry.resolve();
      },
      abandon: () => {
        this.entries.delete(id);
        entry.resolve();
      },
    };
  }
}
