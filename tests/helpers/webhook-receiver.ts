import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook delivery as a receiver got it: the exact bytes (signatures cover them) and the JSON. */
export interface Received {
  at: number;
  raw: Buffer;
  headers: IncomingHttpHeaders;
  // Deliveries of many shapes; each test reads the fields it checks.
  json: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides the answer per request (default 200 at once, empty body). */
  respond: (r: Received) => { status: number; delayMs?: number; body?: string; cookie?: boolean };
  close(): Promise<void>;
}

/** A loopback HTTP server standing in for a webhook endpoint, at `path`. */
export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: () => ({ status: 200 }), close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const item: Received = { at: Date.now(), raw, headers: req.headers, json: JSON.parse(raw.toString('utf8')) };
      receiver.received.push(item);
      const { status, delayMs, body, cookie } = receiver.respond(item);
      setTimeout(() => {
        if (cookie) res.setHeader('set-cookie', 'session=abc');
        res.writeHead(status).end(body ?? '');
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
