/**
 * Worker thread for seed 000 batch updates: parses the request body when it is sent as bytes
 * (with the API's envelope schema), validates the raw items with the API's own item schema, writes them on its own SQLite connection (identifier-batch-job.ts) and reports each
 * committed chunk, then the serialized reply. Jobs run one at a time, in arrival order.
 */
import { basename, dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { batchBodyOf, checkBatchItem, type BatchItemCheck } from '../../api/batch-items.ts';
import { envelopeOf } from '../../api/schemas/common.ts';
import { BatchItemSchema } from '../../api/schemas/identifiers.ts';
import { systemClock } from '../../core/clock.ts';
import { lowerThreadPriority } from '../../core/thread-priority.ts';
import { errorFields, startingUp } from '../../core/worker-errors.ts';
import { openDatabase } from '../../storage/database.ts';
import { indexChunkOf } from '../../storage/identifier-index-reader.ts';
import { createJournal } from '../../storage/journal.ts';
import { SAFETY_NET_PAGES } from '../../storage/wal-checkpointer.ts';
import { adoptWriteTurn } from '../../storage/write-turn.ts';
import { createIdentifierBatchJobs } from './identifier-batch-job.ts';
import { toJsonLines } from './json-lines.ts';
import type { BatchWorkerData, FromWorker, ToWorker } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('identifier-batch.worker runs as a worker thread');
const config = workerData as BatchWorkerData;
/**
 * A batch runs flat out; below the event loop's priority it takes only the CPU the card path
 * leaves (a 100,000-item import kept the loop waiting for a core 20-50 ms at a time without it).
 */
const BATCH_THREAD_NICE = 10;
lowerThreadPriority(BATCH_THREAD_NICE);
adoptWriteTurn(config.dbPath, config.turn);
const jobs = startingUp(() => {
  const db = openDatabase({ dataDir: dirname(config.dbPath), file: basename(config.dbPath) });
  // Commits do not fsync while holding the write lock the daemon's own writers wait for; the job
  // fsyncs the WAL right after each commit instead (makeDurable), before reporting the chunk.
  db.sqlite.pragma('synchronous = NORMAL');
  // Nor do they copy the WAL into the database: at SQLite's default (1,000 pages) the chunk commits
  // checkpointed in line, 0.56 s of a 1.7 s first batch at 1,000,000 identifiers. The checkpoint
  // worker does that on its own thread.
  db.sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  return createIdentifierBatchJobs(db, {
    clock: systemClock,
    capacity: config.capacity,
    chunkMs: config.chunkMs,
    reportEveryMs: config.reportEveryMs,
    makeDurable: () => db.syncWalNow(),
    journal: createJournal(db, { maxRows: config.journal.maxRows }),
    validate: (items, i) => checkBatchItem(BatchItemSchema, { list_items: items }, i),
  });
});

const received = new Map<number, unknown[]>();
let queue: Promise<void> = Promise.resolve();
const post = (m: FromWorker, transfer?: readonly ArrayBuffer[]): void => port.postMessage(m, transfer);

const envelope = envelopeOf();

/** The job's items: the body's (or the 400 text of its envelope), else the slices received. */
function itemsOf(m: Extract<ToWorker, { kind: 'run' }>): BatchItemCheck<unknown[]> {
  const items = received.get(m.id) ?? [];
  received.delete(m.id);
  if (!m.json) return { ok: true, value: items };
  const body = batchBodyOf(m.json, envelope);
  return body.ok ? { ok: true, value: body.value.list_items } : body;
}

async function run(m: Extract<ToWorker, { kind: 'run' }>): Promise<void> {
  try {
    const input = itemsOf(m);
    if (!input.ok) {
      post({ kind: 'invalid', id: m.id, error: input.error });
      return;
    }
    const items = input.value;
    const outcome = await jobs.update({ type: m.type, mode: m.mode, items, caller: m.caller }, (chunk) => {
      const eventTypes = [...new Set(chunk.events.map((e) => e.type))];
      post({ kind: 'chunk', id: m.id, chunk: { entries: indexChunkOf(chunk.entries), removed: chunk.removed, events: toJsonLines(chunk.events), eventTypes } });
    });
    if (outcome.kind === 'done') {
      // Bytes of their own (TextEncoder, never a shared pool), handed over: the main thread writes
      // them to the socket without copying, nor touching fresh pages for a ~1 MB string.
      const json = new TextEncoder().encode(JSON.stringify({ result: outcome.results }));
      post({ kind: 'done', id: m.id, json }, [json.buffer]);
    } else post({ ...outcome, id: m.id });
  } catch (err) {
    post({ kind: 'failed', id: m.id, ...errorFields(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'items') {
    const list = received.get(m.id);
    if (list) list.push(...m.items);
    else received.set(m.id, m.items);
  } else if (m.kind === 'drop') {
    received.delete(m.id);
  } else {
    queue = queue.then(() => run(m));
  }
});
