/**
 * The seed 000 batch update as the batch worker runs it, on its own SQLite connection: the same
 * identifiers service as the main thread (same per-item results, savepoints and chunk commits),
 * but what the service would tell the credential index and the journal is recorded per committed
 * chunk and handed to `onChunk`, for the main thread to apply. Item validation is injected (the
 * API's schema), so this module knows nothing of HTTP.
 *
 * The daemon's own writers (limited-pass commits before the relay, journal flushes, admin writes)
 * must not wait long for the write lock: they announce themselves (storage/write-turn.ts) and the
 * job ends its chunk after the current item, commits, and waits until they are done. For the same
 * reason the fsync is not done while the lock is held: the worker's connection commits without
 * syncing and `makeDurable` (an fsync of the WAL) runs after the commits, before they are
 * reported (every `reportEveryMs`, so one fsync covers several chunks). So a chunk is durable
 * before the main thread applies it, and the whole batch before the reply.
 */
import { setImmediate as setImmediatePromise, setTimeout as sleep } from 'node:timers/promises';
import type { IdentifierType } from '../../access/identifier-key.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../storage/database.ts';
import { createIdentifierIndexReader, type IdentifierIndexEntry } from '../../storage/identifier-index-reader.ts';
import { createIdentifiersRepository, type IdentifierCapacity } from '../../storage/identifiers.ts';
import type { Journal, JournalEvent } from '../../storage/journal.ts';
import { createUsersRepository } from '../../storage/users.ts';
import { othersWaiting, writeTurnOf } from '../../storage/write-turn.ts';
import type { RepresentationMode } from '../../wiegand/credential-number.ts';
import type { Principal } from '../auth.ts';
import { retryRefusedWrite } from '../chunked-batch.ts';
import { createIdentifiersService, type IdentifierBatchItem, type IdentifierItemResult } from '../identifiers.ts';
import { InvalidInputError, type InputLocation } from '../invalid-input.ts';

/** Checks `items[i]`: the item, or the 400 text naming the bad field. */
export type ValidateItem = (items: readonly unknown[], i: number) => { ok: true; value: IdentifierBatchItem } | { ok: false; error: string };

export interface UpdateJob {
  readonly type: IdentifierType;
  readonly mode: RepresentationMode;
  readonly items: readonly unknown[];
  readonly caller?: Principal;
}

/** What committed chunks changed, for the main thread's index and journal listeners (in this order); `events` are already written. */
export interface CommittedChunk {
  readonly entries: IdentifierIndexEntry[];
  readonly removed: number[];
  readonly events: JournalEvent[];
}

export type JobOutcome =
  | { readonly kind: 'done'; readonly results: IdentifierItemResult[] }
  /** An item failed validation: nothing was written. */
  | { readonly kind: 'invalid'; readonly error: string }
  /** A number is not valid for its type (InvalidInputError): nothing was written. */
  | { readonly kind: 'input'; readonly location: InputLocation; readonly path: PropertyKey[]; readonly reason: string };

export interface BatchJobOptions {
  readonly clock: Clock;
  readonly capacity?: IdentifierCapacity;
  readonly validate: ValidateItem;
  /** Item work per chunk transaction at most (a waiting main-thread writer ends it sooner). Default 20 ms. */
  readonly chunkMs?: number;
  /**
   * Committed chunks are made durable and reported together at most this often (one fsync each
   * time). Default 100 ms: at 20 ms the fsyncs and reports took ~200 ms of each 10,000-item PUT
   * (rounds of 0.88-1.24 s against 0.75-0.95 s, bench `--only batch`); the index then trails the
   * database by up to 100 ms of a batch, which ends applied before its reply all the same.
   */
  readonly reportEveryMs?: number;
  /** Makes every commit so far durable (the worker: fsync of the WAL); called before a chunk is reported. */
  readonly makeDurable: () => void;
  /** Where the chunks' admin_change events are written before they are reported. */
  readonly journal: Pick<Journal, 'insertBatch'>;
}

export function createIdentifierBatchJobs(db: Db, opts: BatchJobOptions) {
  const { clock } = opts;
  const reader = createIdentifierIndexReader(db);
  const idByUid = db.sqlite.prepare<[string], { id: number }>('SELECT rowid AS id FROM identifiers WHERE uid = ?');
  let chunk = emptyChunk();
  let mode: RepresentationMode = 'decimal';
  let send: (c: CommittedChunk) => void = () => {};

  let lastReportUs = clock.monotonicUs();
  const reportEveryUs = (opts.reportEveryMs ?? 100) * 1000;

  /** Reports what the chunks since the last report changed, once durable; `force` at the end of the job. */
  async function flush(force: boolean): Promise<void> {
    if (!force && clock.monotonicUs() - lastReportUs < reportEveryUs) return;
    lastReportUs = clock.monotonicUs();
    if (chunk.entries.length === 0 && chunk.removed.length === 0 && chunk.events.length === 0) return;
    const done = chunk;
    chunk = emptyChunk();
    // Its own transaction, refused early with SQLITE_BUSY as a chunk's can be (two failed batches in ~40 runs of the import bench).
    if (done.events.length > 0) await retryRefusedWrite(db, clock, () => opts.journal.insertBatch(done.events, clock.now()));
    opts.makeDurable();
    send(done);
  }

  const turn = writeTurnOf(db.path);
  // Changes only when another connection commits: owners read earlier in the batch are still right otherwise.
  const dataVersion = db.sqlite.prepare('PRAGMA data_version').pluck();
  let lastVersion = -1;
  const service = createIdentifiersService({
    db,
    identifiers: createIdentifiersRepository(db, { clock, capacity: opts.capacity }),
    users: createUsersRepository(db, clock),
    indexSync: {
      idOf: (uid) => idByUid.get(uid)?.id,
      saved(uid) {
        const entry = reader.one(uid);
        if (entry) chunk.entries.push(entry);
      },
      savedEntry: (entry) => chunk.entries.push(entry),
      removed: (id) => chunk.removed.push(id),
    },
    clock,
    mode: () => mode,
    journal: { append: (e) => chunk.events.push(e) },
    othersWrote: () => {
      const version = dataVersion.get() as number;
      const changed = version !== lastVersion;
      lastVersion = version;
      return changed;
    },
    chunk: {
      maxMs: opts.chunkMs ?? 20,
      shouldYield: () => othersWaiting(turn),
      claimTurn: false,
      // flush() makes the chunks durable (makeDurable) before reporting them, the last one included.
      syncAtEnd: false,
      pause: async () => {
        await flush(false);
        await setImmediatePromise();
        while (othersWaiting(turn)) await sleep(1);
      },
    },
  });

  return {
    /** Validates every item (nothing is written if one is bad), then runs the batch chunk by chunk. */
    async update(job: UpdateJob, onChunk: (c: CommittedChunk) => void): Promise<JobOutcome> {
      const items: IdentifierBatchItem[] = [];
      for (let i = 0; i < job.items.length; i++) {
        const r = opts.validate(job.items, i);
        if (!r.ok) return { kind: 'invalid', error: r.error };
        items.push(r.value);
      }
      mode = job.mode;
      send = onChunk;
      lastReportUs = clock.monotonicUs();
      try {
        const results = await service.updateBatch(job.type, items, job.caller);
        await flush(true);
        return { kind: 'done', results };
      } catch (err) {
        if (err instanceof InvalidInputError) return { kind: 'input', location: err.location, path: [...err.path], reason: err.reason };
        throw err;
      } finally {
        chunk = emptyChunk();
        send = () => {};
      }
    },
  };
}

function emptyChunk(): CommittedChunk {
  return { entries: [], removed: [], events: [] };
}
