import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../core/clock.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { failure, success } from '../storage/result-codes.ts';
import { HOLDER, writeTurnOf } from '../storage/write-turn.ts';
import { mapInSlices, runInChunks } from './chunked-batch.ts';

let dir: string;
let db: Db;
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): Db {
  dir = mkdtempSync(join(tmpdir(), 'doorctl-chunks-'));
  db = openDatabase({ dataDir: dir });
  return db;
}

const put = (key: string) =>
  db.sqlite.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES (?, '1', 0)").run(key);
const keys = () => db.sqlite.prepare('SELECT key FROM settings ORDER BY key').pluck().all();

describe('runInChunks', () => {
  it('commits chunks unsynced and syncs the WAL once, before the results are returned', async () => {
    open();
    const order: string[] = [];
    const levels: number[] = [];
    const watched: Db = { ...db, syncWal: async () => void order.push('sync') };
    const results = await runInChunks(watched, ['a', 'b', 'c'], (item, _i, afterCommit) => {
      levels.push(db.sqlite.pragma('synchronous', { simple: true }) as number);
      put(item);
      afterCommit(() => order.push(`after ${item}`));
      return item;
    }, { clock: new ManualClock(), maxItems: 2 });
    order.push('returned');
    expect(results).toEqual(['a', 'b', 'c']);
    expect(levels).toEqual([1, 1, 1]);
    expect(order).toEqual(['after a', 'after b', 'after c', 'sync', 'returned']);
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    // A caller that makes its chunks durable itself (the batch worker) opts out of the final sync.
    order.length = 0;
    await runInChunks(watched, ['d'], (item) => put(item), { clock: new ManualClock(), syncAtEnd: false });
    expect(order).toEqual([]);
  });

  it('commits each chunk, rolls back only failed items, runs after-commit actions after the commit, yields between chunks', async () => {
    open();
    const seenByAfterCommit: boolean[] = [];
    const interleaved: number[] = [];
    const items = ['a', 'b', 'bad', 'c', 'd'];
    const done = runInChunks(
      db,
      items,
      (item, i, afterCommit) => {
        interleaved.push(i);
        const r = db.attempt(() => {
          put(item);
          return item === 'bad' ? failure('entity_not_found') : success('created', item);
        });
        if (r.ok) afterCommit(() => seenByAfterCommit.push(!db.sqlite.inTransaction && keys().includes(item)));
        return r.ok;
      },
      { clock: new ManualClock(), maxItems: 2 },
    );
    setImmediate(() => interleaved.push(-1));
    expect(await done).toEqual([true, true, false, true, true]);
    expect(keys()).toEqual(['a', 'b', 'c', 'd']);
    expect(seenByAfterCommit).toEqual([true, true, true, true]);
    // Another task ran between chunks, not only after the batch.
    expect(interleaved.filter((i) => i >= 0)).toEqual([0, 1, 2, 3, 4]);
    expect(interleaved.indexOf(-1)).toBeGreaterThan(1);
    expect(interleaved.indexOf(-1)).toBeLessThan(interleaved.length - 1);
  });

  it('calls onChunkStart before each chunk, and lets other tasks run before the first chunk', async () => {
    open();
    const order: string[] = [];
    const run = runInChunks(db, ['a', 'b', 'c'], (item) => order.push(item), {
      clock: new ManualClock(),
      maxItems: 2,
      onChunkStart: () => order.push(db.sqlite.inTransaction ? 'start inside a transaction' : 'start'),
    });
    order.push('caller continues');
    await run;
    expect(order).toEqual(['caller continues', 'start', 'a', 'b', 'start', 'c']);
  });

  it('waits for a worker holding the write lock without blocking the event loop, then writes', async () => {
    open();
    const turn = writeTurnOf(db.path);
    Atomics.store(turn, HOLDER.checkpointer, 1);
    const order: string[] = [];
    const done = runInChunks(db, ['a'], (item) => {
      order.push(`item, holder flag ${Atomics.load(turn, HOLDER.checkpointer)}`);
      return put(item);
    }, { clock: new ManualClock() });
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    order.push('loop ran');
    Atomics.store(turn, HOLDER.checkpointer, 0);
    Atomics.notify(turn, HOLDER.checkpointer);
    await done;
    expect(order).toEqual(['loop ran', 'item, holder flag 0']);
    expect(keys()).toEqual(['a']);
  });

  it('tries a chunk again when SQLite refuses its BEGIN with SQLITE_BUSY early, nothing having been written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-chunks-'));
    db = openDatabase({ dataDir: dir, busyTimeoutMs: 10 });
    // Another connection holds the write lock, then lets go. The clock the batch is given says no
    // time passes, as when SQLite answers SQLITE_BUSY at once: each refusal is retried.
    const other = openDatabase({ dataDir: dir });
    other.sqlite.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.sqlite.exec('COMMIT'), 25);
    const early: Clock = { ...systemClock, monotonicUs: () => 0 };
    try {
      const attempts: string[] = [];
      const results = await runInChunks(db, ['a', 'b'], (item) => {
        attempts.push(item);
        put(item);
        return item;
      }, { clock: early, claimTurn: false });
      expect(results).toEqual(['a', 'b']);
      expect(attempts).toEqual(['a', 'b']);
      expect(keys()).toEqual(['a', 'b']);
    } finally {
      other.close();
    }
  });

  it('gives up with SQLITE_BUSY once the busy timeout has been spent', async () => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-chunks-'));
    db = openDatabase({ dataDir: dir, busyTimeoutMs: 5 });
    const other = openDatabase({ dataDir: dir });
    other.sqlite.exec('BEGIN IMMEDIATE');
    try {
      await expect(runInChunks(db, ['a'], (item) => put(item), { clock: systemClock, claimTurn: false })).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      other.sqlite.exec('ROLLBACK');
      other.close();
    }
    expect(keys()).toEqual([]);
  });

  it('rolls back the whole chunk and stops when an item throws (an I/O failure, not a result)', async () => {
    open();
    const run = runInChunks(
      db,
      ['a', 'b', 'c'],
      (item) => {
        if (item === 'c') throw new Error('disk full');
        put(item);
        return true;
      },
      { clock: new ManualClock(), maxItems: 2 },
    );
    await expect(run).rejects.toThrow('disk full');
    expect(keys()).toEqual(['a', 'b']);
  });
});

describe('mapInSlices', () => {
  it('maps in order and lets other tasks run between slices', async () => {
    const order: string[] = [];
    const p = mapInSlices([1, 2, 3, 4, 5], (x) => {
      order.push(`item${x}`);
      return x * 2;
    }, 2);
    setImmediate(() => order.push('other'));
    expect(await p).toEqual([2, 4, 6, 8, 10]);
    expect(order.indexOf('other')).toBeGreaterThan(1);
    expect(order.indexOf('other')).toBeLessThan(order.length - 1);
  });
});
