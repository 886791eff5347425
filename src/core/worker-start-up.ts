/**
 * What a worker thread throws reaches the thread that started it structured-cloned, as the
 * Worker's 'error' event. An Error of JavaScript's own classes keeps its message and stack there,
 * but one of a library's subclass does not: better-sqlite3's SqliteError, say a worker opening a
 * file that is not a database, arrived as `{ code: 'SQLITE_NOTADB' }` alone, with no message and
 * no stack (Node 20), and the daemon logged and answered with nothing to go on.
 */

/** Runs a worker's start-up; what it throws is rethrown as a plain Error with the same message, code and stack. */
export function startingUp<T>(start: () => T): T {
  try {
    return start();
  } catch (err) {
    if (!(err instanceof Error) || Object.getPrototypeOf(err) === Error.prototype) throw err;
    const plain = new Error(err.message);
    plain.stack = err.stack;
    const { code } = err as { code?: unknown };
    throw code === undefined ? plain : Object.assign(plain, { code });
  }
}
