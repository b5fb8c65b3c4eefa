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
 * A link pairs one ERP tenant with one BILL organisation and carries the settings of that pairing.
 * Settings are validated with zod so a bad value is named, not silently ignored.
 */
export const linkSettingsSchema = z
  .object({
    /** ERP account payments are posted to: a bank or clearing account (Xero: BANK or payments enabled). */
    paymentAccount: z
      .object({ code: z.string().min(1).optional(), id: z.string().min(1).optional() })
      .refine((a) => Boolean(a.code ?? a.id), 'give the payment account code or id')
      .optional(),
    /** 'create': create in BILL the GL accounts bills use and BILL lacks; 'error': fail those bills instead. */
    accountPolicy: z.enum(['create', 'error']).default('create'),
    /** Map the options of this ERP tracking category to BILL departments of the same name. */
    departmentCategory: z.string().min(1).nullable().default(null),
    /** Poll schedule for the server (cron syntax); the CLI ignores it. */
    pollCron: z.string().default('*/15 * * * *'),
  })
  .strict();

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
