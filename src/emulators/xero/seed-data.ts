import type { Account, TaxRate } from './model.ts';

/**
 * Fixed material for generated organisations: a US chart of accounts shaped like Xero's
 * "Demo Company (US)" (BANK accounts, an account with payments enabled, expense accounts with codes,
 * AP/AR control accounts), tax rates, and word lists for supplier and customer names. Domains use
 * the reserved `.example` TLD so no generated address reaches a real mailbox.
 */

export type AccountSeed = Omit<Account, 'AccountID' | 'UpdatedDateUTC' | 'Status' | 'ShowInExpenseClaims' | 'EnablePaymentsToAccount'> & {
  EnablePaymentsToAccount?: boolean;
  /** Supplier kinds whose bills usually land here. */
  kinds?: string[];
};

export const BANK_ACCOUNTS: AccountSeed[] = [
  { Code: '090', Name: 'Business Checking Account', Type: 'BANK', Class: 'ASSET', TaxType: 'NONE', BankAccountNumber: '021000021-4471', BankAccountType: 'BANK', CurrencyCode: 'USD' },
  { Code: '091', Name: 'Business Savings Account', Type: 'BANK', Class: 'ASSET', TaxType: 'NONE', BankAccountNumber: '021000021-8820', BankAccountType: 'BANK', CurrencyCode: 'USD' },
  { Code: '092', Name: 'Euro Operating Account', Type: 'BANK', Class: 'ASSET', TaxType: 'NONE', BankAccountNumber: 'DE89370400440532013000', BankAccountType: 'BANK', CurrencyCode: 'EUR' },
  { Code: '093', Name: 'Company Credit Card', Type: 'BANK', Class: 'ASSET', TaxType: 'NONE', BankAccountNumber: '4111-XXXX-XXXX-1111', BankAccountType: 'CREDITCARD', CurrencyCode: 'USD' },
];

export const OTHER_ACCOUNTS: AccountSeed[] = [
  { Code: '120', Name: 'Accounts Receivable', Type: 'CURRENT', Class: 'ASSET', TaxType: 'NONE', SystemAccount: 'DEBTORS' },
  { Code: '200', Name: 'Sales', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT', Description: 'Income from any normal business activity' },
  { Code: '260', Name: 'Other Revenue', Type: 'REVENUE', Class: 'REVENUE', TaxType: 'OUTPUT' },
  { Code: '310', Name: 'Cost of Goods Sold', Type: 'DIRECTCOSTS', Class: 'EXPENSE', TaxType: 'INPUT' },
  { Code: '800', Name: 'Accounts Payable', Type: 'CURRLIAB', Class: 'LIABILITY', TaxType: 'NONE', SystemAccount: 'CREDITORS' },
  { Code: '820', Name: 'Sales Tax', Type: 'CURRLIAB', Class: 'LIABILITY', TaxType: 'NONE' },
  {
    Code: '855',
    Name: 'Owner Loan Clearing',
    Type: 'CURRLIAB',
    Class: 'LIABILITY',
    TaxType: 'NONE',
    EnablePaymentsToAccount: true,
    Description: 'Bills paid personally by the owner; payments enabled so they can be recorded here',
  },
  { Code: '960', Name: 'Retained Earnings', Type: 'EQUITY', Class: 'EQUITY', TaxType: 'NONE', SystemAccount: 'RETAINEDEARNINGS' },
  { Code: '970', Name: "Owner's Equity", Type: 'EQUITY', Class: 'EQUITY', TaxType: 'NONE' },
];

export const EXPENSE_ACCOUNTS: AccountSeed[] = [
  { Code: '400', Name: 'Advertising & Marketing', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Marketing Agency', 'Print & Design'] },
  { Code: '404', Name: 'Bank Service Charges', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'NONE' },
  { Code: '408', Name: 'Janitorial Expenses', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Cleaning Co.', 'Facilities'] },
  { Code: '412', Name: 'Consulting & Accounting', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Consulting Group', 'Legal LLP'] },
  { Code: '420', Name: 'Entertainment', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Catering'] },
  { Code: '425', Name: 'Postage & Delivery', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Logistics', 'Freight'] },
  { Code: '429', Name: 'General Expenses', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT' },
  { Code: '433', Name: 'Insurance', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'NONE', kinds: ['Insurance Brokers'] },
  { Code: '441', Name: 'Legal Expenses', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Legal LLP'] },
  { Code: '445', Name: 'Utilities', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Electric'] },
  { Code: '449', Name: 'Automobile Expenses', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT' },
  { Code: '453', Name: 'Office Expenses', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Office Supplies'] },
  { Code: '461', Name: 'Printing & Stationery', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Print & Design', 'Office Supplies'] },
  { Code: '469', Name: 'Rent', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'NONE', kinds: ['Facilities'] },
  { Code: '473', Name: 'Repairs and Maintenance', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Facilities', 'Electric'] },
  { Code: '485', Name: 'Dues & Subscriptions', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Software Inc.', 'IT Services'] },
  { Code: '489', Name: 'Telephone & Internet', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['Telecom'] },
  { Code: '493', Name: 'Travel - National', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT' },
  { Code: '494', Name: 'Travel - International', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'NONE' },
  { Code: '497', Name: 'Computer Equipment Expense', Type: 'EXPENSE', Class: 'EXPENSE', TaxType: 'INPUT', kinds: ['IT Services', 'Software Inc.'] },
];

/** US tax rates: purchases and sales untaxed by default, one sales-tax rate for taxed lines. Percent × 10^4. */
export const TAX_RATES: TaxRate[] = [
  { TaxType: 'NONE', Name: 'Tax Exempt', Rate: 0n },
  { TaxType: 'INPUT', Name: 'Tax on Purchases', Rate: 0n },
  { TaxType: 'OUTPUT', Name: 'Tax on Sales', Rate: 0n },
  { TaxType: 'TAX001', Name: 'Sales Tax (8.25%)', Rate: 82_500n },
];

export const SUPPLIER_PREFIXES = [
  'Acme', 'Bayside', 'Cobalt', 'Delta', 'Evergreen', 'Fairway', 'Granite', 'Harbor', 'Ironwood', 'Juniper',
  'Keystone', 'Lakeside', 'Meridian', 'Northwind', 'Oakridge', 'Pinnacle', 'Quarry', 'Redwood', 'Summit',
  'Tidewater', 'Union', 'Vantage', 'Westfield', 'Yellowpine', 'Zenith',
];

export const SUPPLIER_KINDS = [
  'Office Supplies', 'Logistics', 'IT Services', 'Cleaning Co.', 'Print & Design', 'Legal LLP', 'Consulting Group',
  'Electric', 'Telecom', 'Insurance Brokers', 'Catering', 'Facilities', 'Software Inc.', 'Freight', 'Marketing Agency',
];

export const LINE_DESCRIPTIONS: Record<string, string[]> = {
  '400': ['Social media campaign', 'Trade show booth', 'Search ads, monthly'],
  '404': ['Wire transfer fee', 'Monthly account fee'],
  '408': ['Office cleaning, monthly', 'Carpet cleaning', 'Window washing'],
  '412': ['Advisory services', 'Quarterly bookkeeping', 'Tax preparation'],
  '420': ['Client lunch', 'Team offsite catering'],
  '425': ['Courier deliveries', 'Freight, inbound pallets', 'Overnight shipping'],
  '429': ['Sundry expenses', 'Miscellaneous supplies'],
  '433': ['General liability premium', 'Property insurance installment'],
  '441': ['Contract review', 'Trademark filing'],
  '445': ['Electricity', 'Water and sewer'],
  '449': ['Fleet fuel', 'Vehicle service'],
  '453': ['Printer paper, 10 reams', 'Toner cartridges', 'Desk chairs', 'Coffee supplies'],
  '461': ['Business cards', 'Brochure printing', 'Letterhead'],
  '469': ['Office rent', 'Storage unit rent'],
  '473': ['HVAC maintenance', 'Plumbing repair', 'Door lock replacement'],
  '485': ['SaaS subscription, annual', 'Software licences', 'Cloud hosting'],
  '489': ['Internet service', 'Mobile phone plan', 'VoIP lines'],
  '493': ['Airfare, domestic', 'Hotel, 2 nights'],
  '494': ['Airfare, international', 'Hotel abroad'],
  '497': ['Laptop', 'Monitors', 'Network switch'],
};

export const US_PLACES = [
  { City: 'Austin', Region: 'TX', PostalCode: '78701' },
  { City: 'Denver', Region: 'CO', PostalCode: '80202' },
  { City: 'Portland', Region: 'OR', PostalCode: '97204' },
  { City: 'Columbus', Region: 'OH', PostalCode: '43215' },
  { City: 'Raleigh', Region: 'NC', PostalCode: '27601' },
  { City: 'Madison', Region: 'WI', PostalCode: '53703' },
  { City: 'Sacramento', Region: 'CA', PostalCode: '95814' },
];

export const EU_PLACES = [
  { City: 'Berlin', Region: 'Berlin', PostalCode: '10115', Country: 'Germany', vat: 'DE' },
  { City: 'Lyon', Region: 'Auvergne-Rhone-Alpes', PostalCode: '69002', Country: 'France', vat: 'FR' },
  { City: 'Rotterdam', Region: 'Zuid-Holland', PostalCode: '3011', Country: 'Netherlands', vat: 'NL' },
];

export const UK_PLACES = [
  { City: 'Manchester', Region: 'Greater Manchester', PostalCode: 'M1 1AE', Country: 'United Kingdom' },
  { City: 'Bristol', Region: 'Bristol', PostalCode: 'BS1 4DJ', Country: 'United Kingdom' },
];

export const STREETS = ['Main Street', 'Market Street', 'Harbor Way', 'Industrial Parkway', 'Commerce Drive', 'Elm Avenue', 'Station Road'];

export const CUSTOMER_NAMES = [
  'Riverside Dental Group', 'Northgate School District', 'Bluebird Cafe', 'Hilltop Veterinary Clinic',
  'Crescent Realty', 'Maple Street Bakery', 'Orchard Fitness', 'Silverline Architects', 'Brightside Pediatrics',
  'Copperfield Brewing',
];

export const TRACKING = [
  { Name: 'Region', Status: 'ACTIVE' as const, Options: ['East', 'West', 'North', 'South'], archivedOptions: ['Central'] },
  { Name: 'Department', Status: 'ACTIVE' as const, Options: ['Operations', 'Sales', 'Administration', 'Engineering'], archivedOptions: [] },
  { Name: 'Project', Status: 'ARCHIVED' as const, Options: ['Alpha', 'Beta'], archivedOptions: [] },
];
