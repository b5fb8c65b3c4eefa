/** The emulators' control surface (`/_emulator/...`) as the end-to-end tests call it. */

// The emulators answer in JSON of many shapes; each check reads the fields it needs.
export type Json = any;

export async function control(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/_emulator${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator ${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** An emulator's answer as the emulator tests check it: status, parsed JSON (or the text), headers. */
export interface Res {
  status: number;
  // Tests read arbitrary JSON shapes; each test checks the fields it cares about.
  body: any;
  text: string;
  headers: Headers;
}

export async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown = text;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: r.status, body, text, headers: r.headers };
}

/** Like control(), but any answer comes back as a Res (tests of the control surface's refusals). */
export async function controlAnswer(base: string, method: string, path: string, body?: unknown): Promise<Res> {
  return toRes(await fetch(`${base}/_emulator${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  }));
}
