import { z } from 'zod';
import { settingsReader } from '../settings-of.ts';

/** A Xero ⇄ BILL link's settings, validated so a bad value is named, not silently ignored. */
export const xeroBillSettingsSchema = z
  .object({
    /** ERP account payments are posted to: a bank or clearing account (Xero: BANK or payments enabled). */
    paymentAccount: z
      .object({ code: z.string().min(1).optional(), id: z.string().min(1).optional() })
      .strict()
      .refine((a) => Boolean(a.code ?? a.id), 'give the payment account code or id')
      .optional(),
    /** 'create': create in BILL the GL accounts bills use and BILL lacks; 'error': fail those bills instead. */
    accountPolicy: z.enum(['create', 'error']).default('create'),
    /** Map the options of this ERP tracking category to BILL departments of the same name. */
    departmentCategory: z.string().min(1).nullable().default(null),
    /** Poll schedule for the server (cron syntax); the CLI ignores it. */
    pollCron: z.string().min(1).default('*/15 * * * *'),
  })
  .strict();

export type XeroBillSettings = z.infer<typeof xeroBillSettingsSchema>;

/** The link's settings as this pair reads them (stored settings were validated when saved). */
export const xeroBillSettingsOf = settingsReader(xeroBillSettingsSchema);
