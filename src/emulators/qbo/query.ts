import { queryParserError } from './errors.ts';
import { isEntity, type EntityName, type QboRecord } from './store.ts';

/**
 * The subset of QBO's query language the emulator runs (B4, B8.5):
 * `SELECT * | COUNT(*) FROM <Entity> [WHERE <prop> <op> <value> [AND …]] [ORDERBY <prop> [ASC|DESC]]
 * [STARTPOSITION n] [MAXRESULTS m]` with =, <, >, <=, >=, IN (…), LIKE ('%' only). OR, JOIN,
 * GROUP BY and projections are refused with 400. Entity names are case-sensitive; keywords are not.
 */

export interface Condition {
  path: string;
  op: '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';
  values: string[];
}

export interface ParsedQuery {
  count: boolean;
  entity: EntityName;
  where: Condition[];
  orderBy?: { path: string; desc: boolean };
  startPosition: number;
  maxResults: number;
}

const TOKEN = /\s*('(?:[^'\\]|\\.|'')*'|<=|>=|[=<>(),*]|[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw queryParserError(`Encountered an unexpected character at position ${at + 1}: ${text.slice(at, at + 10)}`);
    tokens.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

const unquote = (t: string): string => (t.startsWith("'") ? t.slice(1, -1).replace(/\\'|''/g, "'") : t);

export function parseQuery(text: string): ParsedQuery {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw queryParserError('Encountered "<EOF>" at the end of the query.');
    return t;
  };
  const expect = (word: string) => {
    const t = next();
    if (t.toUpperCase() !== word) throw queryParserError(`Encountered " ${t} " where ${word} was expected.`);
  };
  expect('SELECT');
  let count = false;
  if (peek() === '*') next();
  else if (peek() === 'COUNT') {
    next();
    expect('(');
    expect('*');
    expect(')');
    count = true;
  } else throw queryParserError('Only SELECT * or SELECT COUNT(*) is supported; QBO returns whole objects.');
  expect('FROM');
  const entity = next();
  if (!isEntity(entity)) throw queryParserError(`Invalid context declaration.: ${entity}`);
  const q: ParsedQuery = { count, entity, where: [], startPosition: 1, maxResults: 100 };
  if (peek() === 'WHERE') {
    next();
    for (;;) {
      q.where.push(condition(next, peek));
      if (peek() === 'AND') next();
      else break;
    }
  }
  while (i < tokens.length) {
    const word = next().toUpperCase();
    if (word === 'ORDERBY' || word === 'ORDER') {
      if (word === 'ORDER') expect('BY');
      const path = next();
      const dir = peek();
      if (dir === 'ASC' || dir === 'DESC') next();
      q.orderBy = { path, desc: dir === 'DESC' };
    } else if (word === 'STARTPOSITION') q.startPosition = positiveInt(next(), 'STARTPOSITION');
    else if (word === 'MAXRESULTS') q.maxResults = Math.min(positiveInt(next(), 'MAXRESULTS'), 1000);
    else if (word === 'OR') throw queryParserError('OR is not supported in a query; run one query per alternative.');
    else if (word === 'JOIN' || word === 'GROUP') throw queryParserError(`${word} is not supported in a query.`);
    else throw queryParserError(`Encountered " ${word} " at an unexpected place.`);
  }
  return q;
}

function positiveInt(t: string, element: string): number {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw queryParserError(`${element} must be a positive integer, got ${t}.`);
  return n;
}

function condition(next: () => string, peek: () => string | undefined): Condition {
  const path = next();
  if (!/^[A-Za-z_][\w.]*$/.test(path)) throw queryParserError(`Encountered " ${path} " where a property was expected.`);
  const opToken = next().toUpperCase();
  if (opToken === 'IN') {
    if (next() !== '(') throw queryParserError('IN must be followed by a list in parentheses.');
    const values: string[] = [];
    for (;;) {
      values.push(unquote(next()));
      const sep = next();
      if (sep === ')') break;
      if (sep !== ',') throw queryParserError(`Encountered " ${sep} " in an IN list.`);
    }
    return { path, op: 'IN', values };
  }
  if (!['=', '<', '>', '<=', '>=', 'LIKE'].includes(opToken)) throw queryParserError(`Encountered " ${opToken} " where an operator was expected.`);
  const value = next();
  if (peek() === 'OR') throw queryParserError('OR is not supported in a query; run one query per alternative.');
  return { path, op: opToken as Condition['op'], values: [unquote(value)] };
}

/** A property's value; a reference compares by its `value` (WHERE VendorRef = '56'). */
function valueAt(record: QboRecord, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  if (typeof v === 'object' && v !== null && 'value' in v) return (v as { value: unknown }).value;
  return v;
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

function compare(a: unknown, b: string): number {
  if (typeof a === 'number' || (typeof a === 'string' && /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b))) return Number(a) - Number(b);
  if (typeof a === 'string' && DATE_LIKE.test(a) && DATE_LIKE.test(b)) return Date.parse(a.length === 10 ? `${a}T00:00:00Z` : a) - Date.parse(b.length === 10 ? `${b}T00:00:00Z` : b);
  if (typeof a === 'boolean') return String(a) === b.toLowerCase() ? 0 : 1;
  return String(a).toLowerCase().localeCompare(b.toLowerCase());
}

function matches(record: QboRecord, c: Condition): boolean {
  const v = valueAt(record, c.path);
  if (c.op === 'IN') return c.values.some((w) => (w.trim() === '' ? v === undefined : v !== undefined && compare(v, w) === 0));
  if (v === undefined) return false;
  if (c.op === 'LIKE') {
    const pattern = new RegExp(`^${c.values[0]!.split('%').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return pattern.test(String(v));
  }
  const d = compare(v, c.values[0]!);
  return c.op === '=' ? d === 0 : c.op === '<' ? d < 0 : c.op === '>' ? d > 0 : c.op === '<=' ? d <= 0 : d >= 0;
}

/** The QueryResponse body: rows of one page, `totalCount` for COUNT(*), `{}` when nothing is left (B4). */
export function runQuery(q: ParsedQuery, records: QboRecord[]): Record<string, unknown> {
  let rows = records.filter((r) => q.where.every((c) => matches(r, c)));
  if (q.count) return { totalCount: rows.length };
  if (q.orderBy) {
    const { path, desc } = q.orderBy;
    rows = [...rows].sort((a, b) => {
      const va = valueAt(a, path);
      const vb = valueAt(b, path);
      const d = va === undefined ? -1 : vb === undefined ? 1 : compare(va, String(vb));
      return desc ? -d : d;
    });
  }
  const page = rows.slice(q.startPosition - 1, q.startPosition - 1 + q.maxResults);
  if (page.length === 0) return {};
  return { [q.entity]: page, startPosition: q.startPosition, maxResults: page.length };
}
