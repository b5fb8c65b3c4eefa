import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../kit/base.ts';
import { signBody } from '../kit/webhook-sender.ts';
import { qboTime } from './errors.ts';
import type { ChangeEvent } from './store.ts';

/**
 * Webhooks (B5, B8.12). Changes are gathered for an aggregation window and sent as one POST,
 * signed with `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)). Two formats:
 * - legacy: `{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[{name,id,operation,lastUpdated}]}}]}`,
 *   one notification per realm;
 * - CloudEvents: a JSON array of `{specversion:"1.0", id, source, type:"qbo.<entity>.<verb>.v1",
 *   datacontenttype, time, intuitentityid, intuitaccountid, data:{}}`, realms mixed in one delivery
 *   (verbs other than `created` are UNVERIFIED; the emulator sends created/updated/deleted).
 * Ids only: the receiver reads the objects back. A 200 within 3 s is success; Intuit's retry schedule
 * is UNVERIFIED, the emulator retries after 20 s, 60 s and 300 s (× webhookDelayScale). Knobs:
 * aggregation delay, and `duplicate` to send every delivery twice (Intuit says duplicates happen).
 */

export interface WebhookConfig {
  url: string;
  format: 'legacy' | 'cloudevents';
  /** The aggregation window in ms (sandbox near-real-time: 0; production 1, 3 or 5 minutes). */
  delayMs: number;
  duplicate: boolean;
}

export const SIGNATURE_HEADER = 'intuit-signature';
export const RETRY_DELAYS_MS = [20_000, 60_000, 300_000] as const;
const VERB: Record<ChangeEvent['operation'], string> = { Create: 'created', Update: 'updated', Delete: 'deleted' };

export class QboWebhooks {
  config: WebhookConfig | null = null;
  private queue: ChangeEvent[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly verifierToken: string,
  ) {}

  configure(config: WebhookConfig | null): void {
    this.config = config;
  }

  emit(events: ChangeEvent[]): void {
    if (!this.config || events.length === 0) return;
    this.queue.push(...events);
    if (this.timer) return;
    this.timer = setTimeout(() => this.send(), this.config.delayMs);
  }

  /** Sends what waits in the window now and waits for every delivery and retry to finish. */
  async flush(): Promise<void> {
    this.send();
    await this.ctx.webhooks.idle();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The body of one delivery in the configured format. */
  render(events: ChangeEvent[], format: WebhookConfig['format']): string {
    if (format === 'cloudevents') {
      return JSON.stringify(events.map((e) => ({
        specversion: '1.0',
        id: randomUUID(),
        source: 'intuit.mlc-emulator',
        type: `qbo.${e.name.toLowerCase()}.${VERB[e.operation]}.v1`,
        datacontenttype: 'application/json',
        time: new Date(e.at).toISOString(),
        intuitentityid: e.id,
        intuitaccountid: e.realmId,
        data: {},
      })));
    }
    const realms = [...new Set(events.map((e) => e.realmId))];
    return JSON.stringify({
      eventNotifications: realms.map((realmId) => ({
        realmId,
        dataChangeEvent: {
          entities: events.filter((e) => e.realmId === realmId).map((e) => ({ name: e.name, id: e.id, operation: e.operation, lastUpdated: qboTime(e.at) })),
        },
      })),
    });
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.queue;
    this.queue = [];
    const config = this.config;
    if (!config || events.length === 0) return;
    const body = this.render(events, config.format);
    const headers = { [SIGNATURE_HEADER]: signBody(this.verifierToken, body) };
    const copies = config.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i += 1) {
      this.ctx.webhooks.send({ id: randomUUID(), url: config.url, body, headers, retryDelaysMs: RETRY_DELAYS_MS, timeoutMs: 3000 });
    }
  }
}
