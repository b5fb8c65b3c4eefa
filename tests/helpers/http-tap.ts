/**
 * A forwarding HTTP tap on loopback between the connector and an emulator: every request is passed
 * on unchanged and recorded (method, path, headers, body), so a test can check what the connector
 * put on the wire. A test may answer a request itself instead (`answer`), for an answer the
 * emulator has no knob for; such a request never reaches the emulator. Location headers naming the
 * emulator are rewritten to the tap, so polled URLs come back through it too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TappedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Answered by the test, not the emulator. */
  answered: boolean;
}

export type TapAnswer = { status: number; body: unknown } | null;

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export class HttpTap {
  readonly requests: TappedRequest[] = [];
  /** Consulted for each request; an answer is sent instead of forwarding. */
  answer: (request: TappedRequest) => TapAnswer = () => null;

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async open(upstream: string): Promise<HttpTap> {
    let tap: HttpTap | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const seen: TappedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: false };
          tap!.requests.push(seen);
          const own = tap!.answer(seen);
          if (own) {
            seen.answered = true;
            res.writeHead(own.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(own.body));
            return;
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (!hopByHop.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          const method = seen.method;
          const upstreamRes = await fetch(`${upstream}${seen.path}`, { method, headers, redirect: 'manual', ...(method === 'GET' || method === 'HEAD' ? {} : { body: seen.body }) });
          const out: Record<string, string | string[]> = {};
          upstreamRes.headers.forEach((v, k) => {
            if (!hopByHop.has(k) && k !== 'set-cookie' && k !== 'content-encoding') out[k] = k === 'location' ? v.replace(upstream, tap!.base) : v;
          });
          const cookies = upstreamRes.headers.getSetCookie();
          if (cookies.length > 0) out['set-cookie'] = cookies;
          const body = Buffer.from(await upstreamRes.arrayBuffer());
          res.writeHead(upstreamRes.status, out).end(body);
        })().catch((e: unknown) => {
          res.writeHead(502).end(String(e));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    tap = new HttpTap(server, `http://127.0.0.1:${port}`);
    return tap;
  }

  /** Requests whose "METHOD path" (query left off) matches. */
  matching(pattern: RegExp): TappedRequest[] {
    return this.requests.filter((r) => pattern.test(`${r.method} ${r.path.split('?')[0]}`));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
