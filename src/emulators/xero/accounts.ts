import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { notFound, ok, postDataInvalid } from './errors.ts';
import { envelope, renderAccount } from './json.ts';
import type { Account } from './model.ts';
import { UUID_RE, filterSortPage, isResult, modifiedSince } from './query.ts';
import { done, fail, has, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Chart of accounts (XS `/Accounts`, `Account`, `AccountType`; A7): GET list (where, order,
 * If-Modified-Since; not paged, ARCHIVED included), GET by id, PUT create with unique Name
 * ("Please enter a unique Name.", XS) and Code, Class derived from Type.
 */

const CLASS_OF: Record<string, Account['Class']> = {
  BANK: 'ASSET', CURRENT: 'ASSET', FIXED: 'ASSET', INVENTORY: 'ASSET', NONCURRENT: 'ASSET', PREPAYMENT: 'ASSET',
  CURRLIAB: 'LIABILITY', LIABILITY: 'LIABILITY', TERMLIAB: 'LIABILITY', PAYG: 'LIABILITY',
  DEPRECIATN: 'EXPENSE', DIRECTCOSTS: 'EXPENSE', EXPENSE: 'EXPENSE', OVERHEADS: 'EXPENSE',
  EQUITY: 'EQUITY',
  OTHERINCOME: 'REVENUE', REVENUE: 'REVENUE', SALES: 'REVENUE',
};

export function createAccount(w: WriteCtx, input: In): WriteResult<Account> {
  const t = w.tenant;
  const errors: string[] = [];
  const name = str(input, 'Name')?.trim() ?? '';
  const code = str(input, 'Code')?.trim();
  const type = str(input, 'Type')?.toUpperCase() ?? '';
  const cls = CLASS_OF[type];
  if (!cls) errors.push(type ? `Account Type '${type}' is not valid.` : 'Account Type must be specified.');
  if (!name) errors.push('Account Name must be specified.');
  else if (name.length > 150) errors.push('Account Name must be 150 characters or fewer.');
  else if ([...t.accounts.values()].some((a) => a.Name.toLowerCase() === name.toLowerCase())) errors.push('Please enter a unique Name.');
  if (code !== undefined && code !== '') {
    if (!/^[A-Za-z0-9]{1,10}$/.test(code)) errors.push('Account Code must be 1 to 10 letters or digits.');
    else if (t.accountByCode(code)) errors.push('Please enter a unique Code.');
  } else if (type !== 'BANK') errors.push('Account Code must be specified.');
  const bankNumber = str(input, 'BankAccountNumber');
  if (type === 'BANK' && !bankNumber) errors.push('BankAccountNumber must be specified for a BANK account.');
  const taxType = str(input, 'TaxType') ?? (cls === 'EXPENSE' ? 'INPUT' : cls === 'REVENUE' ? 'OUTPUT' : 'NONE');
  if (!t.taxRate(taxType)) errors.push(`The TaxType code '${taxType}' does not exist or cannot be used for this type of account.`);
  if (errors.length || !cls) return fail(errors);
  const account: Account = {
    AccountID: t.uuid(),
    Name: name,
    Type: type,
    Status: 'ACTIVE',
    Class: cls,
    TaxType: t.taxRate(taxType)!.TaxType,
    EnablePaymentsToAccount: input.EnablePaymentsToAccount === true,
    ShowInExpenseClaims: input.ShowInExpenseClaims === true,
    UpdatedDateUTC: w.now,
  };
  if (code) account.Code = code;
  const description = str(input, 'Description');
  if (description !== undefined && type !== 'BANK') account.Description = description;
  if (type === 'BANK') {
    account.BankAccountNumber = bankNumber!;
    const bat = str(input, 'BankAccountType')?.toUpperCase();
    account.BankAccountType = bat === 'CREDITCARD' || bat === 'PAYPAL' ? bat : 'BANK';
    account.CurrencyCode = (str(input, 'CurrencyCode') ?? t.organisation.BaseCurrency).toUpperCase();
  }
  if (has(input, 'ReportingCode')) account.ReportingCode = String(input.ReportingCode);
  t.accounts.set(account.AccountID, account);
  return done(account);
}

export function registerAccountRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/Accounts', SCOPES.settingsRead, (req) => {
    const records = modifiedSince([...req.tenant.accounts.values()], req.headers['if-modified-since'] as string | undefined);
    const listed = filterSortPage(records.map(renderAccount), req.query, { paged: false });
    return isResult(listed) ? listed : ok(envelope('Accounts', listed.items, req.now));
  });

  apiRoute(app, deps, 'GET', '/Accounts/:AccountID', SCOPES.settingsRead, (req) => {
    const id = req.params.AccountID ?? '';
    const a = UUID_RE.test(id) ? req.tenant.accounts.get(id.toLowerCase()) : undefined;
    return a ? ok(envelope('Accounts', [renderAccount(a)], req.now)) : notFound();
  });

  apiRoute(app, deps, 'PUT', '/Accounts', SCOPES.settingsWrite, (req) => {
    const elements = elementsOf(req.body, 'Accounts');
    if (!elements) return postDataInvalid('Expected an Account object.');
    const w = req.write();
    return runBatch(elements, {
      tenant: req.tenant,
      plural: 'Accounts',
      errorFlag: 'HasValidationErrors',
      summarizeErrors: true,
      now: req.now,
      events: req.events,
      apply: (el) => createAccount(w, el),
      render: renderAccount,
    });
  });
}
