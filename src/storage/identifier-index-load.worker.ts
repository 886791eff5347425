/**
 * Worker thread of the parallel start-up load (identifier-index-parallel.ts): reads the
 * identifiers with after < rowid ≤ until on its own read-only connection and posts each chunk,
 * unparsed, on `port`, counting posts in `signal[0]` (shared by the workers of one load) so the
 * loading thread can wait on it without an event loop turn. Ends with `{ done: true }` or `{ error }`.
 */
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { SCAN_CACHE_PRAGMA, createIdentifierIndexReader } from './identifier-index-reader.ts';
import type { LoadWorkerData, LoadWorkerMessage } from './identifier-index-parallel.ts';

const { path, after, until, chunkRows, port, signal } = workerData as LoadWorkerData;
const posted = new Int32Array(signal);

function post(m: LoadWorkerMessage): void {
  port.postMessage(m);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

try {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  sqlite.pragma(SCAN_CACHE_PRAGMA);
  try {
    for (const raw of createIdentifierIndexReader({ sqlite }, chunkRows).rawChunks(after, until)) post({ raw });
  } finally {
    sqlite.close();
  }
  post({ done: true });
} catch (err) {
  post({ error: err instanceof Error ? err.message : String(err) });
}
