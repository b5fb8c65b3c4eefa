import { createHash } from 'node:crypto';
import type { ErrorCode } from '../core/errors.ts';

/**
 * What a pure mapper returns for one source record. The engine turns each decision into I/O,
 * audit rows and a record status; mappers never perform I/O themselves.
 */
export type Decision<P> =
  | { kind: 'create'; payload: P; hash: string }
  | { kind: 'update'; targetId: string; payload: P; hash: string }
  | { kind: 'link'; targetId: string; by: string; hash: string }
  | { kind: 'archive'; targetId: string; reason: string }
  | { kind: 'delete'; targetId: string; reason: string }
  | { kind: 'unchanged'; targetId: string; reason: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'conflict'; reason: string; targetId?: string }
  | { kind: 'fail'; code: ErrorCode; reason: string };

export const skip = (reason: string): Decision<never> => ({ kind: 'skip', reason });
export const fail = (code: ErrorCode, reason: string): Decision<never> => ({ kind: 'fail', code, reason });

/** Stable JSON (sorted keys, bigint as decimal text) for content hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** Case- and space-insensitive key for matching names across systems. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}
