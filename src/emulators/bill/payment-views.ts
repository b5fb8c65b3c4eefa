/**
 * What payments look like from outside: the API JSON ([BPM] payment response), the webhook payload
 * ([BD:payment-webhook-notification-payloads]) and the list whitelist (unpublished for payments, A9).
 */
import { amountJson } from './amounts.ts';
import { ops, type ListSpec } from './lists.ts';
import type { Organization, Payment } from './model.ts';
import { disbursementStatus, effectOf, rawStatus } from './payments-logic.ts';
import { isoDate, isoTime } from './time.ts';
import { defined } from './validate.ts';

function addDays(date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000);
}

export function paymentView(org: Organization, p: Payment): Record<string, unknown> {
  const money = (m: bigint) => amountJson(m, p.currency);
  const disbursed = disbursementStatus(p.singleStatus);
  return defined({
    amount: money(p.amount),
    id: p.id,
    vendorId: p.vendorId,
    vendorName: org.vendors.get(p.vendorId)?.name,
    billId: p.billPayments.length === 1 ? p.billPayments[0]!.billId : undefined,
    billPayments: p.billPayments.map((bp) => ({ id: bp.id, billId: bp.billId, amount: money(bp.amount), vendorCredits: [] })),
    description: p.description,
    processDate: p.processDate,
    fundingAccount: { type: 'BANK_ACCOUNT', id: p.fundingAccountId },
    processingOptions: { requestPayFaster: false, createBill: false },
    transactionNumber: p.transactionNumber,
    confirmationNumber: p.confirmationNumber,
    status: rawStatus(p.singleStatus),
    exchangeRate: 1,
    fundingAmount: money(p.amount),
    onlinePayment: p.onlinePayment,
    disbursementType: p.onlinePayment ? 'ACH' : 'OFFLINE',
    createdTime: isoTime(p.createdTime),
    updatedTime: isoTime(p.updatedTime),
    createdBy: p.createdBy,
    voidInfo: p.voidInfo.map((v) => ({ ...v, createdTime: isoTime(v.createdTime), updatedTime: isoTime(v.updatedTime) })),
    disbursementStatus: disbursed,
    disbursementInfo: {
      isVoidable: effectOf(p.singleStatus) === 'paid' && p.onlinePayment,
      achDisbursement: { sentDate: p.processDate, arrivesByDate: addDays(p.processDate, 1) },
    },
    cancelRequestSubmitted: false,
    singleStatus: p.singleStatus,
  });
}

/** `payment.updated` payload ([BD:payment-webhook-notification-payloads], A12). */
export function webhookPayload(org: Organization, p: Payment): Record<string, unknown> {
  return defined({
    id: p.id,
    billIds: p.billPayments.map((bp) => bp.billId),
    transactionNumber: p.transactionNumber,
    status: rawStatus(p.singleStatus),
    createdBy: p.createdBy,
    createdTime: isoTime(p.createdTime),
    updatedTime: isoTime(p.updatedTime),
    processDate: p.processDate,
    funding: { type: 'BANK_ACCOUNT', id: p.fundingAccountId },
    disbursement: defined({ type: p.onlinePayment ? 'ACH' : 'OFFLINE', status: disbursementStatus(p.singleStatus) }),
    vendor: { id: p.vendorId, name: org.vendors.get(p.vendorId)?.name ?? '' },
    billingType: p.onlinePayment ? 'BDC' : 'NET_SYNC_FROM_OFFLINE_PAYMENT',
  });
}

export const paymentListSpec: ListSpec<Payment> = {
  entity: 'payments',
  // The payment filter whitelist is not published (A9); these are the emulator's choice.
  filters: {
    id: { ops: ops.id, kind: 'string', get: (p) => p.id },
    vendorId: { ops: ['eq', 'in'], kind: 'string', get: (p) => p.vendorId },
    billId: { ops: ['eq', 'in'], kind: 'string', get: (p) => p.billPayments.map((bp) => bp.billId) },
    singleStatus: { ops: ops.enumAll, kind: 'string', get: (p) => p.singleStatus },
    status: { ops: ops.enumAll, kind: 'string', get: (p) => rawStatus(p.singleStatus) },
    processDate: { ops: ['eq', 'gt', 'gte', 'lt', 'lte'], kind: 'date', get: (p) => p.processDate },
    createdTime: { ops: ops.time, kind: 'time', get: (p) => p.createdTime },
    updatedTime: { ops: ops.time, kind: 'time', get: (p) => p.updatedTime },
  },
  sorts: {
    description: (p) => p.description,
    processDate: (p) => p.processDate,
    amount: (p) => Number(p.amount),
    confirmationNumber: (p) => p.confirmationNumber,
    onlinePayment: (p) => p.onlinePayment,
    createdTime: (p) => p.createdTime,
    updatedTime: (p) => p.updatedTime,
    disbursementStatus: (p) => disbursementStatus(p.singleStatus),
  },
  id: (p) => p.id,
  created: (p) => p.createdTime,
};

