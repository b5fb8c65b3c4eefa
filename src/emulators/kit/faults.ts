import { z } from 'zod';
import { Rng } from './rng.ts';
import type { EmulatorStats } from './stats.ts';

const delayMs = z.number().int().min(0).max(600_000);

/** Every fault one request can get; 'none' lets a script pass a request through untouched. */
export const requestFaults = ['none', 'server_error', 'unavailable', 'timeout', 'drop', 'lost_response', 'rate_limited', 'hold', 'late_write'] as const;

/**
 * One step of a fault script: the fault the next matching request gets. A delay given here
 * overrides the config's `hangMs` (timeout), `holdMs` (hold) or `lateMs` (late_write) for this
 * request only.
 */
export const scriptedFaultSchema = z
  .object({
    fault: z.enum(requestFaults),
    hangMs: delayMs.optional(),
    holdMs: delayMs.optional(),
    lateMs: delayMs.optional(),
  })
  .strict();

export type ScriptedFault = z.infer<typeof scriptedFaultSchema>;

/**
 * Seeded fault injection, set through `POST /_emulator/faults`. Rates are shares of API requests
 * (control routes under /_emulator are never faulted). The same seed and request order give the
 * same faults. These are test knobs for what a real network does to a call, not vendor behaviour.
 */
export const faultConfigSchema = z
  .object({
    seed: z.number().int().optional(),
    /** Share of requests answered with the system's 500 error. */
    serverErrorRate: z.number().min(0).max(1).default(0),
    /** Share answered 503 (service unavailable). */
    unavailableRate: z.number().min(0).max(1).default(0),
    /** Share that hang for `hangMs` and then lose the connection, never processed. */
    timeoutRate: z.number().min(0).max(1).default(0),
    hangMs: z.number().int().min(0).max(600_000).default(15_000),
    /** Share whose connection is dropped before processing. */
    dropRate: z.number().min(0).max(1).default(0),
    /** Share that are processed (writes applied) but whose response is lost: the hardest case for duplicates. */
    lostResponseRate: z.number().min(0).max(1).default(0),
    /**
     * Share that are processed (writes applied) and whose answer is sent only `holdMs` later: a slow
     * answer that other calls overtake, while the client still counts the call in flight.
     */
    holdResponseRate: z.number().min(0).max(1).default(0),
    holdMs: delayMs.default(4_000),
    /**
     * Share whose connection is lost at once (the client sees a lost answer) and which reach the
     * service only `lateMs` later, where they are processed as usual (a write lands after the client
     * gave up on it). For a read this is a dropped connection.
     */
    lateWriteRate: z.number().min(0).max(1).default(0),
    lateMs: delayMs.default(2_000),
    /**
     * Faults for the next matching requests, one each, in order, before any rate above is drawn
     * (a scripted request spends no random draw). Once it is used up the rates apply again.
     */
    script: z.array(scriptedFaultSchema).max(10_000).default([]),
    /** The next N requests are refused by the rate limit (429 on Xero, BDC_1322 on BILL). */
    rateLimitBurst: z.number().int().min(0).default(0),
    /** Share of requests that start a rate-limit burst of `burstLength`. */
    rateLimitBurstRate: z.number().min(0).max(1).default(0),
    burstLength: z.number().int().min(1).default(3),
    /** One-shot: expire every access token / session now. */
    expireAuthNow: z.boolean().default(false),
    /** Share of requests before which all tokens / sessions are expired (forced expiry mid-run). */
    expireAuthRate: z.number().min(0).max(1).default(0),
    /** Webhook delivery faults. */
    webhookDropRate: z.number().min(0).max(1).default(0),
    webhookDuplicateRate: z.number().min(0).max(1).default(0),
    /** Share of deliveries held back for a random 0–2 s so later events overtake them. */
    webhookReorderRate: z.number().min(0).max(1).default(0),
    /** Only paths matching this regular expression are faulted (default: all API paths). */
    pathPattern: z.string().optional(),
    /** Only requests with one of these methods are faulted (default: every method), e.g. `["PUT"]`. */
    methods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])).optional(),
  })
  .strict();

export type FaultConfig = z.infer<typeof faultConfigSchema>;

export type RequestFault = (typeof requestFaults)[number];

/** The fault for one request and, for timeout / hold / late_write, how long it lasts. */
export interface FaultDecision {
  kind: RequestFault;
  ms: number;
}

const noFault: FaultDecision = { kind: 'none', ms: 0 };

export class FaultInjector {
  private config: FaultConfig = faultConfigSchema.parse({});
  private rng: Rng;
  private burstLeft = 0;
  private pattern: RegExp | null = null;
  private script: ScriptedFault[] = [];

  constructor(
    private readonly seed: number,
    private readonly stats: EmulatorStats,
  ) {
    this.rng = new Rng(seed ^ 0x5eed);
  }

  configure(input: unknown): FaultConfig {
    this.config = faultConfigSchema.parse(input);
    this.rng = new Rng((this.config.seed ?? this.seed) ^ 0x5eed);
    this.burstLeft = this.config.rateLimitBurst;
    this.pattern = this.config.pathPattern ? new RegExp(this.config.pathPattern) : null;
    this.script = [...this.config.script];
    return this.current;
  }

  /** The configuration in force; `script` lists the steps not used yet. */
  get current(): FaultConfig {
    return { ...this.config, script: [...this.script] };
  }

  private matches(path: string, method: string | undefined): boolean {
    if (this.pattern && !this.pattern.test(path)) return false;
    if (method !== undefined && this.config.methods && !this.config.methods.includes(method.toUpperCase() as never)) return false;
    return true;
  }

  /** Whether auth should be force-expired before this request (consumes the one-shot flag). */
  takeAuthExpiry(path: string, method?: string): boolean {
    if (!this.matches(path, method)) return false;
    if (this.config.expireAuthNow) {
      this.config.expireAuthNow = false;
      this.stats.fault('auth_expired');
      return true;
    }
    if (this.config.expireAuthRate > 0 && this.rng.chance(this.config.expireAuthRate)) {
      this.stats.fault('auth_expired');
      return true;
    }
    return false;
  }

  /** Decides the fault for one API request: the next script step if any, else drawn from the rates. */
  decide(path: string, method?: string): FaultDecision {
    if (!this.matches(path, method)) return noFault;
    const step = this.script.shift();
    if (step) {
      if (step.fault === 'none') return noFault;
      const ms = step.fault === 'timeout' ? step.hangMs : step.fault === 'hold' ? step.holdMs : step.fault === 'late_write' ? step.lateMs : undefined;
      return this.record(step.fault, ms);
    }
    const c = this.config;
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      return this.record('rate_limited');
    }
    if (c.rateLimitBurstRate > 0 && this.rng.chance(c.rateLimitBurstRate)) {
      this.burstLeft = c.burstLength - 1;
      return this.record('rate_limited');
    }
    if (c.serverErrorRate > 0 && this.rng.chance(c.serverErrorRate)) return this.record('server_error');
    if (c.unavailableRate > 0 && this.rng.chance(c.unavailableRate)) return this.record('unavailable');
    if (c.timeoutRate > 0 && this.rng.chance(c.timeoutRate)) return this.record('timeout');
    if (c.dropRate > 0 && this.rng.chance(c.dropRate)) return this.record('drop');
    if (c.lostResponseRate > 0 && this.rng.chance(c.lostResponseRate)) return this.record('lost_response');
    if (c.holdResponseRate > 0 && this.rng.chance(c.holdResponseRate)) return this.record('hold');
    if (c.lateWriteRate > 0 && this.rng.chance(c.lateWriteRate)) return this.record('late_write');
    return noFault;
  }

  /** Decides what happens to one webhook delivery. */
  decideWebhook(): { drop: boolean; duplicate: boolean; delayMs: number } {
    const c = this.config;
    const drop = c.webhookDropRate > 0 && this.rng.chance(c.webhookDropRate);
    const duplicate = !drop && c.webhookDuplicateRate > 0 && this.rng.chance(c.webhookDuplicateRate);
    const delayMs = !drop && c.webhookReorderRate > 0 && this.rng.chance(c.webhookReorderRate) ? this.rng.int(50, 2000) : 0;
    if (drop) this.stats.fault('webhook_drop');
    if (duplicate) this.stats.fault('webhook_duplicate');
    if (delayMs) this.stats.fault('webhook_reorder');
    return { drop, duplicate, delayMs };
  }

  private record(kind: Exclude<RequestFault, 'none'>, ms?: number): FaultDecision {
    this.stats.fault(kind);
    const c = this.config;
    const fallback = kind === 'timeout' ? c.hangMs : kind === 'hold' ? c.holdMs : kind === 'late_write' ? c.lateMs : 0;
    return { kind, ms: ms ?? fallback };
  }
}
