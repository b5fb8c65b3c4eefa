/**
 * The subset of Xero's `where` filter language the connector and tests use (XS `where` parameters,
 * A4): comparisons `== != >= <= > <` on dotted paths (`Contact.ContactID`), `AND`/`OR`/`NOT` (and
 * `&& || !`), parentheses, string, number, `true`/`false`/`null`, `Guid("…")`,
 * `DateTime(y,m,d[,h,mi,s])` literals and the string methods `Contains`, `StartsWith`, `EndsWith`,
 * `ToLower()`, `ToUpper()`. Filters are evaluated against the record as rendered in JSON; string
 * equality ignores case, as Xero's does. Unknown fields read as null (no error; documented gap).
 */

export class WhereError extends Error {
  override readonly name = 'WhereError';
}

type Token =
  | { k: 'id'; v: string }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) j += 1;
        s += src[j];
        j += 1;
      }
      if (j >= src.length) throw new WhereError(`Unterminated string literal at position ${i}`);
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
      out.push({ k: 'op', v: two });
      i += 2;
      continue;
    }
    if ('()<>,.!='.includes(ch)) {
      out.push({ k: 'op', v: ch === '=' ? '==' : ch });
      i += 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num && (ch !== '-' || out.length === 0 || out[out.length - 1]!.k === 'op')) {
      out.push({ k: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new WhereError(`Unexpected character '${ch}' at position ${i}`);
  }
  return out;
}

type Value = string | number | boolean | null | { date: number };

type Node =
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'cmp'; op: string; a: Operand; b: Operand }
  | { t: 'truthy'; a: Operand };

type Operand = { t: 'lit'; v: Value } | { t: 'path'; path: string[]; calls: { name: string; args: Value[] }[] };

const METHODS = new Set(['contains', 'startswith', 'endswith', 'tolower', 'toupper']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): Node {
    const n = this.or();
    if (this.i < this.toks.length) throw new WhereError(`Unexpected token '${String(this.toks[this.i]!.v)}'`);
    return n;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.k === 'id' && t.v.toUpperCase() === word;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t?.k === 'op' && t.v === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) throw new WhereError(`Expected '${op}'`);
    this.i += 1;
  }

  private or(): Node {
    let n = this.and();
    while (this.isWord('OR') || this.isOp('||')) {
      this.i += 1;
      n = { t: 'or', a: n, b: this.and() };
    }
    return n;
  }

  private and(): Node {
    let n = this.unary();
    while (this.isWord('AND') || this.isOp('&&')) {
      this.i += 1;
      n = { t: 'and', a: n, b: this.unary() };
    }
    return n;
  }

  private unary(): Node {
    if (this.isWord('NOT') || this.isOp('!')) {
      this.i += 1;
      return { t: 'not', a: this.unary() };
    }
    if (this.isOp('(')) {
      this.i += 1;
      const n = this.or();
      this.expectOp(')');
      return n;
    }
    const a = this.operand();
    const t = this.peek();
    if (t?.k === 'op' && ['==', '!=', '>=', '<=', '>', '<'].includes(t.v)) {
      this.i += 1;
      return { t: 'cmp', op: t.v, a, b: this.operand() };
    }
    return { t: 'truthy', a };
  }

  private literalArgs(): Value[] {
    this.expectOp('(');
    const args: Value[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (!t) throw new WhereError("Expected ')'");
      if (t.k === 'str' || t.k === 'num') args.push(t.v);
      else if (t.k === 'id' && ['TRUE', 'FALSE'].includes(t.v.toUpperCase())) args.push(t.v.toUpperCase() === 'TRUE');
      else if (!(t.k === 'op' && t.v === ',')) throw new WhereError(`Unexpected token '${String(t.v)}' in argument list`);
      this.i += 1;
    }
    this.i += 1;
    return args;
  }

  private operand(): Operand {
    const t = this.peek();
    if (!t) throw new WhereError('Unexpected end of expression');
    if (t.k === 'str' || t.k === 'num') {
      this.i += 1;
      return { t: 'lit', v: t.v };
    }
    if (t.k !== 'id') throw new WhereError(`Unexpected token '${t.v}'`);
    const upper = t.v.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE' || upper === 'NULL') {
      this.i += 1;
      return { t: 'lit', v: upper === 'NULL' ? null : upper === 'TRUE' };
    }
    if (upper === 'GUID') {
      this.i += 1;
      const [g] = this.literalArgs();
      if (typeof g !== 'string') throw new WhereError('Guid() takes one string');
      return { t: 'lit', v: g };
    }
    if (upper === 'DATETIME') {
      this.i += 1;
      if (this.isOp('.')) {
        // DateTime.Parse("2026-01-31")
        this.i += 1;
        const m = this.peek();
        if (m?.k !== 'id' || m.v.toUpperCase() !== 'PARSE') throw new WhereError('Expected DateTime.Parse');
        this.i += 1;
        const [s] = this.literalArgs();
        const ms = typeof s === 'string' ? Date.parse(/Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}${s.includes('T') ? 'Z' : 'T00:00:00Z'}`) : NaN;
        if (Number.isNaN(ms)) throw new WhereError('DateTime.Parse needs a date string');
        return { t: 'lit', v: { date: ms } };
      }
      const args = this.literalArgs();
      if (args.length < 3 || args.some((a) => typeof a !== 'number')) throw new WhereError('DateTime() takes year, month, day[, hour, minute, second]');
      const [y, mo, d, h = 0, mi = 0, s = 0] = args as number[];
      return { t: 'lit', v: { date: Date.UTC(y!, mo! - 1, d!, h, mi, s) } };
    }
    const path = [t.v];
    const calls: { name: string; args: Value[] }[] = [];
    this.i += 1;
    while (this.isOp('.')) {
      this.i += 1;
      const n = this.peek();
      if (n?.k !== 'id') throw new WhereError("Expected a name after '.'");
      this.i += 1;
      if (METHODS.has(n.v.toLowerCase()) && this.isOp('(')) calls.push({ name: n.v.toLowerCase(), args: this.literalArgs() });
      else if (calls.length > 0) throw new WhereError(`Unexpected '.${n.v}' after a method call`);
      else path.push(n.v);
    }
    return { t: 'path', path, calls };
  }
}

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

function lookup(record: unknown, path: string[]): Value {
  let cur: unknown = record;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return null;
    const obj = cur as Record<string, unknown>;
    // Field names match case-insensitively; the exact spelling is tried first, as it is the usual case
    // and a scan of every key for every record and comparison made large lists slow.
    const key = Object.hasOwn(obj, seg) ? seg : Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? null : obj[key];
  }
  if (typeof cur === 'string') {
    const m = MS_DATE.exec(cur);
    if (m) return { date: Number(m[1]) };
  }
  if (cur === undefined || (typeof cur === 'object' && cur !== null)) return null;
  return cur as Value;
}

function evalOperand(o: Operand, record: unknown): Value {
  if (o.t === 'lit') return o.v;
  let v = lookup(record, o.path);
  for (const c of o.calls) {
    const s = v === null ? '' : typeof v === 'object' ? String(v.date) : String(v);
    const arg = String(c.args[0] ?? '').toLowerCase();
    if (c.name === 'tolower') v = s.toLowerCase();
    else if (c.name === 'toupper') v = s.toUpperCase();
    else if (c.name === 'contains') v = s.toLowerCase().includes(arg);
    else if (c.name === 'startswith') v = s.toLowerCase().startsWith(arg);
    else if (c.name === 'endswith') v = s.toLowerCase().endsWith(arg);
  }
  return v;
}

const isDate = (v: Value): v is { date: number } => typeof v === 'object' && v !== null;

/** Compares two values: -1/0/1, or null when they cannot be ordered (then only != holds). */
function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return a === b ? 0 : null;
  if (isDate(a) || isDate(b)) {
    const x = isDate(a) ? a.date : typeof a === 'string' ? Date.parse(a) : NaN;
    const y = isDate(b) ? b.date : typeof b === 'string' ? Date.parse(b) : NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    return x === y ? 0 : null;
  }
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y ? 0 : x < y ? -1 : 1;
}

function evaluate(n: Node, record: unknown): boolean {
  switch (n.t) {
    case 'and':
      return evaluate(n.a, record) && evaluate(n.b, record);
    case 'or':
      return evaluate(n.a, record) || evaluate(n.b, record);
    case 'not':
      return !evaluate(n.a, record);
    case 'truthy':
      return evalOperand(n.a, record) === true;
    case 'cmp': {
      const c = compare(evalOperand(n.a, record), evalOperand(n.b, record));
      switch (n.op) {
        case '==':
          return c === 0;
        case '!=':
          return c !== 0;
        case '>':
          return c !== null && c > 0;
        case '<':
          return c !== null && c < 0;
        case '>=':
          return c !== null && c >= 0;
        default:
          return c !== null && c <= 0;
      }
    }
  }
}

/** Parses a `where` expression once; the result tests rendered records. Throws WhereError. */
export function compileWhere(src: string): (record: unknown) => boolean {
  const tree = new Parser(tokenize(src)).parse();
  return (record) => evaluate(tree, record);
}

/** Sorts by an `order` clause such as `UpdatedDateUTC DESC, Name`; stable. Throws WhereError. */
export function compileOrder(src: string): (a: unknown, b: unknown) => number {
  const keys = src
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\s+(ASC|DESC))?$/i.exec(part);
      if (!m) throw new WhereError(`Cannot order by '${part}'`);
      return { path: m[1]!.split('.'), desc: m[2]?.toUpperCase() === 'DESC' };
    });
  return (a, b) => {
    for (const k of keys) {
      const x = lookup(a, k.path);
      const y = lookup(b, k.path);
      if (x === null && y === null) continue;
      if (x === null) return k.desc ? 1 : -1;
      if (y === null) return k.desc ? -1 : 1;
      const c = compare(x, y) ?? 0;
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}
