import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import { ConnectorError } from '../../core/errors.ts';
import { decodeItems, type UndecodedItem } from '../../http/decode.ts';
import type { TransportMetricsSnapshot } from '../../http/metrics.ts';
import type { Authorizer, HttpMethod, Transport, TransportTimers } from '../../http/transport.ts';
import { createSystemTransport, type SystemTransportOptions } from '../system-transport.ts';
import type { CredentialStore } from '../types.ts';
import { runAction, type ActionGate, createActionGate } from './actions.ts';
import { AcumaticaSessionManager, instanceBase, licenceKey, type AcumaticaLoginCredentials, type AcumaticaSite } from './auth.ts';
import { classifyAcumaticaFailure } from './errors.ts';
import { or, type Filter } from './filters.ts';
import { AcumaticaOAuth, AcumaticaTokenManager, type AcumaticaOAuthCredentials } from './oauth.ts';
import { endpointsSchema, type AcumaticaEndpoints } from './schema.ts';
import { acumaticaEndpoint, acumaticaSpec, actionPolling, supportedEndpointVersions } from './spec.ts';
import { wrapRecord, type PlainRecord } from './values.ts';

export type AcumaticaAuth =
  | { kind: 'cookie'; store: CredentialStore<AcumaticaLoginCredentials>; assumeExpiredAfterSeconds?: number; persistEverySeconds?: number }
  | { kind: 'oauth'; store: CredentialStore<AcumaticaOAuthCredentials>; clientId: string; clientSecret?: string; refreshSkewSeconds?: number };

export interface AcumaticaClientOptions extends SystemTransportOptions {
  site: AcumaticaSite;
  auth: AcumaticaAuth;
  clock?: Clock;
  /** Records per page of a list read (default spec.batchCaps.pageSize). */
  pageSize?: number;
  /** How long and how often a long-running action is polled (default spec.ts actionPolling). */
  polling?: { intervalMs: number; maxWaitMs: number };
}

export interface ReadOptions {
  filter?: Filter | undefined;
  /** Detail and linked entities to return (`Details`, `MainContact,MainContact/Address`). */
  expand?: string | undefined;
  select?: string | undefined;
}

export interface AcumaticaPage<T> {
  records: T[];
  /** Records on the page that did not match their schema, each with its reason. */
  invalid: UndecodedItem[];
}

/** `If-None-Match: *` inserts only, `If-Match: *` updates only; each answers 412 otherwise (Basic_Create_Record / Update_Record examples). */
export type PutMode = 'insert' | 'update' | 'upsert';
const putHeaders: Record<PutMode, Record<string, string>> = { insert: { 'if-none-match': '*' }, update: { 'if-match': '*' }, upsert: {} };

/**
 * One Acumatica connection: the customer's instance, a tenant, the Default endpoint version.
 * Every call goes through the shared transport (limits, retries, timeouts, redacted logs). The
 * endpoint version is checked against `GET {instance}/entity` before the first entity call, so a
 * version the instance does not serve fails with the versions it does, not with a bare 404.
 * `close()` signs the cookie session out: sessions hold licence seats.
 */
export class AcumaticaClient {
  readonly api: string;
  readonly version: string;
  private versionCheck: Promise<AcumaticaEndpoints> | undefined;
  private readonly gate: ActionGate;

  constructor(
    readonly site: AcumaticaSite,
    readonly transport: Transport,
    readonly authorizer: Authorizer & { logout?(): Promise<void> },
    private readonly settings: { pageSize: number; polling: { intervalMs: number; maxWaitMs: number }; timers: Pick<TransportTimers, 'now' | 'sleep'> },
  ) {
    this.version = site.endpointVersion ?? acumaticaEndpoint.version;
    this.api = `${instanceBase(site)}/entity/${acumaticaEndpoint.name}/${this.version}`;
    this.gate = createActionGate();
  }

  get metrics(): TransportMetricsSnapshot {
    return this.transport.metrics;
  }

  get pageSize(): number {
    return this.settings.pageSize;
  }

  /** The build and endpoints the instance serves (unauthenticated: it lists the built-in endpoints and takes no licence seat). */
  async endpoints(): Promise<AcumaticaEndpoints> {
    const res = await this.transport.request({ method: 'GET', url: `${instanceBase(this.site)}/entity`, operation: 'acumatica.endpoints', tenant: licenceKey(this.site) }, endpointsSchema);
    return res.body;
  }

  /** Fails with MLC_ERR_CONFIG naming the versions on offer when the instance lacks the configured one. */
  checkEndpoint(): Promise<AcumaticaEndpoints> {
    if (this.versionCheck) return this.versionCheck;
    const check = this.endpoints().then((found) => {
      const offered = found.endpoints.filter((e) => e.name === acumaticaEndpoint.name).map((e) => e.version);
      if (!offered.includes(this.version)) throw this.versionMissing(offered);
      return found;
    });
    // A failed check (the instance unreachable, the version missing) is made again by the next call.
    this.versionCheck = check;
    check.catch(() => {
      if (this.versionCheck === check) this.versionCheck = undefined;
    });
    return check;
  }

  private versionMissing(offered: readonly string[]): ConnectorError {
    const name = acumaticaEndpoint.name;
    return new ConnectorError({
      code: 'MLC_ERR_CONFIG',
      system: 'acumatica',
      message: `the Acumatica instance does not serve the ${name}/${this.version} endpoint; it offers ${offered.length > 0 ? offered.map((v) => `${name}/${v}`).join(', ') : `no ${name} endpoint`}. Set the connection's endpoint version to one of those the connector supports (${supportedEndpointVersions.join(', ')}) or have the instance's administrator enable it.`,
    });
  }

  /** A call to the endpoint, after the version check and never while a long-running action holds the session. */
  async call<S extends z.ZodType>(method: HttpMethod, path: string, schema: S, operation: string, extra: { query?: Record<string, string | number | undefined>; json?: unknown; headers?: Record<string, string>; idempotent?: boolean } = {}) {
    await this.checkEndpoint();
    await this.gate.whenIdle();
    const request = { method, url: `${this.api}${path}`, operation: `acumatica.${operation}`, tenant: licenceKey(this.site), auth: this.authorizer, ...extra };
    return this.transport.request(request, schema);
  }

  /** One page of a list (`$top`/`$skip`); each record checked on its own. */
  async listPage<S extends z.ZodType>(entity: string, item: S, options: ReadOptions & { top: number; skip: number }): Promise<AcumaticaPage<z.output<S>>> {
    const query = { $filter: options.filter, $expand: options.expand, $select: options.select, $top: options.top, $skip: options.skip };
    const res = await this.call('GET', `/${entity}`, z.array(z.unknown()), `list${entity}`, { query });
    const { records, invalid } = decodeItems(item, res.body);
    return { records, invalid };
  }

  /** Every record matching, page by page (`$skip` before `$top`; no total count is given, so a short page is the last). */
  async *list<S extends z.ZodType>(entity: string, item: S, options: ReadOptions = {}): AsyncGenerator<AcumaticaPage<z.output<S>>> {
    const top = this.settings.pageSize;
    for (let skip = 0; ; skip += top) {
      const page = await this.listPage(entity, item, { ...options, top, skip });
      yield page;
      if (page.records.length + page.invalid.length < top) return;
    }
  }

  /**
   * Every record matching any of the filters (`or`ed together up to spec.batchCaps.idsPerFilter at
   * a time, so the query string stays short), page by page, merged.
   */
  async readAny<S extends z.ZodType>(entity: string, item: S, filters: readonly Filter[], options: Omit<ReadOptions, 'filter'> = {}): Promise<AcumaticaPage<z.output<S>>> {
    const records: z.output<S>[] = [];
    const invalid: UndecodedItem[] = [];
    const size = acumaticaSpec.batchCaps.idsPerFilter;
    for (let i = 0; i < filters.length; i += size) {
      for await (const page of this.list(entity, item, { ...options, filter: or(...filters.slice(i, i + size)) })) {
        records.push(...page.records);
        invalid.push(...page.invalid);
      }
    }
    return { records, invalid };
  }

  /** A record by its key values in form order (`GET /Bill/Bill/000123`); undefined when there is none. */
  async getByKeys<S extends z.ZodType>(entity: string, keys: readonly string[], schema: S, options: Pick<ReadOptions, 'expand' | 'select'> = {}): Promise<z.output<S> | undefined> {
    try {
      const path = `/${entity}/${keys.map(encodeURIComponent).join('/')}`;
      const res = await this.call('GET', path, schema, `get${entity}`, { query: { $expand: options.expand, $select: options.select } });
      return res.body;
    } catch (e) {
      if (e instanceof ConnectorError && e.code === 'MLC_ERR_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** PUT upsert of one record, values wrapped here; answers the record as saved (only the fields sent or expanded). */
  async put<S extends z.ZodType>(entity: string, record: PlainRecord, schema: S, options: { mode: PutMode; expand?: string }): Promise<z.output<S>> {
    const res = await this.call('PUT', `/${entity}`, schema, `put${entity}`, {
      json: wrapRecord(record),
      headers: putHeaders[options.mode],
      query: { $expand: options.expand },
      // Update-only PUTs write the same values again when repeated; inserts do not.
      idempotent: options.mode === 'update',
    });
    return res.body;
  }

  /** Runs an action (`POST /Check/ReleaseCheck`) and waits until it is done: 204 at once, or 202 and its Location polled until 204 (Action_Execution example). */
  async invoke(entity: string, action: string, keys: PlainRecord, parameters: PlainRecord = {}): Promise<void> {
    await this.checkEndpoint();
    await this.gate.exclusive(() =>
      runAction(
        { transport: this.transport, auth: this.authorizer, tenant: licenceKey(this.site), api: this.api, timers: this.settings.timers, polling: this.settings.polling },
        { entity, action, body: { entity: wrapRecord(keys), parameters: wrapRecord(parameters) } },
      ),
    );
  }

  /** Signs the session out (cookie sign-in); a token connection has nothing to close. */
  async close(): Promise<void> {
    await this.authorizer.logout?.();
  }
}

export function createAcumaticaClient(options: AcumaticaClientOptions): AcumaticaClient {
  const version = options.site.endpointVersion ?? acumaticaEndpoint.version;
  if (!supportedEndpointVersions.includes(version)) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'acumatica', message: `the connector reads the Acumatica endpoint ${supportedEndpointVersions.map((v) => `Default/${v}`).join(', ')}, not Default/${version}` });
  }
  const { transport, logger } = createSystemTransport(acumaticaSpec, classifyAcumaticaFailure, options);
  const clock = options.clock;
  const auth = options.auth;
  const authorizer =
    auth.kind === 'cookie'
      ? new AcumaticaSessionManager({ transport, store: auth.store, logger, clock, assumeExpiredAfterSeconds: auth.assumeExpiredAfterSeconds, persistEverySeconds: auth.persistEverySeconds })
      : new AcumaticaTokenManager(new AcumaticaOAuth(transport, { site: options.site, clientId: auth.clientId, clientSecret: auth.clientSecret, clock }), auth.store, { clock, refreshSkewSeconds: auth.refreshSkewSeconds });
  const timers = options.timers ?? { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  return new AcumaticaClient(options.site, transport, authorizer, {
    pageSize: Math.max(1, Math.min(options.pageSize ?? acumaticaSpec.batchCaps.pageSize, 1000)),
    polling: options.polling ?? actionPolling,
    timers,
  });
}
