/**
 * Checking vendor bodies (reference A4, [BR:createvendor], [BPM]): `name` is required on create; PATCH
 * may not touch bank account details, which have their own endpoints.
 */
import { isKnownCurrency } from '../../core/money.ts';
import type { Address, Vendor } from './model.ts';
import { Checker, defined, isObject, type Json } from './validate.ts';

const accountTypes = ['BUSINESS', 'PERSON', 'NONE'] as const;
const vendorFields = ['name', 'shortName', 'accountNumber', 'accountType', 'email', 'phone', 'address', 'paymentInformation', 'billCurrency', 'additionalInfo'];
const addressFields = ['line1', 'line2', 'city', 'stateOrProvince', 'zipOrPostalCode', 'country'];
const paymentInfoFields = ['payeeName', 'email', 'bankAccount'];
const bankFields = ['nameOnAccount', 'accountNumber', 'routingNumber', 'type', 'ownerType', 'paymentCurrency'];
const additionalFields = ['taxId', 'taxIdType', 'track1099', 'leadTimeInDays', 'combinePayments', 'paymentTermId', 'companyName'];

export type VendorInput = Partial<Omit<Vendor, 'id' | 'archived' | 'createdTime' | 'updatedTime'>>;

function checkAddress(c: Checker, obj: Json): Address {
  c.keys(obj, addressFields, 'address');
  const country = c.string(obj, 'country', 'address');
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) c.fail('address.country must be an ISO 3166-1 alpha-2 code such as US.');
  return defined({
    line1: c.string(obj, 'line1', 'address'),
    line2: c.string(obj, 'line2', 'address'),
    city: c.string(obj, 'city', 'address'),
    stateOrProvince: c.string(obj, 'stateOrProvince', 'address'),
    zipOrPostalCode: c.string(obj, 'zipOrPostalCode', 'address'),
    country,
  });
}

/** Validates a vendor body; `partial` for PATCH, where bank account details are refused. */
export function checkVendor(body: unknown, partial: boolean, prefix = ''): { input: VendorInput; errors: string[] } {
  const c = new Checker(prefix);
  if (!isObject(body)) {
    c.fail('The request body must be a vendor object.');
    return { input: {}, errors: c.errors };
  }
  c.keys(body, vendorFields, '');
  const input: VendorInput = defined({
    name: c.string(body, 'name', '', { required: !partial, max: 100 }),
    shortName: c.string(body, 'shortName', '', { max: 40 }),
    accountNumber: c.string(body, 'accountNumber', ''),
    accountType: c.oneOf(body, 'accountType', '', accountTypes),
    email: c.string(body, 'email', ''),
    phone: c.string(body, 'phone', ''),
    billCurrency: c.string(body, 'billCurrency', ''),
  });
  if (partial && 'name' in body && input.name === '') c.fail('name is required.');
  if (input.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(input.email)) c.fail('email is not a valid email address.');
  if (input.billCurrency !== undefined && !isKnownCurrency(input.billCurrency)) c.fail('billCurrency must be an ISO 4217 currency code.');
  const address = c.object(body, 'address', '');
  if (address) input.address = checkAddress(c, address);
  const pay = c.object(body, 'paymentInformation', '');
  if (pay) {
    c.keys(pay, paymentInfoFields, 'paymentInformation');
    const payeeName = c.string(pay, 'payeeName', 'paymentInformation');
    const paymentEmail = c.string(pay, 'email', 'paymentInformation');
    if (payeeName !== undefined) input.payeeName = payeeName;
    if (paymentEmail !== undefined) input.paymentEmail = paymentEmail;
    const bank = c.object(pay, 'bankAccount', 'paymentInformation');
    if (bank && partial) {
      c.fail('paymentInformation.bankAccount cannot be changed with PATCH /v3/vendors/{vendorId}; use the vendor bank-account endpoints.');
    } else if (bank) {
      c.keys(bank, bankFields, 'paymentInformation.bankAccount');
      const b = 'paymentInformation.bankAccount';
      input.bankAccount = defined({
        nameOnAccount: c.string(bank, 'nameOnAccount', b, { required: true }),
        accountNumber: c.string(bank, 'accountNumber', b, { required: true }),
        routingNumber: c.string(bank, 'routingNumber', b),
        type: c.oneOf(bank, 'type', b, ['CHECKING', 'SAVINGS']),
        ownerType: c.oneOf(bank, 'ownerType', b, ['BUSINESS', 'PERSONAL']),
        paymentCurrency: c.string(bank, 'paymentCurrency', b),
      });
    }
  }
  const extra = c.object(body, 'additionalInfo', '');
  if (extra) {
    c.keys(extra, additionalFields, 'additionalInfo');
    const a = 'additionalInfo';
    input.additionalInfo = defined({
      taxId: c.string(extra, 'taxId', a),
      taxIdType: c.oneOf(extra, 'taxIdType', a, ['EIN', 'SSN']),
      track1099: c.boolean(extra, 'track1099', a),
      leadTimeInDays: c.integer(extra, 'leadTimeInDays', a),
      combinePayments: c.boolean(extra, 'combinePayments', a),
      paymentTermId: c.string(extra, 'paymentTermId', a),
      companyName: c.string(extra, 'companyName', a),
    });
  }
  return { input, errors: c.errors };
}

