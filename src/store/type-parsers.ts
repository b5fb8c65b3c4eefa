import pg from 'pg';
import type { ParserOptions } from '@electric-sql/pglite';

/**
 * One result-type policy for both back-ends, so code and tests see the same JavaScript values:
 *
 * - int8 (bigint, count(*), bigserial) → JavaScript number. pg returns int8 as a string by default
 *   and PGlite as a number (or a bigint beyond 2^53). Values outside ±(2^53-1) are never rounded:
 *   the query fails with a RangeError, and SQL that really needs them selects `col::text` and
 *   parses with BigInt. Money is stored as bigint minor units (never float or real), which is
 *   exact up to ±90 trillion in a two-decimal currency; numeric columns come back as strings on
 *   both back-ends and go through core/money.ts parseMoney.
 * - int8[] → number[] under the same rule (pg would give string[]).
 * - date → 'YYYY-MM-DD' text. pg builds a local-midnight Date and PGlite a UTC-midnight Date, so a
 *   calendar date (a bill's due date) would shift by the host's time zone; text avoids that.
 * - timestamptz → Date, json/jsonb → parsed value, numeric → string: already the same on both.
 *
 * Parameters: pass jsonb values as JSON text (`JSON.stringify(v)` with `$n::jsonb`). pg encodes a
 * JavaScript array parameter as a PostgreSQL array, so a bare array bound to jsonb fails there
 * while PGlite accepts it; JSON text behaves the same on both.
 */
const INT8 = 20;
const INT8_ARRAY = 1016;
const DATE = 1082;
const TEXT_ARRAY = 1009;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`int8 value ${text} is beyond ±2^53; select it as text (::text) and parse it with BigInt`);
  }
  return n;
}

// pg-types' TypeId lists scalar oids only; the text[] parser is registered under 1009 all the same.
const getParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (text: string) => unknown;
const parseTextArray = getParser(TEXT_ARRAY, 'text') as (text: string) => (string | null)[];

function parseInt8Array(text: string): (number | null)[] {
  return parseTextArray(text).map((v) => (v === null ? null : parseInt8(v)));
}

const identity = (text: string): string => text;

/** Parsers handed to PGlite.create (PGlite docs, "Options: parsers"). */
export const pgliteParsers: ParserOptions = {
  [INT8]: parseInt8,
  [INT8_ARRAY]: parseInt8Array,
  [DATE]: identity,
};

/** Per-pool type config for node-postgres, so the global pg.types registry is left untouched. */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === INT8) return parseInt8;
      if (oid === INT8_ARRAY) return parseInt8Array;
      if (oid === DATE) return identity;
    }
    return getParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
