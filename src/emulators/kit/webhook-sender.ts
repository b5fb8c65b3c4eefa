import { createHmac } from 'node:crypto';
import type { FaultInjector } from './faults.ts';
import type { EmulatorStats } from './stats.ts';

/** base64(HMAC-SHA256(key, raw body bytes)): the signature both Xero and BILL put in a header. */
export function signBody(key: string, body: string | Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

export interface DeliveryRecord {
  id: string;
  url: string;
  attempts: { at: number; status: number | null; error?: string }[];
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
}

export interface DeliveryRequest {
  id: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Waits before each retry (ms); the first attempt is immediate. */
  retryDelaysMs: readonly number[];
  /** An attempt that takes longer than this counts as failed. */
  timeoutMs: number;
  /** Which status counts as success (Xero and BILL both want 200). */
  isSuccess?: (status: number) => boolean;
  onGiveUp?: () => void;
  onDelivered?: () => void;
  /** Called after every attempt with the HTTP status (null when no response arrived). */
  onAttempt?: (status: number | null, error?: string) => void;
  /**
   * Asked before every attempt; false stops the delivery as given up (e.g. BILL stops sending once
   * a subscription is disabled). onGiveUp is still called.
   */
  shouldContinue?: () => boolean;
}

/**
 * Sends signed webhook deliveries with retries, applying the injector's drop, duplicate and reorder
 * faults. Deliveries run in the background; `idle()` waits for all of them (tests, shutdown).
 */
export class WebhookSender {
  readonly log: DeliveryRecord[] = [];
  private pending = new Set<Promise<void>>();
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly stats: EmulatorStats,
    private readonly faults: FaultInjector,
    /** Multiplies every retry delay; tests shrink BILL's 2-4-8-16 s schedule with it. */
    private readonly delayScale: () => number = () => 1,
  ) {}

  send(req: DeliveryRequest): DeliveryRecord {
    const record: DeliveryRecord = { id: req.id, url: req.url, attempts: [], outcome: 'pending' };
    this.log.push(record);
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
    const decision = this.faults.decideWebhook();
    if (decision.drop) {
      record.outcome = 'dropped';
      this.stats.webhooks.dropped += 1;
      return record;
    }
    this.track(this.run(req, record, decision.delayMs));
    if (decision.duplicate) {
      const dup: DeliveryRecord = { id: req.id, url: req.url, attempts: [], outcome: 'pending' };
      this.log.push(dup);
      this.track(this.run(req, dup, decision.delayMs + 25));
    }
    return record;
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async run(req: DeliveryRequest, record: DeliveryRecord, initialDelayMs: number): Promise<void> {
    if (initialDelayMs > 0) await this.wait(initialDelayMs);
    const delays = [0, ...req.retryDelaysMs];
    const isSuccess = req.isSuccess ?? ((s: number) => s === 200);
    for (let i = 0; i < delays.length; i += 1) {
      if (i > 0) await this.wait(delays[i]! * this.delayScale());
      if (this.stopped) return;
      if (req.shouldContinue && !req.shouldContinue()) break;
      this.stats.webhooks.attempted += 1;
      const at = Date.now();
      try {
        const res = await fetch(req.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...req.headers },
          body: req.body,
          signal: AbortSignal.timeout(req.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.attempts.push({ at, status: res.status });
        req.onAttempt?.(res.status);
        if (isSuccess(res.status)) {
          record.outcome = 'delivered';
          this.stats.webhooks.delivered += 1;
          req.onDelivered?.();
          return;
        }
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        record.attempts.push({ at, status: null, error });
        req.onAttempt?.(null, error);
      }
    }
    record.outcome = 'failed';
    this.stats.webhooks.failed += 1;
    req.onGiveUp?.();
  }

  /** Resolves when every delivery started so far has finished (delivered, failed or given up). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
