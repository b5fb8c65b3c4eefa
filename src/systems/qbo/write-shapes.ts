import { encodeAmounts, type DecimalString } from '../decimal-amount.ts';

/**
 * What the connector sends to QBO, with the XSD's field names (Finance.xsd, IntuitNamesTypes.xsd).
 * Amounts are held as decimal text and become JSON numbers only in `encodeQbo`.
 */
export interface QboRefInput {
  value: string;
  name?: string;
}

export interface QboAddressInput {
  Line1?: string;
  Line2?: string;
  City?: string;
  CountrySubDivisionCode?: string;
  PostalCode?: string;
  Country?: string;
}

export interface QboVendorInput {
  DisplayName: string;
  CompanyName?: string;
  PrintOnCheckName?: string;
  PrimaryEmailAddr?: { Address: string };
  PrimaryPhone?: { FreeFormNumber: string };
  BillAddr?: QboAddressInput;
  TaxIdentifier?: string;
  CurrencyRef?: QboRefInput;
  Active?: boolean;
}

export interface QboExpenseLineInput {
  Id?: string;
  Amount: DecimalString;
  Description?: string;
  DetailType: 'AccountBasedExpenseLineDetail';
  AccountBasedExpenseLineDetail: { AccountRef: QboRefInput; ClassRef?: QboRefInput };
}

/** PurchaseByVendor fields a PurchaseOrder and a Bill share. */
interface PurchaseByVendorInput {
  VendorRef: QboRefInput;
  Line: QboExpenseLineInput[];
  DocNumber?: string;
  TxnDate?: string;
  PrivateNote?: string;
  APAccountRef?: QboRefInput;
  DepartmentRef?: QboRefInput;
  CurrencyRef?: QboRefInput;
}

export interface QboPurchaseOrderInput extends PurchaseByVendorInput {
  DueDate?: string;
  POStatus?: 'Open' | 'Closed';
}

export interface QboBillInput extends PurchaseByVendorInput {
  DueDate?: string;
  /** A Bill made from a PurchaseOrder links it here, which closes the PO. */
  LinkedTxn?: { TxnId: string; TxnType: 'PurchaseOrder' }[];
}

export interface QboBillPaymentInput {
  VendorRef: QboRefInput;
  PayType: 'Check' | 'CreditCard';
  CheckPayment?: { BankAccountRef: QboRefInput; PrintStatus?: 'NotSet' | 'NeedToPrint' | 'PrintComplete' };
  CreditCardPayment?: { CCAccountRef: QboRefInput };
  TotalAmt: DecimalString;
  TxnDate?: string;
  DocNumber?: string;
  PrivateNote?: string;
  Line: { Amount: DecimalString; LinkedTxn: { TxnId: string; TxnType: 'Bill' }[] }[];
}

/** A sparse update: only the fields sent change (Id and SyncToken required). */
export type QboSparse<T> = Partial<T> & { Id: string; SyncToken: string; sparse: true };

const amountKeys: ReadonlySet<string> = new Set(['Amount', 'TotalAmt']);

/** The JSON body for a write: decimal amounts as JSON numbers, undefined fields dropped. */
export function encodeQbo(value: unknown): unknown {
  return encodeAmounts(value, amountKeys);
}
