import { errorCatalogue, type ErrorCode } from '../../core/errors.ts';

/**
 * What a failure means for the person looking at it, and what they can do about it. Keyed by the
 * whole catalogue (`satisfies`), so a new error code cannot ship without its sentence here.
 */
const sentences = {
  MLC_ERR_NETWORK: { what: 'The other system could not be reached.', fix: 'This is usually brief: press Replay in a few minutes.' },
  MLC_ERR_TIMEOUT: { what: 'The other system took too long to answer.', fix: 'Press Replay later; nothing was written twice.' },
  MLC_ERR_SERVER: { what: 'The other system had an internal error.', fix: 'Press Replay later; if it keeps failing, check the service status page.' },
  MLC_ERR_AMBIGUOUS_WRITE: { what: 'A write was sent but its answer never came back.', fix: 'The next sync searches for the record before writing again; press Replay if it stays failed.' },
  MLC_ERR_RATE_LIMITED: { what: 'The other system asked us to slow down.', fix: 'It is retried automatically; Replay if it stays failed.' },
  MLC_ERR_DAILY_LIMIT: { what: 'The daily or hourly API allowance is used up.', fix: 'Nothing to do for a sync: what was done is kept and the server queues the rest for when the allowance resets. A record that failed this way: press Replay after the reset.' },
  MLC_ERR_AUTH_EXPIRED: { what: 'The login to the other system expired.', fix: 'Connect the account again on the overview page, then press Replay.' },
  MLC_ERR_RECONNECT_NEEDED: { what: 'The connection was revoked or has expired.', fix: 'Connect the account again on the overview page, then press Replay.' },
  MLC_ERR_BAD_CREDENTIALS: { what: 'The saved credentials were refused.', fix: 'Connect the account again with valid credentials, then press Replay.' },
  MLC_ERR_FORBIDDEN: { what: 'The connection has no access to this organisation.', fix: 'Ask an administrator of the organisation for access, then reconnect.' },
  MLC_ERR_VALIDATION: { what: 'The other system rejected this record as invalid.', fix: 'Correct the record where it was entered (see the response below), then press Replay.' },
  MLC_ERR_NOT_FOUND: { what: 'The record no longer exists on the other system.', fix: 'If it was deleted on purpose, press Skip; otherwise restore it and press Replay.' },
  MLC_ERR_BAD_RESPONSE: { what: 'The other system answered with something unreadable.', fix: 'Press Replay later; report it if it keeps happening.' },
  MLC_ERR_UNKNOWN_CURRENCY: { what: 'The record uses a currency code that is not a real ISO currency.', fix: 'Fix the currency on the source record, then press Replay.' },
  MLC_ERR_MISSING_DEPARTMENT: {
    what: "A line is tracked to an option that has no department of the same name in BILL.",
    fix: 'Create the department in BILL with that name, then press Replay.',
  },
  MLC_ERR_CURRENCY_MISMATCH: {
    what: "The bill is in another currency than its vendor's bill currency in BILL, so BILL would read its amounts in the wrong currency.",
    fix: "Give the vendor in BILL the bill's currency (or use the supplier that bills in it), then press Replay.",
  },
  MLC_ERR_MISSING_ACCOUNT: {
    what: "A GL account on this record has no match in BILL's chart of accounts.",
    fix: 'Create the account in BILL (or let the link create missing accounts), then press Replay.',
  },
  MLC_ERR_DEPENDENCY_FAILED: { what: 'A record this one needs (such as its vendor) failed to sync first.', fix: 'Fix the record it depends on, then press Replay on both.' },
  MLC_ERR_STOPPED: { what: 'The run was stopped while the connector was shutting down.', fix: 'Nothing to do: what it finished is saved and the next run carries on from there.' },
  MLC_ERR_CONFLICT: { what: 'The two systems disagree in a way a person must decide.', fix: 'Compare both sides below; change one of them, then Replay, or Skip to leave it.' },
  MLC_ERR_CONFIG: { what: 'The link settings are missing something or are invalid.', fix: 'Check the link settings, then press Replay.' },
  MLC_ERR_BUG: { what: 'An unexpected internal error stopped this record.', fix: 'Press Replay once; if it fails again, report it with the technical detail below.' },
} as const satisfies Record<ErrorCode, { what: string; fix: string }>;

export interface PlainReason {
  what: string;
  fix: string | null;
}

const isCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalogue, code);

/** The plain-words explanation of a record's error code (or of its status when it has none). */
export function explain(code: string | null, status: string, reason: string | null): PlainReason {
  if (code && isCode(code)) return sentences[code];
  if (status === 'conflict') return sentences.MLC_ERR_CONFLICT;
  if (status === 'skipped') return { what: reason ?? 'Skipped.', fix: null };
  return { what: reason ?? 'No reason was recorded.', fix: status === 'failed' ? 'Press Replay to try again.' : null };
}

/**
 * A conflict's choices in general, beside the step's own words: a conflict is never settled by the
 * connector, so a person picks the side that is right. An edit undone on the target is seen again
 * when that system reports it (its webhook); Replay checks the record again at once.
 */
export function conflictSteps(source: string, target: string): PlainReason {
  return {
    what: `${source} and ${target} disagree about this record, and a person must decide which is right.`,
    fix: `Either undo the change in ${target} and press Replay, or make the record in ${source} agree; to accept both as they are, press Skip.`,
  };
}
