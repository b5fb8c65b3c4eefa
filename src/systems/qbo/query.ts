import { ConnectorError } from '../../core/errors.ts';
import { qboMaxResults } from './spec.ts';

/**
 * QBO's query language, the subset the connector sends
 * (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries):
 * `SELECT * FROM <Entity> [WHERE a AND b …] [ORDERBY f] [STARTPOSITION n] [MAXRESULTS m]`. There is
 * no OR, so "any of" is an IN list; STARTPOSITION is 1-based and MAXRESULTS at most 1000.
 */
export type QboCondition =
  | { field: string; op: '=' | '<' | '>' | '<=' | '>='; value: string | number | boolean }
  | { field: string; op: 'IN'; values: readonly (string | number)[] }
  | { field: string; op: 'LIKE'; value: string };

export interface QboQuery {
  entity: string;
  where?: readonly QboCondition[];
  orderBy?: string;
  startPosition?: number;
  maxResults?: number;
}

const IDENT = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * A string literal: single quotes, with `'` and `\` escaped by a backslash ("O\'Brien", as Intuit's
 * query docs show for names with apostrophes).
 */
export function quoteQboString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function literal(v: string | number | boolean): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bug(`query value ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return quoteQboString(v);
}

function identifier(name: string): string {
  // Field and entity names are never user data; anything else would be a bug that could inject syntax.
  if (!IDENT.test(name)) throw bug(`'${name}' is not a QBO field or entity name`);
  return name;
}

function condition(c: QboCondition): string {
  const field = identifier(c.field);
  if (c.op === 'IN') {
    if (c.values.length === 0) throw bug(`IN list on ${field} is empty`);
    return `${field} IN (${c.values.map(literal).join(', ')})`;
  }
  if (c.op === 'LIKE') return `${field} LIKE ${quoteQboString(c.value)}`;
  return `${field} ${c.op} ${literal(c.value)}`;
}

export function buildQboQuery(q: QboQuery): string {
  const parts = [`SELECT * FROM ${identifier(q.entity)}`];
  if (q.where && q.where.length > 0) parts.push(`WHERE ${q.where.map(condition).join(' AND ')}`);
  if (q.orderBy) {
    const [field, direction] = q.orderBy.trim().split(/\s+/);
    if (direction !== undefined && !/^(ASC|DESC)$/i.test(direction)) throw bug(`ORDERBY direction '${direction}'`);
    parts.push(`ORDERBY ${identifier(field ?? '')}${direction ? ` ${direction.toUpperCase()}` : ''}`);
  }
  if (q.startPosition !== undefined) parts.push(`STARTPOSITION ${positiveInt(q.startPosition, 'STARTPOSITION')}`);
  if (q.maxResults !== undefined) parts.push(`MAXRESULTS ${Math.min(positiveInt(q.maxResults, 'MAXRESULTS'), qboMaxResults)}`);
  return parts.join(' ');
}

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw bug(`${what} ${n} is not a positive integer`);
  return n;
}

function bug(message: string): ConnectorError {
  return new ConnectorError({ code: 'MLC_ERR_BUG', system: 'qbo', message: `QBO query: ${message}` });
}
