import type { TransportRequest } from './transport.ts';

/**
 * How a TransportRequest becomes fetch arguments, and how answer text becomes JSON. Every helper
 * builds new objects; the caller's request is never changed.
 */
export const NOT_JSON = Symbol('not-json');

export function tryJson(text: string, fallback: unknown = undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export function buildUrl(base: string, query: TransportRequest['query']): string {
  if (!query) return base;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  return qs ? `${base}${base.includes('?') ? '&' : '?'}${qs}` : base;
}

export function buildHeaders(req: TransportRequest, authHeaders: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  if (req.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return { ...headers, ...req.headers, ...authHeaders };
}

export function buildBody(req: TransportRequest): string | undefined {
  if (req.json !== undefined) return JSON.stringify(req.json);
  if (req.form !== undefined) return new URLSearchParams(req.form as Record<string, string>).toString();
  return undefined;
}
