/**
 * A test knob, not vendor behaviour: fields of one record's JSON replaced or removed on its way out
 * of the API (lists and reads by id), so a test can see how a client copes with one record the
 * service sends in a shape or with a value it should not (a currency that is not ISO 4217, an amount
 * with too many decimals, a missing id, a field of the wrong type). The stored record is unchanged:
 * writes and `GET /_emulator/state` still see it as it is.
 */
export interface WirePatch {
  /** Dotted paths (array items by index, e.g. `billPayments.0.amount`) → the JSON value sent instead. */
  set: Record<string, unknown>;
  /** Dotted paths left out of the answer. */
  remove: string[];
}

export class WireOverrides {
  private readonly byId = new Map<string, WirePatch>();

  /** Replaces the patch of one record (ids compare case-insensitively, as Xero's GUIDs do). */
  put(id: string, patch: WirePatch): void {
    this.byId.set(id.toLowerCase(), patch);
  }

  clear(): void {
    this.byId.clear();
  }

  view(): Record<string, WirePatch> {
    return Object.fromEntries(this.byId);
  }

  /** The record's rendered JSON with its patch applied (in place: renders are fresh objects). */
  apply<T extends Record<string, unknown>>(id: string, json: T): T {
    if (this.byId.size === 0) return json;
    const patch = this.byId.get(id.toLowerCase());
    if (!patch) return json;
    for (const [path, value] of Object.entries(patch.set)) setPath(json, path.split('.'), value);
    for (const path of patch.remove) removePath(json, path.split('.'));
    return json;
  }
}

type Container = Record<string, unknown> | unknown[];

function parentOf(root: Container, path: readonly string[], create: boolean): Container | undefined {
  let node: Container = root;
  for (const key of path.slice(0, -1)) {
    const next = (node as Record<string, unknown>)[key];
    if (next !== null && typeof next === 'object') node = next as Container;
    else if (create) node = (node as Record<string, unknown>)[key] = {};
    else return undefined;
  }
  return node;
}

function setPath(root: Container, path: readonly string[], value: unknown): void {
  const parent = parentOf(root, path, true)!;
  (parent as Record<string, unknown>)[path[path.length - 1]!] = value;
}

function removePath(root: Container, path: readonly string[]): void {
  const parent = parentOf(root, path, false);
  if (parent) delete (parent as Record<string, unknown>)[path[path.length - 1]!];
}

/** Reads `{id, set?, remove?}` from a control request body; throws a RangeError naming what is wrong. */
export function readWirePatch(body: unknown): { id: string; patch: WirePatch } {
  const usage = 'body must be {"id": "<record id>", "set"?: {"<dotted.path>": <JSON value>}, "remove"?: ["<dotted.path>"]}';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RangeError(usage);
  const b = body as { id?: unknown; set?: unknown; remove?: unknown };
  if (typeof b.id !== 'string' || b.id.length === 0) throw new RangeError(usage);
  const set = b.set ?? {};
  const remove = b.remove ?? [];
  if (set === null || typeof set !== 'object' || Array.isArray(set)) throw new RangeError(usage);
  if (!Array.isArray(remove) || !remove.every((p) => typeof p === 'string')) throw new RangeError(usage);
  const unsafe = (path: string) => path.split('.').some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype');
  if (Object.keys(set).some(unsafe) || (remove as string[]).some(unsafe)) throw new RangeError(usage);
  return { id: b.id, patch: { set: set as Record<string, unknown>, remove: remove as string[] } };
}
