/**
 * Worker thread of the parallel start-up load (identifier-index-parallel.ts): reads the
 * identifiers above `after` on its own read-only connection and posts each chunk, unparsed, on
 * `port`, counting posts in `signal[0]` so the loading thread can block on it without an event
 * loop turn. Ends with `{ done: true }` or `{ error }`.
 */
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { SCAN_CACHE_PRAGMA, createIdentifierIndexReader } from './identifier-index-reader.ts';
import type { LoadWorkerData, LoadWorkerMessage } from './identifier-index-parallel.ts';

const { path, after, chunkRows, port, signal } = workerData as LoadWorkerData;
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
    for (const raw of createIdentifierIndexReader({ sqlite }, chunkRows).rawChunks(after)) post({ raw });
  } finally {
    sqlite.close();
  }
  post({ done: true });
} catch (err) {
  post({ error: err instanceof Error ? err.message : String(err) });
}
