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
