import { openSync, readSync, closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { createLogger, silentLogger } from '../core/logger.ts';
import type { Db } from './database.ts';
import { useTempDbs } from './temp-db.test-helper.ts';
import { createWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

const temp = useTempDbs();
const open: WalCheckpointer[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

function checkpointer(db: Db, idleMs = 400, startWalBytes = 0): WalCheckpointer {
  const c = createWalCheckpointer(db, { clock: systemClock, logger: silentLogger, pollMs: 20, everyMs: 20, idleMs, startWalBytes });
  open.push(c);
  return c;
}

function scratchTable(db: Db): (rows: number) => void {
  db.sqlite.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX scratch_body ON scratch(body)');
  const insert = db.sqlite.prepare('INSERT INTO scratch (body) VALUES (?)');
  return (rows) => db.withTransaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`${Math.random()}`.repeat(40));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The WAL header's salts (bytes 16-23): new ones each time a writer starts the WAL over. */
function walSalts(db: Db): string {
  const fd = openSync(`${db.path}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.subarray(16, 24).toString('hex');
  } finally {
    closeSync(fd);
  }
}

describe('createWalCheckpointer', () => {
  it('starts no worker while nothing is written', async () => {
    const db = temp.fresh();
    const c = checkpointer(db);
    await sleep(150);
    expect(c.stats()).toMatchObject({ running: false, starts: 0, passes: 0 });
  });

  it('leaves a few small writes to the daemon connection: no worker below startWalBytes', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db, 400, 1024 * 1024);
    write(1);
    await sleep(150);
    expect(c.stats()).toMatchObject({ running: false, starts: 0 });
    write(2000);
    await expect.poll(() => c.stats().starts, { timeout: 10_000 }).toBe(1);
  });

  it('once something is written, a worker copies the whole WAL into the database file', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db);
    write(500);
    await expect.poll(() => c.stats().lastPass, { timeout: 10_000 }).toMatchObject({ busy: false });
    await expect.poll(() => {
      const p = c.stats().lastPass!;
      return p.walFrames > 0 && p.checkpointed === p.walFrames;
    }, { timeout: 10_000 }).toBe(true);
    expect(c.stats().starts).toBe(1);
    expect(c.stats().failed).toBe(false);
    // While the worker runs, the daemon connection's automatic checkpoint is only a far safety net.
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(100_000);
  });

  it('starts a fully copied WAL over itself, so the daemon connection never syncs a new WAL header', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db, 60_000);
    write(500);
    await expect.poll(() => {
      const p = c.stats().lastPass;
      return p !== null && p.walFrames > 0 && p.checkpointed === p.walFrames;
    }, { timeout: 10_000 }).toBe(true);
    expect(c.stats().lastPass!.startedOver).toBe(true);
    const salts = walSalts(db);
    // A writer that finds the WAL fully copied starts it over (new salts) and syncs its header
    // first; this one appends to the WAL the worker started.
    write(1);
    expect(walSalts(db)).toBe(salts);
    // Nothing new from other connections: the worker does not write again (no start-over loop).
    const passes = c.stats().passes;
    await sleep(200);
    expect(c.stats().passes).toBeLessThanOrEqual(passes + 1);
  });

  it('ends the worker once idle and starts it again for new writes', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db, 200);
    write(50);
    await expect.poll(() => c.stats().starts, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => c.stats().running, { timeout: 10_000 }).toBe(false);
    // No worker: the daemon connection's safety net is near again, for writes until one starts.
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    write(50);
    await expect.poll(() => c.stats().starts, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => c.stats().running, { timeout: 10_000 }).toBe(true);
  });

  it('keeps the WAL bounded under continuous writes', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db);
    // Commits every millisecond or so (~30 MB of WAL pages a second), the worker copying meanwhile.
    // Without its restarts the WAL would grow to the 40 MB safety net before anything is reused.
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      write(20);
      await sleep(1);
    }
    expect(c.stats().restarts).toBeGreaterThan(0);
    write(20);
    // Restarted from 1,000 pages of 4 KiB: the WAL holds a few thousand frames, not the ~14,000
    // of 2 s of writes (its file is only cut back past 64 MiB, so its size would not tell).
    const [row] = db.sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    expect(row!.log).toBeLessThan(3000);
  });

  it('reports a worker that cannot open the database, with SQLite\'s reason, and does not start it again', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    let logged = '';
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _e, cb) => ((logged += String(chunk)), cb()) }) });
    const c = createWalCheckpointer({ ...db, path: `${db.path}.missing` }, { clock: systemClock, logger, pollMs: 20, everyMs: 20, startWalBytes: 0 });
    open.push(c);
    write(10);
    await expect.poll(() => c.stats().failed, { timeout: 10_000 }).toBe(true);
    // better-sqlite3's own error class would reach this thread without its message (worker-errors.ts).
    expect(JSON.parse(logged.trim().split('\n').at(-1)!)).toMatchObject({ reason: expect.stringMatching(/unable to open database file/) });
    // Without the worker the connection checkpoints itself at SQLite's default again.
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    write(10);
    await sleep(200);
    expect(c.stats().starts).toBe(1);
  });

  it('close() stops a running worker', async () => {
    const db = temp.fresh();
    const write = scratchTable(db);
    const c = checkpointer(db, 60_000);
    write(10);
    await expect.poll(() => c.stats().running, { timeout: 10_000 }).toBe(true);
    await c.close();
    expect(c.stats().running).toBe(false);
  });
});
