import { parse } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { asConnectorError } from '../../core/errors.ts';
import { listConnections, markSuccess } from '../../store/repos/connections.ts';
import { registeredEntries, systemEntry } from '../../app/systems/index.ts';
import { withReconnectAdvice } from '../../app/reconnect.ts';
import type { Command } from './types.ts';

interface PingResult {
  connection: string;
  system: string;
  ok: boolean;
  found?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export const ping: Command = {
  summary: 'check every connection and show what it can see ("see if we fit")',
  usage: 'Usage: ml-connector ping [--json]\n\nCalls each connected system read-only and reports what it found. Exit 3 when a connection needs to be made again.',
  async run(argv) {
    const { values } = parse(argv, {});
    return withRuntime(values, async (rt, out) => {
      const results: PingResult[] = [];
      for (const c of await listConnections(rt.db)) {
        try {
          const entry = systemEntry(c.system);
          if (!entry) {
            results.push({ connection: c.id, system: c.system, ok: false, error: { code: 'MLC_ERR_CONFIG', message: `${c.system} is not supported by this version` } });
            continue;
          }
          results.push({ connection: c.id, system: c.system, ok: true, found: await entry.ping(rt, c.id) });
          await markSuccess(rt.db, c.id);
        } catch (e) {
          const error = asConnectorError(e);
          const message = error.kind === 'needs_reauth' && !error.message.includes('Connect it again with:') ? withReconnectAdvice(error.message, c) : error.message;
          results.push({ connection: c.id, system: c.system, ok: false, error: { code: error.code, message } });
        }
      }
      out.result(results, () => results.length === 0
        ? `no connections yet: run ${registeredEntries().map((e) => `'ml-connector connect ${e.id}'`).join(' and ')}`
        : results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.system} ${r.connection}: ${r.ok ? JSON.stringify(r.found) : `${r.error!.code} ${r.error!.message}`}`).join('\n'));
      if (results.some((r) => r.error?.code === 'MLC_ERR_RECONNECT_NEEDED' || r.error?.code === 'MLC_ERR_BAD_CREDENTIALS')) return exitCodes.reconnect;
      return results.every((r) => r.ok) ? exitCodes.ok : exitCodes.failure;
    });
  },
};
