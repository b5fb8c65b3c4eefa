/**
 * The fields the emulator keeps per entity of Default/24.200.001, each with its wire type (the
 * OpenAPI wrapper: StringValue, DecimalValue, BooleanValue, IntValue, DateTimeValue) [AOAS]. Only the
 * fields an AP sync reads or writes are listed; a field the endpoint has but the emulator does not
 * keep is refused with a per-field error rather than silently dropped.
 */

export type FieldType = 'string' | 'decimal' | 'boolean' | 'int' | 'datetime';

export interface EntityShape {
  fields: Record<string, FieldType>;
  /** Detail collections (arrays of rows), each with its row fields. */
  details: Record<string, Record<string, FieldType>>;
  /** Linked entities (one nested object), each with its fields; `Address` inside a contact nests once more. */
  linked: Record<string, Record<string, FieldType | Record<string, FieldType>>>;
}

const s = 'string' as const;
const d = 'decimal' as const;
const b = 'boolean' as const;
const i = 'int' as const;
const t = 'datetime' as const;

const address = { AddressLine1: s, AddressLine2: s, City: s, State: s, PostalCode: s, Country: s };
const contact = { Email: s, Phone1: s, DisplayName: s, Attention: s, CompanyName: s, Address: address };

export const shapes: Record<string, EntityShape> = {
  Vendor: {
    fields: {
      VendorID: s, VendorName: s, LegalName: s, Status: s, VendorClass: s, Terms: s, CurrencyID: s, PaymentMethod: s,
      CashAccount: s, APAccount: s, APSubaccount: s, TaxZone: s, TaxRegistrationID: s, F1099Vendor: b, F1099Box: s,
      AccountRef: s, CreatedDateTime: t, LastModifiedDateTime: t,
    },
    details: {},
    linked: { MainContact: contact, RemittanceContact: contact },
  },
  Bill: {
    fields: {
      Type: s, ReferenceNbr: s, Status: s, Vendor: s, VendorRef: s, LocationID: s, Date: t, DueDate: t, PostPeriod: s,
      Description: s, Amount: d, Balance: d, TaxTotal: d, CurrencyID: s, Terms: s, Hold: b, ApprovedForPayment: b,
      BranchID: s, CashAccount: s, Project: s, IsTaxValid: b, LastModifiedDateTime: t,
    },
    details: {
      Details: {
        Account: s, Subaccount: s, Branch: s, Amount: d, ExtendedCost: d, Qty: d, UnitCost: d, UOM: s, InventoryID: s,
        Description: s, TransactionDescription: s, TaxCategory: s, Project: s, ProjectTask: s, POOrderNbr: s,
        POOrderType: s, POLine: i, POReceiptNbr: s, POReceiptType: s, POReceiptLine: i,
      },
      Applications: { DocType: s, ReferenceNbr: s, AmountPaid: d, Balance: d, Status: s },
    },
    linked: {},
  },
  Check: {
    fields: {
      Type: s, ReferenceNbr: s, Status: s, Vendor: s, PaymentMethod: s, CashAccount: s, CurrencyID: s,
      ApplicationDate: t, PaymentAmount: d, PaymentRef: s, Description: s, Hold: b, UnappliedBalance: d,
      LastModifiedDateTime: t,
    },
    details: {
      Details: { DocType: s, ReferenceNbr: s, AmountPaid: d, Balance: d, CashDiscountBalance: d, DocLineNbr: i },
      History: { DocType: s, ReferenceNbr: s, AmountPaid: d, Balance: d, CashDiscountBalance: d, CashDiscountTaken: d, VendorRef: s },
    },
    linked: {},
  },
  Account: {
    fields: {
      AccountCD: s, AccountID: i, Description: s, Type: s, AccountClass: s, AccountGroup: s, Active: b, CashAccount: b,
      CurrencyID: s, PostOption: s, Secured: b, TaxCategory: s, UseDefaultSubaccount: b, ChartOfAccountsOrder: i,
      CreatedDateTime: t, LastModifiedDateTime: t,
    },
    details: {},
    linked: {},
  },
  Subaccount: {
    fields: { SubaccountCD: s, SubaccountID: i, Description: s, Active: b, Secured: b },
    details: {},
    linked: {},
  },
  PurchaseOrder: {
    fields: {
      Type: s, OrderNbr: s, Status: s, VendorID: s, VendorRef: s, Location: s, Date: t, PromisedOn: t, Description: s,
      Hold: b, CurrencyID: s, Branch: s, Terms: s, ControlTotal: d, LineTotal: d, OrderTotal: d, TaxTotal: d,
      LastModifiedDateTime: t,
    },
    details: {
      Details: {
        LineNbr: i, LineType: s, InventoryID: s, LineDescription: s, OrderQty: d, UnitCost: d, ExtendedCost: d,
        Account: s, Subaccount: s, BranchID: s, OrderNbr: s, OrderType: s, Completed: b, Cancelled: b,
      },
    },
    linked: {},
  },
  CompaniesStructure: {
    fields: {},
    details: {
      Results: {
        CompanyID: s, CompanyName: s, CompanyType: s, CompanyStatus: b, BranchID: s, BranchName: s, BranchStatus: b,
        BranchCountry: s, BaseCurrencyID: s,
      },
    },
    linked: {},
  },
};

/** Key fields in form order (GET by keys `/<Entity>/<key1>/<key2>`) [AIR:IntegrationDev_RESTExample_Basic_Get_Record_by_Key.md]. */
export const keyFields: Record<string, string[]> = {
  Vendor: ['VendorID'],
  Bill: ['Type', 'ReferenceNbr'],
  Check: ['Type', 'ReferenceNbr'],
  Account: ['AccountCD'],
  Subaccount: ['SubaccountCD'],
  PurchaseOrder: ['Type', 'OrderNbr'],
};

/** Fields the system sets; a value sent for them is ignored, as Acumatica's read-only fields are. */
export const computedFields: Record<string, string[]> = {
  Vendor: ['CreatedDateTime', 'LastModifiedDateTime'],
  Bill: ['Status', 'Balance', 'Amount', 'LastModifiedDateTime', 'Applications'],
  Check: ['Status', 'UnappliedBalance', 'LastModifiedDateTime', 'History'],
  Account: ['AccountID', 'CreatedDateTime', 'LastModifiedDateTime'],
  Subaccount: ['SubaccountID'],
  PurchaseOrder: ['Status', 'LineTotal', 'OrderTotal', 'LastModifiedDateTime'],
};
