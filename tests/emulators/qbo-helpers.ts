/**
 * Shared helpers for the QuickBooks Online emulator tests: a client over real loopback fetch that
 * logs in through the sandbox app's OAuth flow and calls /v3/company/{realmId}/…, control calls,
 * and a small reader of the XSD's element declarations (the official schemas are XML data).
 */
import { readFileSync } from 'node:fs';
import { controlAnswer, toRes, type Res } from '../helpers/emulator-control.ts';
import { startQboEmulator, type QboEmulator, type QboEmulatorOptions } from '../../src/emulators/qbo/index.ts';

export { toRes, type Res };

export class QboClient {
  realmId: string;
  constructor(
    readonly em: QboEmulator,
    public accessToken: string,
    public refreshToken: string | undefined,
  ) {
    this.realmId = em.sandbox.realmId;
  }

  static async open(em: QboEmulator): Promise<QboClient> {
    const t = await em.login();
    return new QboClient(em, t.access_token, t.refresh_token);
  }

  /** `path` is relative to /v3/company/{realmId}; minorversion=75 is added as clients send it. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, realmId = this.realmId): Promise<Res> {
    const url = new URL(`${this.em.urls.api}/${realmId}${path}`);
    if (!url.searchParams.has('minorversion')) url.searchParams.set('minorversion', '75');
    const r = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'application/text' : 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return toRes(r);
  }

  query(text: string): Promise<Res> {
    return this.call('GET', `/query?query=${encodeURIComponent(text)}`);
  }
}

export async function startQbo(opts: QboEmulatorOptions = {}): Promise<{ em: QboEmulator; client: QboClient }> {
  const em = await startQboEmulator({ seed: 7, ...opts });
  return { em, client: await QboClient.open(em) };
}

export async function control(em: QboEmulator, method: string, path: string, body?: unknown): Promise<Res> {
  return controlAnswer(em.urls.base, method, path, body);
}

export const basic = (em: QboEmulator): string => `Basic ${Buffer.from(`${em.sandbox.clientId}:${em.sandbox.clientSecret}`).toString('base64')}`;

export async function tokenCall(em: QboEmulator, form: Record<string, string>): Promise<Res> {
  return toRes(await fetch(em.urls.token, {
    method: 'POST',
    headers: { authorization: basic(em), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  }));
}

/** The first expense account, the AP account, the bank and card accounts and a vendor of the seeded company. */
export async function seeded(client: QboClient): Promise<{ expense: any; ap: any; bank: any; card: any; vendor: any }> {
  const accounts = (await client.query('select * from Account MAXRESULTS 1000')).body.QueryResponse.Account as any[];
  const vendor = (await client.query('select * from Vendor')).body.QueryResponse.Vendor[0];
  return {
    expense: accounts.find((a) => a.AccountType === 'Expense'),
    ap: accounts.find((a) => a.AccountType === 'Accounts Payable'),
    bank: accounts.find((a) => a.AccountType === 'Bank'),
    card: accounts.find((a) => a.AccountType === 'Credit Card'),
    vendor,
  };
}

export const expenseLine = (accountId: string, amount: number | string) => ({
  Amount: amount,
  DetailType: 'AccountBasedExpenseLineDetail',
  AccountBasedExpenseLineDetail: { AccountRef: { value: accountId } },
});

/**
 * The element and attribute declarations of the official QBO schemas, by complex type: enough of
 * XSD to say which field names a type (with its bases and groups) may carry and of which type each
 * child is. The files are read as data: each `xs:` tag is taken in document order with a stack.
 */
export interface XsdType {
  base?: string;
  elements: Map<string, string | undefined>;
  attributes: Set<string>;
  groups: string[];
  /** simpleContent: the text value, which QBO's JSON names `value`. */
  simpleContent: boolean;
}

const localName = (qname: string | undefined): string | undefined => (qname === undefined ? undefined : qname.includes(':') && !qname.startsWith('xs:') ? qname.split(':')[1] : qname);

export function readXsdTypes(paths: string[]): { types: Map<string, XsdType>; groups: Map<string, XsdType> } {
  const types = new Map<string, XsdType>();
  const groups = new Map<string, XsdType>();
  for (const path of paths) {
    const text = readFileSync(path, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    const stack: { tag: string; owner?: XsdType }[] = [];
    const tagPattern = /<(\/?)xs:(\w+)((?:\s+[\w:]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
    for (let m = tagPattern.exec(text); m; m = tagPattern.exec(text)) {
      const [, closing, tag, rawAttrs, selfClosing] = m as unknown as [string, string, string, string, string];
      if (closing) {
        stack.pop();
        continue;
      }
      const attrs = Object.fromEntries([...rawAttrs.matchAll(/([\w:]+)\s*=\s*"([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
      const owner = [...stack].reverse().find((s) => s.owner)?.owner;
      let ownerHere: XsdType | undefined;
      // A top-level complexType or group opens a new owner; an anonymous complexType inside an element does not.
      if ((tag === 'complexType' || tag === 'group') && attrs.name && stack.length <= 1) {
        ownerHere = { elements: new Map(), attributes: new Set(), groups: [], simpleContent: false };
        (tag === 'group' ? groups : types).set(attrs.name, ownerHere);
      } else if (owner && stack.filter((s) => s.tag === 'element').length === 0) {
        if (tag === 'extension' && attrs.base) owner.base = localName(attrs.base);
        if (tag === 'simpleContent') owner.simpleContent = true;
        if (tag === 'element' && attrs.name) owner.elements.set(attrs.name, localName(attrs.type));
        if (tag === 'attribute' && attrs.name) owner.attributes.add(attrs.name);
        if (tag === 'group' && attrs.ref) owner.groups.push(localName(attrs.ref)!);
      }
      if (!selfClosing) stack.push({ tag, ...(ownerHere ? { owner: ownerHere } : {}) });
    }
  }
  return { types, groups };
}

/** Every field path of `value` (an object of XSD type `typeName`) whose name the schema does not declare. */
export function undeclaredFields(schema: ReturnType<typeof readXsdTypes>, typeName: string, value: unknown, path = typeName): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => undeclaredFields(schema, typeName, v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const declared = new Map<string, string | undefined>();
  const attributes = new Set<string>();
  let simpleContent = false;
  const visit = (t: XsdType | undefined): void => {
    if (!t) return;
    for (const [k, v] of t.elements) if (!declared.has(k)) declared.set(k, v);
    for (const a of t.attributes) attributes.add(a);
    simpleContent ||= t.simpleContent;
    for (const g of t.groups) visit(schema.groups.get(g));
    if (t.base) visit(schema.types.get(t.base));
  };
  const type = schema.types.get(typeName);
  if (!type) return [`${path}: type ${typeName} is not in the schema`];
  visit(type);
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (attributes.has(key) || (simpleContent && key === 'value')) continue;
    if (!declared.has(key)) {
      problems.push(`${path}.${key}`);
      continue;
    }
    const childType = declared.get(key);
    if (childType && schema.types.has(childType)) problems.push(...undeclaredFields(schema, childType, child, `${path}.${key}`));
  }
  return problems;
}
