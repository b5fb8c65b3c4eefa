import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import type { DecimalString } from '../decimal-amount.ts';
import type { QboCompanyClient } from './company-client.ts';
import type { QboItemResult } from './item-result.ts';
import type { QboAccount, QboBillPayment } from './schema.ts';
import { itemFailure } from './sync-token.ts';
import { payTypeOfAccount } from './to-model.ts';
import type { QboBillPaymentInput } from './write-shapes.ts';

const skewMs = 15 * 60_000;

/** One payment to apply to one Bill. */
export interface QboPaymentCreate {
  billId: string;
  amount: DecimalString;
  date: string;
  /** Goes into PrivateNote, where the search after a lost answer finds it. */
  reference: string;
  intentKey: string;
}

/**
 * BillPayments applied to a Bill, in part or in full (Finance.xsd BillPayment: VendorRef, PayType
 * Check with CheckPayment.BankAccountRef or CreditCard with CreditCardPayment.CCAccountRef,
 * TotalAmt, Line[].LinkedTxn → Bill). The vendor is the bill's, read first. Each create carries a
 * `requestid` from its intent, so a repeat replays.
 */
export class QboPaymentWriter {
  constructor(
    private readonly client: QboCompanyClient,
    private readonly accounts: () => Promise<QboAccount[]>,
  ) {}

  /** The bank or credit card account paid from, by id or else by account number. */
  async paymentAccount(ref: { id?: string | undefined; code?: string | undefined }): Promise<{ account: QboAccount; payType: 'Check' | 'CreditCard' }> {
    const all = await this.accounts();
    const account = all.find((a) => (ref.id ? a.Id === ref.id : ref.code !== undefined && a.AcctNum === ref.code));
    const payType = account ? payTypeOfAccount(account) : null;
    if (!account || !payType) {
      const which = ref.id ? `id ${ref.id}` : `number ${ref.code ?? '(none)'}`;
      throw new ConnectorError({
        code: 'MLC_ERR_CONFIG',
        system: 'qbo',
        message: `the link's payment account (${which}) is ${account ? `of type ${account.AccountType ?? 'unknown'}` : 'not in the QuickBooks Online chart'}; choose a Bank or Credit Card account.`,
      });
    }
    return { account, payType };
  }

  async create(items: readonly QboPaymentCreate[], ref: { id?: string | undefined; code?: string | undefined }): Promise<QboItemResult[]> {
    const { account, payType } = await this.paymentAccount(ref);
    return mapLimit(items, 4, async (p): Promise<QboItemResult> => {
      try {
        const bill = await this.client.read('Bill', p.billId);
        const input: QboBillPaymentInput = {
          VendorRef: { value: bill.VendorRef.value },
          PayType: payType,
          ...(payType === 'Check' ? { CheckPayment: { BankAccountRef: { value: account.Id }, PrintStatus: 'NotSet' } } : { CreditCardPayment: { CCAccountRef: { value: account.Id } } }),
          TotalAmt: p.amount,
          TxnDate: p.date,
          PrivateNote: p.reference,
          Line: [{ Amount: p.amount, LinkedTxn: [{ TxnId: p.billId, TxnType: 'Bill' }] }],
        };
        return { ok: true, targetId: (await this.client.create('BillPayment', input, { intentKey: p.intentKey })).Id };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  /** BillPayments created since `since` whose PrivateNote is one of these references. */
  async findByReference(references: readonly string[], since: Date): Promise<{ key: string; id: string }[]> {
    const wanted = new Set(references);
    const from = new Date(since.getTime() - skewMs).toISOString();
    const found: { key: string; id: string }[] = [];
    for await (const page of this.client.query('BillPayment', [{ field: 'MetaData.CreateTime', op: '>=', value: from }])) {
      for (const p of page.records as QboBillPayment[]) if (p.PrivateNote && wanted.has(p.PrivateNote)) found.push({ key: p.PrivateNote, id: p.Id });
    }
    return found;
  }
}
