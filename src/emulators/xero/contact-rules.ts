import { isKnownCurrency } from '../../core/money.ts';
import type { Address, Contact, Phone } from './model.ts';
import { UUID_RE } from './query.ts';
import { done, emit, fail, has, isObj, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Contact rules (XS `Contact`; A7, A8.13): Name required and unique among ACTIVE contacts, length
 * limits from the schema, a valid email address (XHC), IsSupplier/IsCustomer read-only (ignored on
 * input, set by invoices), ARCHIVED contacts free their name.
 */

const TEXT_LIMITS: Record<string, number> = {
  Name: 255,
  ContactNumber: 50,
  AccountNumber: 50,
  FirstName: 255,
  LastName: 255,
  EmailAddress: 255,
  CompanyNumber: 50,
  TaxNumber: 50,
  BankAccountDetails: 255,
  PurchasesDefaultAccountCode: 10,
  SalesDefaultAccountCode: 10,
};

const TEXT_FIELDS = [
  'ContactNumber', 'AccountNumber', 'FirstName', 'LastName', 'EmailAddress', 'CompanyNumber',
  'BankAccountDetails', 'TaxNumber', 'PurchasesDefaultAccountCode', 'SalesDefaultAccountCode',
] as const;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const uniqueNameMessage = (name: string): string =>
  `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`;

function readAddresses(v: unknown, errors: string[]): Address[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Address[] = [];
  for (const raw of v) {
    if (!isObj(raw)) continue;
    const type = String(raw.AddressType ?? '').toUpperCase();
    if (type !== 'POBOX' && type !== 'STREET') {
      errors.push(`AddressType '${String(raw.AddressType ?? '')}' is not valid: use POBOX or STREET.`);
      continue;
    }
    const a: Address = { AddressType: type };
    for (const k of ['AddressLine1', 'AddressLine2', 'City', 'Region', 'PostalCode', 'Country', 'AttentionTo'] as const) {
      const s = str(raw, k);
      if (s !== undefined) a[k] = s;
    }
    out.push(a);
  }
  return out;
}

function readPhones(v: unknown, errors: string[]): Phone[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Phone[] = [];
  for (const raw of v) {
    if (!isObj(raw)) continue;
    const type = String(raw.PhoneType ?? '').toUpperCase();
    if (!['DEFAULT', 'DDI', 'MOBILE', 'FAX'].includes(type)) {
      errors.push(`PhoneType '${String(raw.PhoneType ?? '')}' is not valid.`);
      continue;
    }
    const p: Phone = { PhoneType: type as Phone['PhoneType'] };
    for (const k of ['PhoneNumber', 'PhoneAreaCode', 'PhoneCountryCode'] as const) {
      const s = str(raw, k);
      if (s !== undefined) p[k] = s;
    }
    out.push(p);
  }
  return out;
}

/** Merges the caller's fields over `base`; returns the new record or the messages. */
function applyFields(w: WriteCtx, base: Contact, input: In, creating: boolean): WriteResult<Contact> {
  const errors: string[] = [];
  const c: Contact = { ...base, Addresses: [...base.Addresses], Phones: [...base.Phones] };
  if (has(input, 'Name')) c.Name = String(input.Name).trim();
  if (creating && !c.Name) errors.push('The contact name must be supplied.');
  for (const k of TEXT_FIELDS) {
    const v = str(input, k);
    if (v !== undefined) c[k] = v;
  }
  for (const [k, max] of Object.entries(TEXT_LIMITS)) {
    const v = (c as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string' && v.length > max) errors.push(`${k} must be ${max} characters or fewer.`);
  }
  if (c.EmailAddress !== undefined && c.EmailAddress !== '' && !EMAIL_RE.test(c.EmailAddress)) errors.push('Email address must be valid.');
  if (has(input, 'ContactStatus')) {
    const s = String(input.ContactStatus).toUpperCase();
    if (s === 'ACTIVE' || s === 'ARCHIVED') c.ContactStatus = s;
    else errors.push(`ContactStatus '${String(input.ContactStatus)}' is not valid.`);
  }
  if (has(input, 'TaxNumberType')) {
    const s = String(input.TaxNumberType).toUpperCase();
    if (['SSN', 'EIN', 'ITIN', 'ATIN'].includes(s)) c.TaxNumberType = s as Contact['TaxNumberType'];
    else errors.push(`TaxNumberType '${String(input.TaxNumberType)}' is not valid.`);
  }
  if (has(input, 'DefaultCurrency')) {
    const cur = String(input.DefaultCurrency).toUpperCase();
    if (!isKnownCurrency(cur)) errors.push(`The currency code '${String(input.DefaultCurrency)}' is not valid.`);
    else c.DefaultCurrency = cur;
  }
  const addresses = readAddresses(input.Addresses, errors);
  if (addresses) {
    // Xero keeps one address per type; the ones sent replace those of the same type.
    c.Addresses = [...c.Addresses.filter((a) => !addresses.some((n) => n.AddressType === a.AddressType)), ...addresses];
  }
  const phones = readPhones(input.Phones, errors);
  if (phones) c.Phones = [...c.Phones.filter((p) => !phones.some((n) => n.PhoneType === p.PhoneType)), ...phones];
  if (c.ContactStatus === 'ACTIVE' && c.Name && w.tenant.activeContactByName(c.Name, c.ContactID)) errors.push(uniqueNameMessage(c.Name));
  return errors.length ? fail(errors) : done(c);
}

export function createContact(w: WriteCtx, input: In): WriteResult<Contact> {
  const base: Contact = {
    ContactID: w.tenant.uuid(),
    Name: '',
    ContactStatus: 'ACTIVE',
    Addresses: [],
    Phones: [],
    IsSupplier: false,
    IsCustomer: false,
    UpdatedDateUTC: w.now,
  };
  const r = applyFields(w, base, input, true);
  if (!r.ok) return r;
  w.tenant.contacts.set(r.record.ContactID, r.record);
  emit(w, 'CONTACT', 'CREATE', r.record.ContactID);
  return r;
}

export function updateContact(w: WriteCtx, existing: Contact, input: In): WriteResult<Contact> {
  const r = applyFields(w, existing, input, false);
  if (!r.ok) return r;
  const updated = { ...r.record, UpdatedDateUTC: w.now };
  w.tenant.contacts.set(updated.ContactID, updated);
  emit(w, 'CONTACT', 'UPDATE', updated.ContactID);
  return done(updated);
}

/** Finds a contact by id (uuid) or by ContactNumber, as GET /Contacts/{ContactID|ContactNumber} does (XS). */
export function findContact(w: Pick<WriteCtx, 'tenant'>, idOrNumber: string): Contact | undefined {
  if (UUID_RE.test(idOrNumber)) return w.tenant.contacts.get(idOrNumber.toLowerCase());
  for (const c of w.tenant.contacts.values()) if (c.ContactNumber === idOrNumber) return c;
  return undefined;
}

/**
 * The contact a document names (A7): by ContactID, else ContactNumber, else Name among ACTIVE
 * contacts; an unknown Name creates a new contact, as Xero does when an invoice names a new one.
 */
export function resolveDocumentContact(w: WriteCtx, ref: unknown): WriteResult<Contact> {
  const identify = 'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber';
  if (!isObj(ref)) return fail(['A Contact must be specified for this type of transaction']);
  const id = str(ref, 'ContactID');
  const number = str(ref, 'ContactNumber');
  const name = str(ref, 'Name')?.trim();
  if (id !== undefined && id !== '') {
    const c = w.tenant.contacts.get(id.toLowerCase());
    return c ? done(c) : fail([`The contact with ContactID '${id}' could not be found.`]);
  }
  if (number !== undefined && number !== '') {
    const c = [...w.tenant.contacts.values()].find((x) => x.ContactNumber === number);
    if (c) return done(c);
    if (!name) return fail([`The contact with ContactNumber '${number}' could not be found.`]);
  }
  if (name) {
    const c = w.tenant.activeContactByName(name);
    if (c) return done(c);
    return createContact(w, number !== undefined ? { Name: name, ContactNumber: number } : { Name: name });
  }
  return fail([identify]);
}
