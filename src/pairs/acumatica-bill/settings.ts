import { z } from 'zod';
import { settingsReader } from '../settings-of.ts';

/**
 * An Acumatica ⇄ BILL link's settings. Payments back are AP payments (Check, type Payment) that
 * Acumatica books on a cash account with a payment method; both are the customer's own codes, so
 * they are settings, not guesses. Subaccounts go to BILL departments only through an explicit map.
 */
export const acumaticaBillSettingsSchema = z
  .object({
    /** Acumatica cash account (CashAccount CD, e.g. "10200") the payments are recorded on. */
    cashAccount: z.string().trim().min(1).max(10).optional(),
    /** Acumatica payment method id (e.g. "CHECK", "ACH") of those payments. */
    paymentMethod: z.string().trim().min(1).max(10).optional(),
    /** 'create': create in BILL the GL accounts bills use and BILL lacks; 'error': fail those bills instead. */
    accountPolicy: z.enum(['create', 'error']).default('create'),
    /**
     * Subaccount (segmented code as bill lines carry it: the segments without separators, e.g.
     * "200010"; a key typed "200-010" matches no line) → BILL department name. Empty: lines go to
     * BILL without a department. Not empty: a line on a subaccount not in the map fails its bill,
     * naming the subaccount. `ml-connector mapping suggest|apply` proposes and writes it.
     */
    subaccountDepartments: z.record(z.string().trim().min(1), z.string().trim().min(1)).default({}),
    /** Poll schedule for the server (cron syntax); the CLI ignores it. */
    pollCron: z.string().min(1).default('*/15 * * * *'),
  })
  .strict();

export type AcumaticaBillSettings = z.infer<typeof acumaticaBillSettingsSchema>;

/** The link's settings as this pair reads them (stored settings were validated when saved). */
export const acumaticaBillSettingsOf = settingsReader(acumaticaBillSettingsSchema);
