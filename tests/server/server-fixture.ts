/**
 * A server under test: the engine's sandbox fixture (both emulators, a link connected through the
 * real OAuth and login paths) plus `serve` started in this process on the suite's database, with a
 * known API token. Requests go over real HTTP.
 */
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/start.ts';
import { Sandbox, type Json, type SandboxOptions } from '../engine/sandbox-fixture.ts';
import type { BackendUnderTest } from '../helpers/db.ts';

export const testToken = 'test-token-0123456789abcdef';

export interface ApiAnswer {
  status: number;
  body: Json;
  headers: Headers;
}

export class ServerSandbox {
  private constructor(
    readonly sandbox: Sandbox,
    readonly server: RunningServer,
  ) {}

  static async open(b: BackendUnderTest, options: SandboxOptions & { serve?: Partial<ServeOptions> } = {}): Promise<ServerSandbox> {
    const sandbox = await Sandbox.open(b.db, b.dataDir, { linkName: 'main', ...options });
    try {
      const server = await startServer(sandbox.rt, { role: 'all', port: 0, apiToken: testToken, pollingIntervalSeconds: 0.5, stopTimeoutMs: 10_000, ...options.serve });
      return new ServerSandbox(sandbox, server);
    } catch (e) {
      await sandbox.close();
      throw e;
    }
  }

  get url(): string {
    return this.server.url!;
  }

  /** A request to the server; the API token is sent unless `token` says otherwise (null: none). */
  async call(method: string, path: string, body?: unknown, token: string | null = testToken): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text;
    return { status: res.status, body: json, headers: res.headers };
  }

  /** Waits until a link-work job has finished (completed, or failed for good) and returns it. */
  async waitForJob(jobId: string, timeoutMs = 60_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.call('GET', `/api/jobs/${jobId}`);
      if (res.status !== 200) throw new Error(`GET /api/jobs/${jobId} answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (res.body.state === 'completed' || res.body.state === 'failed' || res.body.state === 'cancelled') return res.body;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await this.server.stop();
    await this.sandbox.close();
  }
}
