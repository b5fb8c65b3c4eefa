import type { Runtime } from '../app/runtime.ts';
import { runLoopbackConsent } from '../app/systems/loopback-consent.ts';
import { qboUrlsOf, saveQboVerifierToken } from '../app/systems/qbo-app.ts';
import { qboOAuthFlow } from '../app/systems/qbo-oauth.ts';
import { saveConnection } from '../store/repos/connections.ts';
import { qboSpec } from '../systems/qbo/spec.ts';
import { playBrowser } from './connect.ts';

export interface QboSandboxOptions {
  /** The emulator's base URL (http://127.0.0.1:PORT, no path): OAuth and API on one host. */
  qboUrl: string;
  /** The emulator's sandbox app (its `sandbox`); defaults to the app `ml-connector emulate` registers. */
  sandbox?: { clientId: string; clientSecret: string; webhookVerifierToken?: string };
  /** The connection's id (default 'qbo'). */
  connectionId?: string;
}

export interface QboSandboxConnection {
  connectionId: string;
  /** The company the emulator's consent page granted (its `consent-company`, by default the sandbox company). */
  realmId: string;
}

/**
 * Connects a runtime to a running QBO emulator through the path a user takes: Intuit's
 * authorization-code flow with state through the loopback callback (the emulator's authorize page
 * consents at once and redirects with code, state and realmId, so following it plays the browser),
 * the code exchange, and the connection saved encrypted as the connect command saves it. With a
 * verifier token, the app's webhook verifier is saved too, as a person saves it on the app page.
 * Used by the demo, the benchmark and the end-to-end tests.
 */
export async function connectQboSandbox(rt: Runtime, options: QboSandboxOptions): Promise<QboSandboxConnection> {
  const sandbox = options.sandbox ?? qboOAuthFlow.cli.sandboxApp!;
  const app = { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, urls: { ...qboUrlsOf(options.qboUrl).urls } };
  const grant = await runLoopbackConsent({
    system: 'qbo', displayName: qboSpec.displayName, flow: qboOAuthFlow, app, log: rt.log,
    onUrl: (url) => playBrowser(url, 3, 'qbo'),
  });
  const company = grant.tenants[0];
  if (!company) throw new Error('the QBO emulator granted no company');
  const connection = qboOAuthFlow.connection(app, grant, company, options.connectionId ?? 'qbo');
  await saveConnection(rt.db, rt.box, { ...connection, system: 'qbo' });
  if (options.sandbox?.webhookVerifierToken) await saveQboVerifierToken(rt, options.sandbox.webhookVerifierToken);
  return { connectionId: connection.id, realmId: company.id };
}
