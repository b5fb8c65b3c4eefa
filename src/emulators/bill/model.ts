/**
 * In-memory records. Field names follow BILL's JSON (reference A4–A7, A12) so the views stay thin;
 * amounts are bigint minor units and times are epoch milliseconds.
 */
import type { LoginSession } from '../kit/sessions.ts';
import type { WireOverrides } from '../kit/wire-overrides.ts';

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  stateOrProvince?: string;
  zipOrPostalCode?: string;
  country?: string;
}

export interface BankAccount {
  nameOnAccount?: string;
  accountNumber?: string;
  routingNumber?: string;
  type?: string;
  ownerType?: string;
  paymentCurrency?: string;
}

export interface AdditionalInfo {
  taxId?: string;
  taxIdType?: string;
  track1099?: boolean;
  leadTimeInDays?: number;
  combinePayments?: boolean;
  paymentTermId?: string;
  companyName?: string;
}

export interface Vendor {
  id: string;
  archived: boolean;
  name: string;
  shortName?: string;
  accountNumber?: string;
  accountType: string;
  email?: string;
  phone?: string;
  address?: Address;
  payeeName?: string;
  paymentEmail?: string;
  bankAccount?: BankAccount;
  additionalInfo?: AdditionalInfo;
  billCurrency: string;
  lastPaymentDate?: string;
  createdTime: number;
  updatedTime: number;
}

/** GL coding on a line or a bill: `classifications.{chartOfAccountId, departmentId, ...}` (A5). */
export type Classifications = Record<string, string>;

export interface BillLine {
  id: string;
  amount: bigint;
  /** Decimal text as sent, kept exact. */
  quantity?: string;
  price?: string;
  description?: string;
  classifications?: Classifications;
}

export interface Bill {
  id: string;
  archived: boolean;
  vendorId: string;
  currency: string;
  description?: string;
  dueDate: string;
  invoice: { invoiceNumber: string; invoiceDate: string };
  lines: BillLine[];
  payFromChartOfAccountId?: string;
  classifications?: Classifications;
  purchaseOrderNumber?: string;
  createdTime: number;
  updatedTime: number;
}

/** How often a recurring bill makes a bill: every `frequency` weeks, months or years ([BPM] `schedule`). */
export interface RecurringSchedule {
  period: 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  frequency: number;
  /** yyyy-MM-dd; absent once the schedule has passed its end date. */
  nextDueDate?: string;
  endDate?: string;
  /** The bill is made this many days before its due date. */
  daysInAdvance: number;
}

/** A recurring bill template (`/v3/recurringbills`, [BPM]); each occurrence becomes an ordinary bill. */
export interface RecurringBill {
  id: string;
  archived: boolean;
  vendorId: string;
  currency: string;
  description?: string;
  schedule: RecurringSchedule;
  /** The first due date and how many bills were made: later dates count from it (31 Jan → 28 Feb → 31 Mar). */
  anchorDate: string;
  occurrences: number;
  lines: BillLine[];
  autoPayment: boolean;
  bankAccountId?: string;
  /** Ids of the bills this template made, oldest first. */
  billIds: string[];
  createdTime: number;
  updatedTime: number;
}

export interface BillPayment {
  id: string;
  billId: string;
  amount: bigint;
}

export interface VoidInfo {
  id: string;
  requestedBy: string;
  type: string;
  status: string;
  reason: string;
  createdTime: number;
  updatedTime: number;
}

export interface Payment {
  id: string;
  vendorId: string;
  currency: string;
  billPayments: BillPayment[];
  amount: bigint;
  description?: string;
  processDate: string;
  singleStatus: string;
  onlinePayment: boolean;
  fundingAccountId: string;
  transactionNumber: string;
  confirmationNumber: string;
  createdBy: string;
  voidInfo: VoidInfo[];
  createdTime: number;
  updatedTime: number;
}

export interface Account {
  id: string;
  archived: boolean;
  name: string;
  description?: string;
  parentId?: string;
  type: string;
  number?: string;
  createdTime: number;
  updatedTime: number;
}

export interface Department {
  id: string;
  archived: boolean;
  name: string;
  shortName?: string;
  description?: string;
  parentId?: string;
  createdTime: number;
  updatedTime: number;
}

export interface SubscriptionEvent {
  type: string;
  version: string;
}

export interface Subscription {
  id: string;
  name: string;
  enabled: boolean;
  events: SubscriptionEvent[];
  notificationUrl: string;
  securityKey: string;
  createdTime: number;
  updatedTime: number;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'DROPPED' | 'NOT_SENT';

/** One notification in a subscription's event history (`GET /v3/events/subscription/{id}`). */
export interface EventRecord {
  id: string;
  type: string;
  version: string;
  subscriptionId: string;
  entityId: string;
  payload: string;
  createdTime: number;
  /** Last HTTP status from the receiver; 0 while none was received. */
  statusCode: number;
  deliveryStatus: DeliveryStatus;
  attempts: number;
}

export interface Organization {
  id: string;
  name: string;
  createdTime: number;
  vendors: Map<string, Vendor>;
  bills: Map<string, Bill>;
  payments: Map<string, Payment>;
  /** billId → ids of payments that reference it. */
  paymentsByBill: Map<string, Set<string>>;
  accounts: Map<string, Account>;
  departments: Map<string, Department>;
  recurringBills: Map<string, RecurringBill>;
  subscriptions: Map<string, Subscription>;
  events: Map<string, EventRecord[]>;
  /** X-Idempotent-Key → cached successful response (A12: replayed for 24 h). */
  idempotency: Map<string, { expiresAt: number; status: number; body: unknown }>;
  /** Test knob (`POST /_emulator/wire-overrides`): vendors, bills and payments sent altered by the read routes. */
  wire: WireOverrides;
}

/** Who a `POST /v3/login` session signed in as; the session itself is the kit's (kit/sessions.ts). */
export interface SessionData {
  devKey: string;
  organizationId: string;
  userId: string;
}

export type Session = LoginSession<SessionData>;
