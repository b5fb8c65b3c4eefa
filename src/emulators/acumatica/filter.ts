/**
 * The `$filter` subset of OData v3 URI conventions that Acumatica accepts
 * [AIR:IntegrationDev_RESTExample_Parameter_filter.md]: `eq ne gt ge lt le`, `and`, `or`, `not`,
 * parentheses, `startswith`, `endswith`, `substringof`, literals `'text'`, numbers, `true`/`false`,
 * `null`, `datetimeoffset'…'`, `datetime'…'` and `date'…'`, and linked fields (`MainContact/Email`).
 * Anything else is refused with a 400 naming it (choice: the real message is unverified).
 */
import { parseDateTime } from './input.ts';
import { AcumaticaError, type EntityRecord, type Scalar } from './model.ts';
import { toCents } from './money.ts';

export type Predicate = (rec: EntityRecord) => boolean;

type Token = { kind: 'name' | 'string' | 'number' | 'date' | 'op' | 'punct'; text: string };

const TOKEN = /\s*(?:(datetimeoffset|datetime|date)'([^']*)'|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w.]*(?:\/[A-Za-z_]\w*)*)|([(),]))/y;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw bad(`Unexpected text in $filter at position ${at}: '${text.slice(at, at + 20)}'.`);
    if (m[1]) out.push({ kind: 'date', text: m[2]! });
    else if (m[3] !== undefined) out.push({ kind: 'string', text: m[3].replace(/''/g, "'") });
    else if (m[4]) out.push({ kind: 'number', text: m[4] });
    else if (m[5]) out.push({ kind: /^(eq|ne|gt|ge|lt|le|and|or|not)$/.test(m[5]) ? 'op' : 'name', text: m[5] });
    else out.push({ kind: 'punct', text: m[6]! });
  }
  return out;
}

const bad = (message: string) => new AcumaticaError(400, message);

type Value = { kind: 'field'; path: string[] } | { kind: 'literal'; value: Scalar; date?: number };

function fieldValue(rec: EntityRecord, path: string[]): Scalar | undefined {
  if (path.length === 1) return rec.fields[path[0]!];
  const linked = rec.linked[path[0]!] as Record<string, unknown> | undefined;
  let cur: unknown = linked;
  for (const p of path.slice(1)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur as Scalar | undefined;
}

function compare(a: Scalar | undefined, b: Value & { kind: 'literal' }): number | null {
  if (a === null || a === undefined || b.value === null) return a === b.value || (a === undefined && b.value === null) ? 0 : null;
  if (b.date !== undefined) {
    const ms = typeof a === 'string' ? Date.parse(a) : NaN;
    return Number.isNaN(ms) ? null : Math.sign(ms - b.date);
  }
  if (typeof b.value === 'number') {
    const x = toCents(a);
    const y = toCents(b.value);
    return x === null || y === null ? null : Math.sign(x - y);
  }
  if (typeof b.value === 'boolean') return a === b.value ? 0 : 1;
  const sa = String(a).toLowerCase();
  const sb = String(b.value).toLowerCase();
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const p = this.or();
    if (this.i < this.tokens.length) throw bad(`Unexpected '${this.tokens[this.i]!.text}' in $filter.`);
    return p;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private take(text?: string): Token {
    const t = this.tokens[this.i];
    if (!t || (text !== undefined && t.text !== text)) throw bad(`Expected '${text ?? 'a value'}' in $filter.`);
    this.i += 1;
    return t;
  }

  private or(): Predicate {
    let left = this.and();
    while (this.peek()?.text === 'or') {
      this.take();
      const l = left;
      const r = this.and();
      left = (rec) => l(rec) || r(rec);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.unary();
    while (this.peek()?.text === 'and') {
      this.take();
      const l = left;
      const r = this.unary();
      left = (rec) => l(rec) && r(rec);
    }
    return left;
  }

  private unary(): Predicate {
    if (this.peek()?.text === 'not') {
      this.take();
      const p = this.unary();
      return (rec) => !p(rec);
    }
    if (this.peek()?.text === '(') {
      this.take('(');
      const p = this.or();
      this.take(')');
      return p;
    }
    return this.comparison();
  }

  private value(): Value {
    const t = this.take();
    if (t.kind === 'name') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true' };
      if (t.text === 'null') return { kind: 'literal', value: null };
      if (t.text.startsWith('cf.')) throw bad('Custom-field filters (cf.*) are not supported by this emulator.');
      return { kind: 'field', path: t.text.split('/') };
    }
    if (t.kind === 'string') return { kind: 'literal', value: t.text };
    if (t.kind === 'number') return { kind: 'literal', value: Number(t.text) };
    if (t.kind === 'date') {
      const ms = parseDateTime(t.text);
      if (ms === null) throw bad(`'${t.text}' is not a valid date in $filter.`);
      return { kind: 'literal', value: t.text, date: ms };
    }
    throw bad(`Unexpected '${t.text}' in $filter.`);
  }

  private comparison(): Predicate {
    const first = this.peek();
    if (first?.kind === 'name' && ['startswith', 'endswith', 'substringof'].includes(first.text) && this.tokens[this.i + 1]?.text === '(') {
      this.take();
      this.take('(');
      const a = this.value();
      this.take(',');
      const b = this.value();
      this.take(')');
      const [field, lit] = first.text === 'substringof' ? [b, a] : [a, b];
      if (field.kind !== 'field' || lit.kind !== 'literal') throw bad(`${first.text} takes a field and a text.`);
      const needle = String(lit.value).toLowerCase();
      const test = first.text === 'startswith' ? (h: string) => h.startsWith(needle) : first.text === 'endswith' ? (h: string) => h.endsWith(needle) : (h: string) => h.includes(needle);
      const fn: Predicate = (rec) => test(String(fieldValue(rec, field.path) ?? '').toLowerCase());
      if (this.peek()?.text === 'eq') {
        this.take();
        const want = this.value();
        return want.kind === 'literal' && want.value === false ? (rec) => !fn(rec) : fn;
      }
      return fn;
    }
    const left = this.value();
    const op = this.take();
    if (op.kind !== 'op' || ['and', 'or', 'not'].includes(op.text)) throw bad(`Expected a comparison operator in $filter, found '${op.text}'.`);
    const right = this.value();
    if (left.kind !== 'field' || right.kind !== 'literal') throw bad('A $filter comparison must be a field compared with a value.');
    const test: (c: number | null) => boolean = {
      eq: (c: number | null) => c === 0,
      ne: (c: number | null) => c !== 0,
      gt: (c: number | null) => c !== null && c > 0,
      ge: (c: number | null) => c !== null && c >= 0,
      lt: (c: number | null) => c !== null && c < 0,
      le: (c: number | null) => c !== null && c <= 0,
    }[op.text]!;
    return (rec) => test(compare(fieldValue(rec, left.path), right));
  }
}

export function parseFilter(text: string | undefined): Predicate {
  if (text === undefined || text.trim() === '') return () => true;
  return new Parser(tokenize(text)).parse();
}
