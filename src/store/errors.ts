/** Errors raised by the store itself (not by PostgreSQL, whose errors keep their SQLSTATE `code`). */
export class DatabaseError extends Error {
  override readonly name: string = 'DatabaseError';
}

/** A query on a parent handle inside its own transaction callback (it would deadlock on PGlite). */
export class TransactionMisuseError extends DatabaseError {
  override readonly name = 'TransactionMisuseError';
  constructor(what: string) {
    super(
      `${what} was called on the parent database handle inside its own transaction; use the tx handle passed to the transaction callback`,
    );
  }
}
