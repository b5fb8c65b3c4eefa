import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import { toJsonNumber, type Money } from '../../core/money.ts';
import { isAmbiguousWrite } from '../../http/ambiguous-write-error.ts';
import { chunks } from '../chunks.ts';
import type { AcumaticaClient } from './client.ts';
import { and, eq, modifiedFrom, or } from './filters.ts';
import { checkSchema, type AcumaticaBill, type AcumaticaCheck } from './schema.ts';
import { acumaticaSpec } from './spec.ts';
import { billKeys } from './to-model.ts';
import type { PlainRecord } from './values.ts';

/** Where the link takes payments in Acumatica: a cash account and a payment method (link settings). */
export interface AcumaticaPaymentTarget {
  cashAccount: string;
  paymentMethod: string;
}

/** One payment to post: the canonical PaymentPayload's fields this writer uses. */
export interface PaymentToPost {
  erpBillId: string;
  amount: Money;
  date: string;
  reference: string;
  applicationId: string;
}

export type PaymentResult = { ok: true; targetId: string } | { ok: false; error: ConnectorError };

/** `Payment|000012`: a Check by its keys (Type, ReferenceNbr). */
export const checkId = (c: Pick<AcumaticaCheck, 'Type' | 'ReferenceNbr'>): string => `${c.Type}|${c.ReferenceNbr}`;

/** The Check a payment is saved as: type Payment, the bill's vendor, applied to the bill (Details), not on hold. */
export function checkRecord(p: PaymentToPost, target: AcumaticaPaymentTarget, bill: Pick<AcumaticaBill, 'Vendor'>, keys: { type: string; referenceNbr: string }): PlainRecord {
  return {
    Type: 'Payment',
    Vendor: bill.Vendor ?? null,
    PaymentMethod: target.paymentMethod,
    CashAccount: target.cashAccount,
    ApplicationDate: p.date,
    PaymentAmount: toJsonNumber(p.amount),
    PaymentRef: p.applicationId.slice(0, PAYMENT_REF_MAX),
    Description: p.reference,
    Hold: false,
    Details: [{ DocType: keys.type, ReferenceNbr: keys.referenceNbr, AmountPaid: toJsonNumber(p.amount) }],
  };
}

/** PaymentRef holds up to 40 characters on the AP payment (APPayment.ExtRefNbr). */
const PAYMENT_REF_MAX = 40;

const unreleased = (c: AcumaticaCheck) => c.Status === 'Balanced' || c.Status === 'On Hold';

/**
 * AP payments (the Check entity, type Payment, Checks and Payments AP302000). A payment is one
 * Check applied to its bill (Details: DocType, ReferenceNbr, AmountPaid) on the link's cash account
 * and payment method, then released (`ReleaseCheck`), which lowers the bill's balance and closes it
 * at zero. The paying system's reference goes in Description (it names the BILL payment and its
 * application, too long for PaymentRef); PaymentRef carries the application id alone, unique per
 * payment as payment methods that enforce it require. A Check left unreleased (its release failed)
 * is released by the next attempt rather than created again.
 */
export class AcumaticaPayments {
  constructor(private readonly client: AcumaticaClient) {}

  /** Checks of type Payment whose Description is one of these references, optionally only those saved since a time. */
  async findByReference(references: readonly string[], since?: Date): Promise<AcumaticaCheck[]> {
    const out: AcumaticaCheck[] = [];
    for (const part of chunks([...new Set(references)].filter(Boolean), acumaticaSpec.batchCaps.idsPerFilter)) {
      const filter = and(eq('Type', 'Payment'), or(...part.map((r) => eq('Description', r))), since ? modifiedFrom(since) : undefined);
      for await (const page of this.client.list('Check', checkSchema, { filter })) out.push(...page.records);
    }
    return out.filter((c) => c.Status !== 'Voided');
  }

  async post(payments: readonly PaymentToPost[], target: AcumaticaPaymentTarget, bills: ReadonlyMap<string, AcumaticaBill>): Promise<PaymentResult[]> {
    const existing = new Map((await this.findByReference(payments.map((p) => p.reference))).map((c) => [c.Description ?? '', c]));
    const results: PaymentResult[] = [];
    for (const p of payments) {
      try {
        results.push(await this.postOne(p, target, bills.get(p.erpBillId), existing.get(p.reference)));
      } catch (e) {
        // A lost answer leaves this payment (and the batch) to the search by reference.
        if (isAmbiguousWrite(e)) throw e;
        results.push({ ok: false, error: asConnectorError(e) });
      }
    }
    return results;
  }

  private async postOne(p: PaymentToPost, target: AcumaticaPaymentTarget, bill: AcumaticaBill | undefined, found: AcumaticaCheck | undefined): Promise<PaymentResult> {
    if (found) {
      if (found.Status === 'Balanced') await this.release(found);
      return { ok: true, targetId: checkId(found) };
    }
    const keys = billKeys(p.erpBillId);
    if (!keys || !bill) {
      return { ok: false, error: new ConnectorError({ code: 'MLC_ERR_NOT_FOUND', system: 'acumatica', message: `the Acumatica bill ${p.erpBillId} to apply this payment to was not found` }) };
    }
    const check = await this.client.put('Check', checkRecord(p, target, bill, keys), checkSchema, { mode: 'insert', expand: 'Details' });
    try {
      await this.release(check);
    } catch (e) {
      if (isAmbiguousWrite(e)) throw e;
      const error = asConnectorError(e);
      return {
        ok: false,
        error: new ConnectorError({ code: error.code, system: 'acumatica', ...(error.status !== undefined ? { status: error.status } : {}), message: `payment ${checkId(check)} was saved but not released (${error.message}); the next attempt releases it`, cause: error }),
      };
    }
    return { ok: true, targetId: checkId(check) };
  }

  async release(check: Pick<AcumaticaCheck, 'Type' | 'ReferenceNbr'>): Promise<void> {
    await this.client.invoke('Check', 'ReleaseCheck', { Type: check.Type, ReferenceNbr: check.ReferenceNbr });
  }

  /**
   * Takes a payment back: a released one is voided (`VoidCheck` adds a Voided Payment and gives the
   * bill its balance back); one never released is deleted.
   */
  async remove(id: string): Promise<void> {
    const keys = billKeys(id);
    if (!keys) throw new ConnectorError({ code: 'MLC_ERR_NOT_FOUND', system: 'acumatica', message: `'${id}' names no Acumatica payment` });
    const check = await this.client.getByKeys('Check', [keys.type, keys.referenceNbr], checkSchema);
    if (!check || check.Status === 'Voided') return;
    if (unreleased(check)) {
      await this.client.call('DELETE', `/Check/${encodeURIComponent(keys.type)}/${encodeURIComponent(keys.referenceNbr)}`, checkSchema.optional(), 'deleteCheck');
      return;
    }
    await this.client.invoke('Check', 'VoidCheck', { Type: keys.type, ReferenceNbr: keys.referenceNbr });
  }

  /** Every AP payment saved since a time (or all), with its applications (for reconcile). */
  async *iterate(since?: Date): AsyncGenerator<AcumaticaCheck[]> {
    const filter = and(eq('Type', 'Payment'), since ? modifiedFrom(since) : undefined);
    for await (const page of this.client.list('Check', checkSchema, { filter, expand: 'Details,History' })) yield page.records;
  }
}
