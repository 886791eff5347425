/**
 * Errors that cross from a worker thread to the thread that started it, which is always by
 * structured clone. An Error of JavaScript's own classes keeps its message and stack, but one of
 * a library's subclass does not: better-sqlite3's SqliteError, say a worker opening a file that is
 * not a database, arrived as `{ code: 'SQLITE_NOTADB' }` alone, with no message and no stack
 * (Node 20), and the daemon logged and answered with nothing to go on.
 */

/** What the daemon needs of a worker's error: message, stack and (SQLite's, a system call's) code. */
export interface ErrorFields {
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

export function errorFields(err: unknown): ErrorFields {
  if (!(err instanceof Error)) return { message: String(err) };
  const { code } = err as { code?: unknown };
  return { message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
}

/** Runs a worker's start-up; an error of a subclass it throws is rethrown as a plain Error with the same message, stack and code. */
export function startingUp<T>(start: () => T): T {
  try {
    return start();
  } catch (err) {
    if (!(err instanceof Error) || Object.getPrototypeOf(err) === Error.prototype) throw err;
    const { message, ...rest } = errorFields(err);
    throw Object.assign(new Error(message), rest);
  }
}
