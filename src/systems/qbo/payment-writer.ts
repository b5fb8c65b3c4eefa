import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import { formatMoney } from '../../core/money.ts';
import type { EntityWriter, MatchFound, PaymentAccountRef, WriteResult } from '../../engine/ports.ts';
import type { PaymentPayload } from '../../model/payloads.ts';
import type { QboCompanyClient } from './company-client.ts';
import type { QboAccount } from './schema.ts';
import { itemFailure } from './sync-token.ts';
import { payTypeOfAccount } from './to-model.ts';
import type { QboBillPaymentInput } from './write-shapes.ts';

const skewMs = 15 * 60_000;

/**
 * BILL payment applications recorded in QBO as BillPayments applied to a Bill, in part or in full
 * (Finance.xsd BillPayment: VendorRef, PayType Check with CheckPayment.BankAccountRef or CreditCard
 * with CreditCardPayment.CCAccountRef, TotalAmt, Line[].LinkedTxn → Bill). The vendor is the
 * bill's. The payment's reference goes into PrivateNote, where the search after a lost answer
 * finds it, and the create's `requestid` comes from the application id, so a repeat replays.
 */
export class QboPaymentWriter implements EntityWriter<PaymentPayload, PaymentAccountRef> {
  readonly caps = { batch: 30, inFlight: 1, atomic: false };

  constructor(
    private readonly client: QboCompanyClient,
    private readonly accounts: () => Promise<QboAccount[]>,
  ) {}

  /** The bank or credit card account paid from, by id or else by account number. */
  async paymentAccount(ref: PaymentAccountRef): Promise<{ account: QboAccount; payType: 'Check' | 'CreditCard' }> {
    const all = await this.accounts();
    const account = all.find((a) => (ref.id ? a.Id === ref.id : ref.code !== undefined && a.AcctNum === ref.code));
    const payType = account ? payTypeOfAccount(account) : null;
    if (!account || !payType) {
      throw new ConnectorError({
        code: 'MLC_ERR_CONFIG',
        system: 'qbo',
        message: `the link's payment account (${ref.id ? `id ${ref.id}` : `number ${ref.code ?? '?'}`}) is ${account ? `a ${account.AccountType ?? 'non-bank'} account` : 'not in the QuickBooks Online chart'}; choose a Bank or Credit Card account.`,
      });
    }
    return { account, payType };
  }

  async create(payloads: readonly PaymentPayload[], ref: PaymentAccountRef): Promise<WriteResult[]> {
    const { account, payType } = await this.paymentAccount(ref);
    return mapLimit(payloads, 4, async (p): Promise<WriteResult> => {
      try {
        const bill = await this.client.read('Bill', p.erpBillId);
        const input: QboBillPaymentInput = {
          VendorRef: { value: bill.VendorRef.value },
          PayType: payType,
          ...(payType === 'Check' ? { CheckPayment: { BankAccountRef: { value: account.Id }, PrintStatus: 'NotSet' } } : { CreditCardPayment: { CCAccountRef: { value: account.Id } } }),
          TotalAmt: formatMoney(p.amount),
          TxnDate: p.date,
          PrivateNote: p.reference,
          Line: [{ Amount: formatMoney(p.amount), LinkedTxn: [{ TxnId: p.erpBillId, TxnType: 'Bill' }] }],
        };
        const created = await this.client.create('BillPayment', input, { intentKey: `payment:${p.applicationId}` });
        return { ok: true, targetId: created.Id };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  /** BillPayments created since `since` whose PrivateNote is one of these references. */
  async findByMatchKey(keys: readonly string[], since: Date): Promise<MatchFound[]> {
    const wanted = new Set(keys);
    const from = new Date(since.getTime() - skewMs).toISOString();
    const found: MatchFound[] = [];
    for await (const page of this.client.query('BillPayment', [{ field: 'MetaData.CreateTime', op: '>=', value: from }])) {
      for (const p of page.records) if (p.PrivateNote && wanted.has(p.PrivateNote)) found.push({ key: p.PrivateNote, id: p.Id });
    }
    return found;
  }
}
