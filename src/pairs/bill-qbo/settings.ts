import { z } from 'zod';
import { settingsReader } from '../settings-of.ts';

/**
 * A BILL → QuickBooks Online link's settings. QBO owns the chart of accounts: BILL accounts are
 * matched to QBO's (number, then name) and `accountMap` pins the ones a person maps by hand; nothing
 * is ever created in either chart. Bills become PurchaseOrders unless the firm posts them as Bills.
 */
export const billQboSettingsSchema = z
  .object({
    /** 'purchaseOrder': each BILL bill is a QBO PurchaseOrder, turned into a linked Bill when paid; 'bill': posted as a QBO Bill. */
    billsAs: z.enum(['purchaseOrder', 'bill']).default('purchaseOrder'),
    /** BILL departments go to QBO Departments (one per transaction, QBO "Locations") or to line Classes. */
    departmentsAs: z.enum(['department', 'class']).default('department'),
    /** BILL chart-of-accounts id → QBO Account id, over the match by number then name. */
    accountMap: z.record(z.string().trim().min(1), z.string().trim().min(1)).default({}),
    /** BILL department id → QBO Department or Class id, over the match by name. */
    departmentMap: z.record(z.string().trim().min(1), z.string().trim().min(1)).default({}),
    /** The QBO Bank or Credit Card account BillPayments are paid from (its account number, or `id:<Id>`). */
    paymentAccount: z.string().trim().min(1).max(40).optional(),
    /**
     * When the server records BILL payments in QBO (cron syntax, UTC; default daily at 06:00): a
     * schedule of its own, apart from the poll. BILL payment webhooks and `ml-connector sync` record
     * them at once whatever it says.
     */
    paymentsCron: z.string().min(1).default('0 6 * * *'),
    /** Poll schedule for vendors and bills (cron syntax); the CLI ignores it. */
    pollCron: z.string().min(1).default('*/15 * * * *'),
  })
  .strict();

export type BillQboSettings = z.infer<typeof billQboSettingsSchema>;

/** The link's settings as this pair reads them (stored settings were validated when saved). */
export const billQboSettingsOf = settingsReader(billQboSettingsSchema);
