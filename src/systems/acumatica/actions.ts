import { ConnectorError } from '../../core/errors.ts';
import type { Authorizer, Transport, TransportTimers } from '../../http/transport.ts';

/**
 * Long-running actions (ReleaseBill, ReleaseCheck, VoidCheck, ...): `POST /<Entity>/<Action>` with
 * `{"entity": {keys}, "parameters": {}}` answers 204 when done, or 202 with a Location
 * (`/<Entity>/<Action>/status/<guid>`) to GET until it answers 204 (Action_Execution example;
 * swagger InvokeAction_202 / _204). While one runs, only its status request succeeds in that
 * session, so the client holds other calls back until it is over (ActionGate).
 */
export interface ActionDeps {
  transport: Transport;
  auth: Authorizer;
  tenant: string;
  api: string;
  timers: Pick<TransportTimers, 'now' | 'sleep'>;
  polling: { intervalMs: number; maxWaitMs: number };
}

export async function runAction(deps: ActionDeps, input: { entity: string; action: string; body: unknown }): Promise<void> {
  const label = `${input.entity}/${input.action}`;
  const started = await deps.transport.request({
    method: 'POST',
    url: `${deps.api}/${label}`,
    json: input.body,
    operation: `acumatica.${input.action}`,
    tenant: deps.tenant,
    auth: deps.auth,
    // Releasing a released document is refused, never done twice: safe to send again after a lost answer.
    idempotent: true,
  });
  if (started.status === 204 || started.status === 200) return;
  const location = started.headers.get('location');
  if (started.status !== 202 || !location) {
    throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'acumatica', status: started.status, message: `Acumatica ${label} answered ${started.status}${location ? '' : ' without a Location to follow'}` });
  }
  const statusUrl = new URL(location, `${deps.api}/`).toString();
  const deadline = deps.timers.now() + deps.polling.maxWaitMs;
  for (;;) {
    const res = await deps.transport.request({ method: 'GET', url: statusUrl, operation: `acumatica.${input.action}Status`, tenant: deps.tenant, auth: deps.auth });
    if (res.status === 204 || res.status === 200) return;
    if (deps.timers.now() > deadline) {
      throw new ConnectorError({ code: 'MLC_ERR_TIMEOUT', system: 'acumatica', message: `Acumatica ${label} was still running after ${Math.round(deps.polling.maxWaitMs / 1000)} s; it may yet complete` });
    }
    await deps.timers.sleep(deps.polling.intervalMs);
  }
}

/** Calls wait while an action runs; actions run one at a time. */
export interface ActionGate {
  whenIdle(): Promise<void>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export function createActionGate(): ActionGate {
  let tail: Promise<unknown> = Promise.resolve();
  let running: Promise<unknown> | undefined;
  return {
    async whenIdle() {
      while (running) await running.catch(() => undefined);
    },
    exclusive(fn) {
      const run = tail.catch(() => undefined).then(async () => {
        const mine = fn();
        running = mine;
        try {
          return await mine;
        } finally {
          if (running === mine) running = undefined;
        }
      });
      tail = run;
      return run;
    },
  };
}
