import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { JOURNAL_LOST, createJournal } from './journal.ts';
import { createJournalWriter } from './journal-writer.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

function setup(opts: { maxBatch?: number; maxBuffered?: number } = {}) {
  const db = temp.fresh();
  const clock = new ManualClock();
  const journal = createJournal(db);
  const writer = createJournalWriter(journal, { clock, logger: silentLogger, flushIntervalMs: 20, ...opts });
  return { db, clock, journal, writer };
}

describe('journal writer', () => {
  it('commits without an fsync and counts events durable once a sync after the commit completes', async () => {
    const syncs: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const makeDurable = () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject }));
    const db = temp.fresh();
    const clock = new ManualClock();
    let levelInFlush = -1;
    const watched = { ...db, unsynced: <T>(fn: () => T): T => db.unsynced(() => {
      levelInFlush = db.sqlite.pragma('synchronous', { simple: true }) as number;
      return fn();
    }) };
    const writer = createJournalWriter(createJournal(watched), { clock, logger: silentLogger, flushIntervalMs: 20, makeDurable });
    for (let i = 0; i < 3; i++) writer.append({ ts: 0, type: 'granted' });
    clock.advanceMs(20);
    expect(levelInFlush).toBe(1);
    expect(writer.stats()).toMatchObject({ written: 3, durable: 0 });
    // More commits while the first sync runs: one sync at a time, the next one after it.
    writer.append({ ts: 0, type: 'granted' });
    clock.advanceMs(20);
    expect(syncs).toHaveLength(1);
    syncs[0]!.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(writer.stats().durable).toBe(3);
    expect(syncs).toHaveLength(2);
    // A failed sync is retried by the next flush, not in a loop.
    syncs[1]!.reject(new Error('EIO'));
    await new Promise((r) => setImmediate(r));
    expect(syncs).toHaveLength(2);
    writer.append({ ts: 0, type: 'granted' });
    clock.advanceMs(20);
    expect(syncs).toHaveLength(3);
    syncs[2]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(writer.stats()).toMatchObject({ written: 5, durable: 5 });
  });

  it('append never writes; the timer writes the batch in one go', () => {
    const { clock, journal, writer } = setup();
    for (let i = 0; i < 5; i++) writer.append({ ts: clock.now(), type: 'granted', credential: String(i) });
    expect(journal.size()).toBe(0);
    clock.advanceMs(19);
    expect(journal.size()).toBe(0);
    clock.advanceMs(1);
    expect(journal.size()).toBe(5);
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 5 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a full batch is written at the next tick, still not on the caller path', () => {
    const { clock, journal, writer } = setup({ maxBatch: 4 });
    for (let i = 0; i < 4; i++) writer.append({ ts: 0, type: 'denied' });
    expect(journal.size()).toBe(0);
    clock.advanceMs(0);
    expect(journal.size()).toBe(4);
  });

  it('flushNow and close write what is pending; appends after close are counted as lost', () => {
    const { journal, writer } = setup();
    writer.append({ ts: 1, type: 'granted' });
    expect(writer.flushNow()).toBe(1);
    writer.append({ ts: 2, type: 'granted' });
    writer.close();
    expect(journal.size()).toBe(2);
    writer.append({ ts: 3, type: 'granted' });
    expect(writer.stats().lost).toBe(1);
  });

  it('keeps events through a failed flush and records events it had to drop', () => {
    const { db, clock, journal, writer } = setup({ maxBatch: 2, maxBuffered: 3 });
    db.sqlite.exec("CREATE TRIGGER jam BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    for (let i = 0; i < 5; i++) writer.append({ ts: i, type: 'granted' });
    clock.advanceMs(0);
    expect(writer.stats()).toMatchObject({ buffered: 3, lost: 2, failedFlushes: 1 });
    db.sqlite.exec('DROP TRIGGER jam');
    clock.advanceMs(1000);
    const entries = journal.query({ order: 'asc' }).entries;
    expect(entries.map((e) => e.type)).toEqual(['granted', 'granted', 'granted', JOURNAL_LOST]);
    expect(entries.at(-1)!.details).toEqual({ lost: 2 });
  });

  it('a timer tick writes at most maxBatch events per transaction; the rest follow at the next ticks', () => {
    const { clock, journal, writer } = setup({ maxBatch: 3 });
    const sizes: number[] = [];
    const insert = journal.tryInsertBatch.bind(journal);
    journal.tryInsertBatch = (events, now, lost) => {
      sizes.push(events.length);
      return insert(events, now, lost);
    };
    for (let i = 0; i < 8; i++) writer.append({ ts: i, type: 'granted' });
    clock.advanceMs(0);
    expect(sizes).toEqual([3, 3, 2]);
    expect(journal.query({ order: 'asc' }).entries.map((e) => e.ts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('while another connection holds the write lock, a timed flush does not wait: the events stay buffered and go in once it is free', () => {
    const dir = temp.dir();
    const db = temp.open({ dataDir: dir });
    const other = temp.open({ dataDir: dir });
    const clock = new ManualClock();
    const journal = createJournal(db);
    const writer = createJournalWriter(journal, { clock, logger: silentLogger, flushIntervalMs: 20 });
    other.sqlite.exec('BEGIN IMMEDIATE');
    writer.append({ ts: 1, type: 'granted' });
    clock.advanceMs(20);
    // busy_timeout is 5 s: a waiting flush would have thrown SQLITE_BUSY only after sleeping that long.
    expect(writer.stats()).toMatchObject({ buffered: 1, written: 0, failedFlushes: 0 });
    expect(writer.stats().busyRetries).toBeGreaterThanOrEqual(1);
    other.sqlite.exec('COMMIT');
    clock.advanceMs(2);
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 1 });
    expect(journal.size()).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
  });
});
