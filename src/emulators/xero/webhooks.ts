import { randomBytes, randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../kit/base.ts';
import { signBody } from '../kit/webhook-sender.ts';
import { isoNoZone } from './dates.ts';
import type { ChangeEvent } from './tenant.ts';

/**
 * Xero webhooks (XW, XWH; A6, A8.12):
 * - CONTACT and INVOICE events, CREATE or UPDATE, carrying only ids and the resource URL; Xero has
 *   no payment category, so a payment shows as an INVOICE UPDATE of the bill it touches;
 * - events that happen within `BATCH_WINDOW_MS` go out together with first/last sequence numbers and
 *   a random `entropy`, signed in `x-xero-signature` = base64(HMAC-SHA256(key, raw body));
 * - a delivery succeeds on 200 within 5 s; failures are retried "with decreasing frequency for up to
 *   24 hours", here on `RETRY_DELAYS_MS` (a compressed day, further scaled by
 *   ctx.webhookDelayScale); after the last failure the webhook is DISABLED until configured again,
 *   and events raised meanwhile are discarded (counted in `discardedEvents`);
 * - the intent-to-receive probe sends a series of empty-event payloads, some signed correctly and
 *   some not, and checks 200 / 401 within 5 s with an empty body and no cookies.
 */

export const BATCH_WINDOW_MS = 100;
export const DELIVERY_TIMEOUT_MS = 5_000;
/** 10 s, 30 s, 1, 2, 5, 10 and 15 min: Xero's 24-hour back-off compressed about 40 times. */
export const RETRY_DELAYS_MS = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000] as const;

export interface WebhookPayload {
  events: {
    resourceUrl: string;
    resourceId: string;
    tenantId: string;
    tenantType: 'ORGANISATION';
    eventCategory: 'CONTACT' | 'INVOICE';
    eventType: 'CREATE' | 'UPDATE';
    eventDateUtc: string;
  }[];
  firstEventSequence: number;
  lastEventSequence: number;
  entropy: string;
}

export interface ProbePost {
  index: number;
  correctlySigned: boolean;
  expectedStatus: 200 | 401;
  status: number | null;
  elapsedMs: number;
  emptyBody: boolean;
  setsCookie: boolean;
  passed: boolean;
  problem?: string;
}

export interface ProbeReport {
  url: string;
  passed: boolean;
  posts: ProbePost[];
}

const entropy = (): string => {
  const bytes = randomBytes(20);
  return [...bytes].map((b) => String.fromCharCode(65 + (b % 26))).join('');
};

export class XeroWebhooks {
  private config: { url: string; key: string } | null = null;
  status: 'NONE' | 'ACTIVE' | 'DISABLED' = 'NONE';
  private sequence = 0;
  private pending: ChangeEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;
  discardedEvents = 0;
  sentPayloads = 0;
  disabledAt: number | null = null;
  intentToReceive: 'NOT_RUN' | 'PASSED' | 'FAILED' = 'NOT_RUN';

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly apiBase: () => string,
  ) {}

  configure(cfg: { url: string; key: string }): void {
    this.config = { url: cfg.url, key: cfg.key };
    this.status = 'ACTIVE';
    this.disabledAt = null;
    this.generation += 1;
  }

  get url(): string | null {
    return this.config?.url ?? null;
  }

  /** Queues events; the first one of a quiet period opens a batch window. */
  emit(events: ChangeEvent[]): void {
    if (events.length === 0) return;
    if (this.status !== 'ACTIVE') {
      if (this.status === 'DISABLED') this.discardedEvents += events.length;
      return;
    }
    this.pending.push(...events);
    this.timer ??= setTimeout(() => this.sendPending(), BATCH_WINDOW_MS);
  }

  private sendPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0 || !this.config || this.status !== 'ACTIVE') return;
    const first = this.sequence + 1;
    this.sequence += events.length;
    const payload: WebhookPayload = {
      events: events.map((e) => ({
        resourceUrl: `${this.apiBase()}/${e.category === 'CONTACT' ? 'Contacts' : 'Invoices'}/${e.resourceId}`,
        resourceId: e.resourceId,
        tenantId: e.tenantId,
        tenantType: 'ORGANISATION',
        eventCategory: e.category,
        eventType: e.type,
        eventDateUtc: isoNoZone(e.at),
      })),
      firstEventSequence: first,
      lastEventSequence: this.sequence,
      entropy: entropy(),
    };
    const body = JSON.stringify(payload);
    const generation = this.generation;
    this.sentPayloads += 1;
    this.ctx.webhooks.send({
      id: randomUUID(),
      url: this.config.url,
      body,
      headers: { 'x-xero-signature': signBody(this.config.key, body) },
      retryDelaysMs: RETRY_DELAYS_MS,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      isSuccess: (s) => s === 200,
      // A disabled or re-configured webhook gets no more retries of older payloads.
      shouldContinue: () => generation === this.generation && this.status === 'ACTIVE',
      onGiveUp: () => {
        // Only a failure under the current configuration disables it; re-configuring re-enables.
        if (generation === this.generation && this.status === 'ACTIVE') {
          this.status = 'DISABLED';
          this.disabledAt = this.ctx.clock.now();
        }
      },
    });
  }

  /** Sends what is waiting for its batch window now and waits for every delivery to finish. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) this.sendPending();
    await this.ctx.webhooks.idle();
  }

  /** Runs Xero's intent-to-receive probe against the configured (or given) endpoint. */
  async probe(override?: { url?: string; key?: string }): Promise<ProbeReport> {
    const url = override?.url ?? this.config?.url;
    const key = override?.key ?? this.config?.key;
    if (!url || !key) throw new Error('configure a webhook first: POST /_emulator/webhooks {"url","key"}');
    // A fixed mix so every probe exercises both answers: good, bad, good, bad, bad, good.
    const pattern = [true, false, true, false, false, true];
    const posts: ProbePost[] = [];
    for (const [index, good] of pattern.entries()) {
      const body = JSON.stringify({ events: [], lastEventSequence: 0, firstEventSequence: 0, entropy: entropy() });
      const signature = signBody(good ? key : randomBytes(32).toString('base64'), body);
      const expectedStatus = good ? 200 : 401;
      const started = Date.now();
      const post: ProbePost = { index, correctlySigned: good, expectedStatus, status: null, elapsedMs: 0, emptyBody: true, setsCookie: false, passed: false };
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-xero-signature': signature },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        const text = await res.text();
        post.status = res.status;
        post.emptyBody = text.length === 0;
        post.setsCookie = res.headers.has('set-cookie');
      } catch (e) {
        post.problem = e instanceof Error && e.name === 'TimeoutError' ? 'no answer within 5 seconds' : `request failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      post.elapsedMs = Date.now() - started;
      if (!post.problem) {
        if (post.status !== expectedStatus) post.problem = `expected ${expectedStatus}, got ${post.status}`;
        else if (!post.emptyBody) post.problem = 'the response must have an empty body';
        else if (post.setsCookie) post.problem = 'the response must not set cookies';
        else if (post.elapsedMs > DELIVERY_TIMEOUT_MS) post.problem = 'answered after 5 seconds';
      }
      post.passed = post.problem === undefined;
      posts.push(post);
    }
    const passed = posts.every((p) => p.passed);
    if (!override?.url) this.intentToReceive = passed ? 'PASSED' : 'FAILED';
    return { url, passed, posts };
  }

  view(): Record<string, unknown> {
    return {
      url: this.url,
      status: this.status,
      disabledAt: this.disabledAt === null ? null : new Date(this.disabledAt).toISOString(),
      lastEventSequence: this.sequence,
      sentPayloads: this.sentPayloads,
      discardedEvents: this.discardedEvents,
      intentToReceive: this.intentToReceive,
    };
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
