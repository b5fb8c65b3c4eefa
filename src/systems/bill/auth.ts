import { ConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Clock } from '../../core/clock.ts';
import type { Transport } from '../../http/transport.ts';
import { SessionLoginManager } from '../session-login.ts';
import type { CredentialStore } from '../types.ts';
import { loginResponseSchema } from './schema.ts';
import { billSpec } from './spec.ts';

/** One BILL API session as kept in the store. */
export interface BillSession {
  sessionId: string;
  userId?: string | undefined;
  lastUsedAt: number;
}

/** What the connector keeps per BILL connection (encrypted at rest by the engine's vault). */
export interface BillCredentials {
  devKey: string;
  username: string;
  password: string;
  organizationId: string;
  /** The current API session, shared by every process that serves this connection. */
  session?: BillSession | undefined;
}

export interface BillSessionOptions {
  transport: Transport;
  store: CredentialStore<BillCredentials>;
  /** `<base>/connect/v3`. */
  api: string;
  clock?: Clock;
  logger?: Logger;
  /** Treat the session as gone after this much idle time (default: the spec's 30 minutes). */
  assumeExpiredAfterSeconds?: number;
  /** How often the last-used time is written back to the store (default 5 minutes). */
  persistEverySeconds?: number;
}

/**
 * BILL API sessions (https://developer.bill.com/reference/login) on the shared session-login
 * manager (session-login.ts has the reuse, idle and single-flight rules): `POST /v3/login` with
 * devKey, username, password and organizationId gives a sessionId, sent with the devKey as headers
 * on every call. Sessions end after 35 idle minutes and logins are limited to 200 per devKey per
 * hour, so a session is reused until 30 idle minutes (spec.ts); BDC_1109 / 401 on any call means
 * log in again. BDC_1101 / BDC_1102 become MLC_ERR_BAD_CREDENTIALS (errors.ts).
 * `POST /v3/logout` ends the session (`logout()`).
 */
export class BillSessionManager extends SessionLoginManager<BillSession, BillCredentials> {
  constructor(options: BillSessionOptions) {
    const logger = (options.logger ?? silentLogger).child({ system: 'bill' });
    super({
      store: options.store,
      login: (creds) => billLogin(options, logger, creds),
      logout: (creds, session) => billLogout(options, creds, session),
      sessionKey: (session) => session.sessionId,
      headers: sessionHeaders,
      secrets: (creds) => [creds.devKey, creds.password],
      assumeExpiredAfterSeconds: options.assumeExpiredAfterSeconds ?? billSpec.auth.assumeExpiredAfterSeconds,
      persistEverySeconds: options.persistEverySeconds,
      clock: options.clock,
      logger,
    });
  }

  /** The organisation these credentials log in to. */
  async organizationId(): Promise<string> {
    return (await this.credentials()).organizationId;
  }
}

function sessionHeaders(creds: BillCredentials, session: BillSession): Record<string, string> {
  return { devKey: creds.devKey, sessionId: session.sessionId };
}

async function billLogin(options: BillSessionOptions, logger: Logger, creds: BillCredentials): Promise<Omit<BillSession, 'lastUsedAt'>> {
  const res = await options.transport.request(
    {
      method: 'POST',
      url: `${options.api}/login`,
      json: { username: creds.username, password: creds.password, organizationId: creds.organizationId, devKey: creds.devKey },
      operation: 'bill.login',
      tenant: creds.organizationId,
      limitGroup: 'login',
      // A second login only opens a second session: safe to repeat after a lost answer.
      idempotent: true,
    },
    loginResponseSchema,
  );
  registerSecret(res.body.sessionId);
  if (res.body.organizationId !== creds.organizationId) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'bill', message: `BILL logged in to organisation ${res.body.organizationId}, not the configured ${creds.organizationId}` });
  }
  logger.info({ organizationId: creds.organizationId }, 'logged in to BILL');
  return { sessionId: res.body.sessionId, userId: res.body.userId };
}

async function billLogout(options: BillSessionOptions, creds: BillCredentials, session: BillSession): Promise<void> {
  await options.transport.request({
    method: 'POST',
    url: `${options.api}/logout`,
    headers: sessionHeaders(creds, session),
    operation: 'bill.logout',
    tenant: creds.organizationId,
    // Ending a session twice ends it once.
    idempotent: true,
  });
}
