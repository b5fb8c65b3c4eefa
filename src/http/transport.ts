import type { z } from 'zod';
import { sleep as realSleep } from '../core/clock.ts';
import { ConnectorError, asConnectorError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { redactText } from '../core/redact.ts';
import { AmbiguousWriteError } from './ambiguous-write-error.ts';
import { decodeWire } from './decode.ts';
import type { LimitGroup, Limiter } from './limiter.ts';
import { TransportMetrics, type TransportMetricsSnapshot } from './metrics.ts';
import { decideRetry, defaultRetryPolicy, type FailureOutcome, type RetryPolicy } from './retry.ts';
import { NOT_JSON, buildBody, buildHeaders, buildUrl, tryJson } from './encode-request.ts';
import { classifyThrown } from './thrown.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One outgoing call, as a client describes it. Never mutated by the transport. */
export interface TransportRequest {
  method: HttpMethod;
  /** Absolute URL without the query string. */
  url: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** JSON body. */
  json?: unknown;
  /** application/x-www-form-urlencoded body (OAuth token endpoints). */
  form?: Readonly<Record<string, string>>;
  /** Label for logs and metrics, e.g. "xero.createPayments". */
  operation: string;
  /** Repeating it cannot create a second effect. Defaults: GET/DELETE yes, others no. */
  idempotent?: boolean;
  /** Limiter key (tenant / organisation); omit for calls outside any tenant allowance. */
  tenant?: string;
  /** Which allowance the call counts against (BILL logins have their own). */
  limitGroup?: LimitGroup;
  timeoutMs?: number;
  /** Authorisation for this call; omit for unauthenticated calls. */
  auth?: Authorizer;
  signal?: AbortSignal;
}

export interface TransportResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Per-system credential injection. `authorize` returns the headers to add and a tag naming the
 * credential used; when the service says that credential expired (MLC_ERR_AUTH_EXPIRED) the
 * transport calls `renew(tag)` and repeats the call. Renewal compares tags, so ten calls failing
 * with the same stale token cause one renewal, not ten. A call renews each credential it was
 * refused with at most once, and at most `maxRenewals` times in all: a fresh session that is itself
 * expired at once (a session end that hit every session of the organisation) gets another renewal,
 * while an authorizer that cannot produce a new credential ends the call.
 */
export interface Authorizer {
  authorize(request: { method: HttpMethod; url: string }): Promise<{ headers: Record<string, string>; credentialTag: string }>;
  renew(credentialTag: string): Promise<void>;
  /** After every answered attempt (BILL slides its idle-session clock). */
  onAnswered?(credentialTag: string): void;
}

/** A non-2xx answer, handed to the system's errors.ts. */
export interface HttpFailure {
  system: string;
  /** e.g. "GET /api.xro/2.0/Invoices" */
  request: string;
  status: number;
  headers: Headers;
  /** Raw body text (not yet redacted: the classifier must cap it with capBody). */
  bodyText: string;
  /** Parsed JSON, when the body was JSON. */
  json: unknown;
  now: number;
}

export type FailureClassifier = (failure: HttpFailure) => ConnectorError;

export interface TransportTimers {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface TransportOptions {
  system: string;
  classify: FailureClassifier;
  logger?: Logger;
  limiter?: Limiter;
  retryPolicy?: RetryPolicy;
  timeoutMs?: number;
  timers?: TransportTimers;
  random?: () => number;
}

/** Credential renewals one call may make before it gives up (see Authorizer). */
const maxRenewals = 3;

const realTimers: TransportTimers = { now: () => Date.now(), sleep: realSleep };

/**
 * The one outbound HTTP path for every system client: limiter slot → fetch with a timeout → JSON
 * decode → error mapping → retry decision (retry.ts) → redacted structured log and metrics.
 * Headers and bodies are never logged; error bodies are capped and scrubbed (core/redact.ts).
 */
export class Transport {
  readonly system: string;
  private readonly logger: Logger;
  private readonly policy: RetryPolicy;
  private readonly timers: TransportTimers;
  private readonly random: () => number;
  private readonly counters: TransportMetrics;

  constructor(private readonly options: TransportOptions) {
    this.system = options.system;
    this.counters = new TransportMetrics(options.system);
    this.logger = (options.logger ?? silentLogger).child({ system: options.system });
    this.policy = options.retryPolicy ?? defaultRetryPolicy;
    this.timers = options.timers ?? realTimers;
    this.random = options.random ?? Math.random;
  }

  get metrics(): TransportMetricsSnapshot {
    return this.counters.snapshot(this.options.limiter?.snapshot());
  }

  /** Sends the request, retrying as decideRetry says; decodes the 2xx body with `schema` when given. */
  async request<S extends z.ZodType>(req: TransportRequest, schema: S): Promise<TransportResponse<z.output<S>>>;
  async request(req: TransportRequest): Promise<TransportResponse<unknown>>;
  async request(req: TransportRequest, schema?: z.ZodType): Promise<TransportResponse<unknown>> {
    const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'DELETE');
    const url = buildUrl(req.url, req.query);
    const label = `${req.method} ${new URL(req.url).pathname}`;
    let attempt = 0;
    const renewedTags = new Set<string>();
    for (;;) {
      attempt += 1;
      const auth = req.auth ? await req.auth.authorize({ method: req.method, url }) : undefined;
      const result = await this.attempt(req, url, label, auth?.headers);
      if (auth && result.kind === 'answered') req.auth?.onAnswered?.(auth.credentialTag);
      if (result.kind === 'answered' && result.status >= 200 && result.status < 300) {
        return this.success(req, label, result, schema, idempotent, attempt);
      }
      const outcome: FailureOutcome =
        result.kind === 'answered' ? { type: 'answered', error: this.options.classify(this.failure(label, result)) } : result.outcome;
      const error = outcome.error;
      this.counters.rejected(reasonLabel(error));

      if (error.code === 'MLC_ERR_AUTH_EXPIRED' && auth && req.auth && !renewedTags.has(auth.credentialTag) && renewedTags.size < maxRenewals) {
        renewedTags.add(auth.credentialTag);
        attempt -= 1;
        this.logger.info({ op: req.operation, request: label, status: error.status, renewal: renewedTags.size }, 'credential expired; renewing it and repeating the call');
        this.counters.retried();
        await req.auth.renew(auth.credentialTag);
        continue;
      }
      const decision = decideRetry({ outcome, attempt, idempotent, jitter: this.random(), request: label }, this.policy);
      if (!decision.retry) {
        if (error.code === 'MLC_ERR_DAILY_LIMIT' && req.tenant !== undefined && error.retryAfterMs !== undefined) {
          this.options.limiter?.park(req.tenant, req.limitGroup ?? 'api', this.timers.now() + error.retryAfterMs);
        }
        this.counters.failed();
        this.logger.warn(
          { op: req.operation, request: label, attempt, reason: decision.reason, code: decision.error.code, status: decision.error.status, vendorCode: decision.error.vendorCode },
          'request failed',
        );
        throw decision.error;
      }
      this.counters.retried();
      this.logger.warn(
        { op: req.operation, request: label, attempt, reason: decision.reason, waitMs: decision.waitMs, status: error.status, vendorCode: error.vendorCode },
        'retrying request',
      );
      await this.timers.sleep(decision.waitMs, req.signal);
    }
  }

  private async attempt(
    req: TransportRequest,
    url: string,
    label: string,
    authHeaders: Record<string, string> | undefined,
  ): Promise<
    | { kind: 'answered'; status: number; headers: Headers; text: string; ms: number }
    | { kind: 'failed'; outcome: FailureOutcome }
  > {
    const permit = req.tenant !== undefined && this.options.limiter ? await this.options.limiter.acquire(req.tenant, req.limitGroup ?? 'api', req.signal) : undefined;
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = this.timers.now();
    this.counters.started();
    try {
      const res = await fetch(url, { method: req.method, headers: buildHeaders(req, authHeaders), body: buildBody(req), signal, redirect: 'manual' });
      const text = await res.text();
      const ms = this.timers.now() - started;
      this.logger.debug({ op: req.operation, request: label, status: res.status, ms }, 'answered');
      return { kind: 'answered', status: res.status, headers: res.headers, text, ms };
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason;
      return { kind: 'failed', outcome: classifyThrown(e, { system: this.system, request: label, timeoutMs, timedOut: timeout.aborted }) };
    } finally {
      this.counters.finished();
      permit?.release();
    }
  }

  private failure(label: string, r: { status: number; headers: Headers; text: string }): HttpFailure {
    return { system: this.system, request: label, status: r.status, headers: r.headers, bodyText: r.text, json: tryJson(r.text), now: this.timers.now() };
  }

  private success(
    req: TransportRequest,
    label: string,
    r: { status: number; headers: Headers; text: string },
    schema: z.ZodType | undefined,
    idempotent: boolean,
    attempt: number,
  ): TransportResponse<unknown> {
    try {
      let body: unknown = undefined;
      if (r.text.trim() !== '') {
        body = tryJson(r.text, NOT_JSON);
        if (body === NOT_JSON) {
          const type = r.headers.get('content-type') ?? 'no content-type';
          throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: this.system, status: r.status, message: `${label} answered ${r.status} with a body that is not JSON (${redactText(type)})` });
        }
      }
      if (schema) body = decodeWire(schema, body, { system: this.system, what: `${req.operation} (${label})` });
      return { status: r.status, headers: r.headers, body };
    } catch (e) {
      const error = asConnectorError(e);
      this.counters.rejected('bad_response');
      this.counters.failed();
      this.logger.warn({ op: req.operation, request: label, attempt, code: error.code, status: r.status }, 'unreadable answer');
      // A write that succeeded but whose answer we cannot read leaves us without the new record's id:
      // the engine must treat it like a lost answer and search the target before writing again.
      throw idempotent ? error : new AmbiguousWriteError(label, error);
    }
  }
}

function reasonLabel(error: ConnectorError): string {
  return error.code.replace(/^MLC_ERR_/, '').toLowerCase();
}
