/**
 * Small request-body checks that collect every problem instead of stopping at the first, so a bulk
 * request can name each failing item. Unknown fields are refused: BDC_1002 is BILL's answer to an
 * unknown or misspelt parameter (A10), and it catches payloads such as a flat `chartOfAccountId` on a
 * bill line, which v3 does not have (A5).
 */
import { isValidDate } from './time.ts';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Checker {
  readonly errors: string[] = [];

  constructor(private readonly prefix = '') {}

  fail(message: string): void {
    this.errors.push(`${this.prefix}${message}`);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Refuses fields outside `allowed`. */
  keys(obj: Json, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.fail(`${path ? `${path}.` : ''}${k} is not a known field.`);
    }
  }

  string(obj: Json, key: string, path: string, opts: { required?: boolean; max?: number; min?: number } = {}): string | undefined {
    const v = obj[key];
    const name = path ? `${path}.${key}` : key;
    if (v === undefined || v === null) {
      if (opts.required) this.fail(`${name} is required.`);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(`${name} must be a string.`);
      return undefined;
    }
    if (opts.required && v.trim() === '') {
      this.fail(`${name} is required.`);
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) this.fail(`${name} must be at most ${opts.max} characters.`);
    if (opts.min !== undefined && v.length < opts.min) this.fail(`${name} must be at least ${opts.min} characters.`);
    return v;
  }

  boolean(obj: Json, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.fail(`${path ? `${path}.` : ''}${key} must be true or false.`);
      return undefined;
    }
    return v;
  }

  integer(obj: Json, key: string, path: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(`${path ? `${path}.` : ''}${key} must be a whole number.`);
      return undefined;
    }
    return v;
  }

  oneOf(obj: Json, key: string, path: string, values: readonly string[], opts: { required?: boolean } = {}): string | undefined {
    const v = this.string(obj, key, path, opts);
    if (v !== undefined && !values.includes(v)) {
      this.fail(`${path ? `${path}.` : ''}${key} must be one of ${values.join(', ')}.`);
      return undefined;
    }
    return v;
  }

  date(obj: Json, key: string, path: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.string(obj, key, path, opts);
    if (v !== undefined && !isValidDate(v)) {
      this.fail(`${path ? `${path}.` : ''}${key} must be a date in yyyy-MM-dd format.`);
      return undefined;
    }
    return v;
  }

  object(obj: Json, key: string, path: string, opts: { required?: boolean } = {}): Json | undefined {
    const v = obj[key];
    const name = path ? `${path}.${key}` : key;
    if (v === undefined || v === null) {
      if (opts.required) this.fail(`${name} is required.`);
      return undefined;
    }
    if (!isObject(v)) {
      this.fail(`${name} must be an object.`);
      return undefined;
    }
    return v;
  }
}

/** Copies the keys whose value is defined (records never hold `undefined` fields). */
export function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
