/**
 * Reading the emulators' `/_emulator/state` in the terms the tests assert on: which Xero bills are
 * eligible for BILL, what BILL lines a Xero bill should produce, amounts as minor units (the state
 * JSON carries numbers, converted through their decimal text, never through float arithmetic).
 */
import { parseMoney } from '../../src/core/money.ts';
import type { Json } from './sandbox-fixture.ts';

export const minor = (value: number | string | undefined, currency: string): bigint => parseMoney(String(value ?? 0), currency).minor;

export const ymd = (xeroDateString: string): string => xeroDateString.slice(0, 10);

export const accpay = (tenant: Json): Json[] => tenant.invoices.filter((i: Json) => i.Type === 'ACCPAY');

/** Approved and wholly unpaid: the only Xero bills that may become BILL bills. */
export const eligible = (i: Json): boolean => i.Type === 'ACCPAY' && i.Status === 'AUTHORISED' && Number(i.AmountPaid) === 0;

export interface ExpectedLine {
  amount: bigint;
  description: string;
  accountCode: string;
  tracking: Record<string, string>;
}

/** Each non-zero line as BILL should hold it: the amount owed per line (tax added when exclusive). */
export function expectedLines(i: Json): ExpectedLine[] {
  const exclusive = (i.LineAmountTypes ?? 'Exclusive') === 'Exclusive';
  return (i.LineItems as Json[])
    .map((l) => ({
      amount: minor(l.LineAmount, i.CurrencyCode) + (exclusive ? minor(l.TaxAmount, i.CurrencyCode) : 0n),
      description: String(l.Description ?? '').trim() || 'Bill line',
      accountCode: String(l.AccountCode),
      tracking: Object.fromEntries((l.Tracking ?? []).map((t: Json) => [t.Name, t.Option])),
    }))
    .filter((l) => l.amount !== 0n);
}

/** The BILL bill created from a Xero bill, found by the id the connector writes in its description. */
export function billFor(org: Json, xeroInvoiceId: string): Json[] {
  return org.bills.filter((b: Json) => b.description === `Synced from the ERP bill ${xeroInvoiceId}`);
}

/** The skip reason the connector records for each Xero status it does not send. */
export function skipReasonFor(i: Json): RegExp | null {
  if (i.Status === 'DRAFT') return /draft/;
  if (i.Status === 'SUBMITTED') return /awaiting approval/;
  if (i.Status === 'PAID') return /already paid/;
  if (i.Status === 'VOIDED') return /VOIDED/;
  if (i.Status === 'DELETED') return /DELETED/;
  if (i.Status === 'AUTHORISED' && Number(i.AmountPaid) > 0) return /partly paid/;
  return null;
}
