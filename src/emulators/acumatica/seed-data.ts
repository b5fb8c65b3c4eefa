/** The names the seed draws from: a mid-size US firm's GL, departments, locations and suppliers. */

export const seedAccounts: readonly [code: string, description: string, type: 'Asset' | 'Liability' | 'Income' | 'Expense', cash?: boolean][] = [
  ['10100', 'Operating Cash', 'Asset', true],
  ['10200', 'Payroll Cash', 'Asset', true],
  ['10300', 'Petty Cash', 'Asset', true],
  ['12000', 'Accounts Receivable', 'Asset'],
  ['14000', 'Prepaid Expenses', 'Asset'],
  ['15000', 'Furniture and Equipment', 'Asset'],
  ['20000', 'Accounts Payable', 'Liability'],
  ['21000', 'Accrued Liabilities', 'Liability'],
  ['23000', 'Sales Tax Payable', 'Liability'],
  ['40000', 'Service Revenue', 'Income'],
  ['50000', 'Cost of Goods Sold', 'Expense'],
  ['51000', 'Subcontractor Costs', 'Expense'],
  ['60000', 'Rent Expense', 'Expense'],
  ['60100', 'Utilities', 'Expense'],
  ['60200', 'Telephone and Internet', 'Expense'],
  ['61000', 'Office Supplies', 'Expense'],
  ['61100', 'Software Subscriptions', 'Expense'],
  ['62000', 'Professional Fees', 'Expense'],
  ['62100', 'Legal Fees', 'Expense'],
  ['63000', 'Travel', 'Expense'],
  ['63100', 'Meals and Entertainment', 'Expense'],
  ['64000', 'Repairs and Maintenance', 'Expense'],
  ['65000', 'Insurance', 'Expense'],
  ['66000', 'Advertising and Marketing', 'Expense'],
  ['67000', 'Freight and Delivery', 'Expense'],
  ['68000', 'Training', 'Expense'],
];

/** Subaccount segments: department (3 characters) then location (3 characters). */
export const departments: readonly [string, string][] = [
  ['000', 'Default'],
  ['100', 'Administration'],
  ['200', 'Sales'],
  ['300', 'Operations'],
  ['400', 'Engineering'],
];
export const locations: readonly [string, string][] = [
  ['000', 'Company-wide'],
  ['010', 'Headquarters'],
  ['020', 'East Coast'],
];

export const seedBranches: readonly [id: string, name: string][] = [
  ['HQ', 'Headquarters'],
  ['EAST', 'East Coast Branch'],
  ['WEST', 'West Coast Branch'],
];

export const vendorNames: readonly string[] = [
  'Acme Office Supply', 'Bluebird Logistics', 'Cascade Utilities', 'Delta Legal Partners', 'Evergreen Janitorial',
  'Falcon IT Services', 'Granite Insurance Co', 'Harbor Freight Lines', 'Ironwood Consulting', 'Juniper Telecom',
  'Keystone Property Mgmt', 'Lakeside Catering', 'Meridian Marketing', 'Northwind Traders', 'Orchard Print Shop',
  'Pinnacle Staffing', 'Quartz Software', 'Redwood Maintenance', 'Summit Accounting', 'Tidewater Electric',
  'Union Courier', 'Vantage Training', 'Willow Design Studio', 'Xpress Parcel', 'Yellowstone Travel',
  'Zephyr Cloud Hosting', 'Atlas Equipment Rental', 'Beacon Security', 'Cobalt Networks', 'Driftwood Furniture',
  'Ember Coffee Service', 'Frontier Waste Services', 'Golden Gate Movers', 'Horizon Payroll', 'Indigo Web Agency',
  'Jetstream Airlines', 'Kestrel Engineering', 'Lumen Lighting', 'Mosaic Interiors', 'Nimbus Data',
];

export const lineTexts: readonly string[] = [
  'Monthly service', 'Consulting hours', 'Supplies order', 'Maintenance visit', 'Subscription renewal',
  'Freight charges', 'Equipment rental', 'Quarterly fee', 'Repair parts', 'Training session',
];
