import { z } from 'zod';
import type { ErpSystemId } from './types.ts';

/**
 * Every pair the product knows, defined once: which two systems a link joins and in which
 * direction records flow (the pair definitions in src/pairs/ say the rest). The SQL check
 * constraint on links.pair cannot import this list; tests/store/system-ids.test.ts holds it to it.
 */
export const pairIds = ['xero-bill', 'acumatica-bill', 'bill-qbo'] as const;
export type PairId = (typeof pairIds)[number];

/** The pair each ledger forms with BILL. */
export const pairOfErp: Readonly<Record<ErpSystemId, PairId>> = { xero: 'xero-bill', acumatica: 'acumatica-bill', qbo: 'bill-qbo' };

/**
 * A link's settings. Every pair has a poll schedule; the rest is the pair's own, validated by its
 * definition's `settings` schema (src/pairs/<pair>/settings.ts) wherever a link is saved. The store
 * keeps what was validated and reads it back loosely.
 */
export const linkSettingsSchema = z
  .object({
    /** Poll schedule for the server (cron syntax); the CLI ignores it. */
    pollCron: z.string().default('*/15 * * * *'),
  })
  .loose();

export type LinkSettings = z.infer<typeof linkSettingsSchema>;

export interface Link {
  name: string;
  /** Which pair this link runs (its steps, directions and account policy). */
  pair: PairId;
  erpSystem: ErpSystemId;
  erpConnectionId: string;
  billConnectionId: string;
  settings: LinkSettings;
}
