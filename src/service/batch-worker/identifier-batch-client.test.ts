import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialIndex } from '../../access/credential-index.ts';
import { configSchema } from '../../config/config-schema.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase, type Db } from '../../storage/database.ts';
import { createJournalWriter } from '../../storage/journal-writer.ts';
import { createJournal } from '../../storage/journal.ts';
import { InvalidInputError } from '../invalid-input.ts';
import { createIndexSync } from '../index-sync.ts';
import { createServices, type Services } from '../services.ts';
import { ADMIN_CHANGE } from '../admin-journal.ts';
import { enrolCards } from './enrolled-cards.test-helper.ts';

/** A reply's UTF-8 bytes as text. */
const textOf = (json: Uint8Array): string => new TextDecoder().decode(json);

const COUNT = 1200; // more than two send slices (500 items each)
const FIRST = 5_000_000;

function item(i: number, lock = 'first') {
  return {
    identifier_number: String(FIRST + i),
    identifier_owner: { type: 'owner', name: `Owner ${i % 7}` },
    lock,
    valid: { time: { is_permanent: false, from: 1_800_000_000, to: 1_900_000_000 + i }, passes: { is_permanent: false, max_passes: 3 } },
  };
}

describe('identifier batch worker (a real worker thread on a real SQLite file)', () => {
  let dir: string;
  let db: Db;
  let index: CredentialIndex;
  let services: Services;
  let sink: ReturnType<typeof createJournalWriter>;
  const seen: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-batch-worker-'));
    db = openDatabase({ dataDir: dir });
    enrolCards(db, FIRST, COUNT);
    index = new CredentialIndex();
    // The journal sink as in the daemon: a writer of its own, plus listeners.
    const writer = createJournalWriter(createJournal(db), { clock: systemClock, logger: silentLogger });
    seen.length = 0;
    sink = { ...writer, append: (e) => { seen.push(e.type); writer.append(e); }, announce: (e) => { seen.push(e.type); } };
    services = createServices({ db, index, clock: systemClock, logger: silentLogger, config: configSchema.parse({}), journal: sink });
    services.indexSync.loadAll();
  });

  afterEach(async () => {
    await services.identifierBatches?.close();
    sink.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('updates every item with per-item results in order; the index equals the database; admin_change rows written once by the worker, passed to the sink', async () => {
    const items = Array.from({ length: COUNT }, (_, i) => item(i));
    items[3] = { ...item(3), identifier_number: '999' }; // not enrolled
    const reply = await services.identifierBatches!.update('card', items);
    if (reply.kind !== 'done') throw new Error(JSON.stringify(reply));
    const results = (JSON.parse(textOf(reply.json)) as { result: Array<{ identifier_number: string; success: boolean; extended_info: string }> }).result;
    expect(results).toHaveLength(COUNT);
    expect(results[3]).toEqual({ identifier_type: 'card', identifier_number: '999', success: false, extended_info: 'entity_not_found' });
    expect(results.filter((r) => r.success)).toHaveLength(COUNT - 1);
    expect(results.map((r) => r.identifier_number)).toEqual(items.map((i) => i.identifier_number));

    // A fresh index loaded from the database must hold exactly what the applied chunks put in.
    const fresh = new CredentialIndex();
    createIndexSync(db, fresh, silentLogger).loadAll();
    const rows = db.sqlite.prepare('SELECT rowid AS id, lock, valid_to FROM identifiers').all() as Array<{ id: number; lock: string; valid_to: number | null }>;
    for (const row of rows) expect(index.get(row.id)).toEqual(fresh.get(row.id));
    expect(index.get(rows[10]!.id)).toMatchObject({ lock: 'first', maxPasses: 3 });

    sink.flushNow();
    const changes = db.sqlite.prepare('SELECT COUNT(*) AS n FROM journal WHERE type = ?').get(ADMIN_CHANGE) as { n: number };
    expect(changes.n).toBe(COUNT - 1);
    expect(seen.filter((t) => t === ADMIN_CHANGE)).toHaveLength(COUNT - 1);
  });

  it('a sink with no listener for admin_change is asked, and gets none of the events: written by the worker all the same, the index updated', async () => {
    const asked: string[] = [];
    const quiet = createServices({
      db, index, clock: systemClock, logger: silentLogger, config: configSchema.parse({}),
      journal: { ...sink, wants: (type) => (asked.push(type), false) },
    });
    try {
      const reply = await quiet.identifierBatches!.update('card', Array.from({ length: COUNT }, (_, i) => item(i, 'second')));
      expect(reply.kind).toBe('done');
      expect(asked.length).toBeGreaterThan(0);
      expect(new Set(asked)).toEqual(new Set([ADMIN_CHANGE]));
      expect(seen.filter((t) => t === ADMIN_CHANGE)).toHaveLength(0);
      sink.flushNow();
      expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM journal WHERE type = ?').get(ADMIN_CHANGE)).toEqual({ n: COUNT });
      const { id } = db.sqlite.prepare('SELECT rowid AS id FROM identifiers ORDER BY rowid LIMIT 1').get() as { id: number };
      expect(index.get(id)).toMatchObject({ lock: 'second' });
    } finally {
      await quiet.identifierBatches?.close();
    }
  });

  it('the worker ends once idle (its memory back) and the next batch starts another', async () => {
    const idle = createServices({
      db, index, clock: systemClock, logger: silentLogger, config: configSchema.parse({}), journal: sink, batchWorker: { idleMs: 100 },
    });
    try {
      const batches = idle.identifierBatches!;
      const createdIndex = new CredentialIndex();
      createIndexSync(db, createdIndex, silentLogger).loadAll();
      expect(batches.running()).toBe(false);
      expect((await batches.update('card', [item(0, 'second')])).kind).toBe('done');
      expect(batches.running()).toBe(true);
      await expect.poll(() => batches.running(), { timeout: 5000 }).toBe(false);
      const again = await batches.update('card', [item(1, 'second')]);
      if (again.kind !== 'done') throw new Error(JSON.stringify(again));
      expect(JSON.parse(textOf(again.json))).toMatchObject({ result: [{ identifier_number: String(FIRST + 1), success: true }] });
      // Enrolled in order in beforeEach: the second row is FIRST + 1.
      const { id } = db.sqlite.prepare('SELECT rowid AS id FROM identifiers ORDER BY rowid LIMIT 1 OFFSET 1').get() as { id: number };
      const fresh = new CredentialIndex();
      createIndexSync(db, fresh, silentLogger).loadAll();
      expect(index.get(id)).toEqual(fresh.get(id));
      expect(fresh.get(id)).not.toEqual(createdIndex.get(id));
    } finally {
      await idle.identifierBatches?.close();
    }
  });

  it('kept running: started before any batch, and still there long after one', async () => {
    const kept = createServices({
      db, index, clock: systemClock, logger: silentLogger, config: configSchema.parse({}), journal: sink, batchWorker: { idleMs: 50 },
    });
    try {
      const batches = kept.identifierBatches!;
      batches.keepRunning();
      expect(batches.running()).toBe(true);
      const reply = await batches.update('card', [item(0, 'second')]);
      expect(reply.kind).toBe('done');
      // Ten idle periods: an on-demand worker would have ended after the first (test above).
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(batches.running()).toBe(true);
      expect((await batches.update('card', [item(1, 'second')])).kind).toBe('done');
    } finally {
      await kept.identifierBatches?.close();
    }
    expect(kept.identifierBatches!.running()).toBe(false);
  });

  it('an invalid item anywhere: the 400 text names it, and nothing is written', async () => {
    const before = db.sqlite.prepare('SELECT group_concat(lock) AS l FROM identifiers').get();
    const items = Array.from({ length: COUNT }, (_, i) => item(i, i === 1100 ? 'nowhere' : 'first'));
    const reply = await services.identifierBatches!.update('card', items);
    expect(reply.kind).toBe('invalid');
    expect(reply.kind === 'invalid' ? reply.error : '').toMatch(/^Wrong JSON body: .*list_items\[1100\]\.lock/);
    expect(db.sqlite.prepare('SELECT group_concat(lock) AS l FROM identifiers').get()).toEqual(before);
  });

  it('a number not valid for the type is an InvalidInputError naming the item, and nothing is written', async () => {
    const items = Array.from({ length: 20 }, (_, i) => item(i));
    items[7] = { ...item(7), identifier_number: '12ab' };
    await expect(services.identifierBatches!.update('card', items)).rejects.toMatchObject({
      constructor: InvalidInputError,
      path: ['list_items', 7, 'identifier_number'],
    });
    expect(db.sqlite.prepare("SELECT COUNT(*) AS n FROM identifiers WHERE lock = 'first'").get()).toEqual({ n: 0 });
  });

  it('an item nested too deep to copy to the worker: nothing is sent or written, the caller validates on the event loop', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const items: unknown[] = Array.from({ length: 700 }, (_, i) => item(i));
    items[650] = { ...item(650), identifier_owner: deep };
    expect(await services.identifierBatches!.update('card', items)).toEqual({ kind: 'untransferable' });
    expect(db.sqlite.prepare("SELECT COUNT(*) AS n FROM identifiers WHERE lock = 'first'").get()).toEqual({ n: 0 });
    // The worker is still usable and dropped the slices it had received.
    const next = await services.identifierBatches!.update('card', [item(0)]);
    expect(next.kind === 'done' && JSON.parse(textOf(next.json)).result).toHaveLength(1);
  });

  it('from the body as bytes: the worker parses it, the buffer is handed over (not copied), results as from items', async () => {
    const items = Array.from({ length: COUNT }, (_, i) => item(i, 'second'));
    const bytes = new TextEncoder().encode(JSON.stringify({ list_items: items }));
    const whole = new Uint8Array(new ArrayBuffer(bytes.length));
    whole.set(bytes);
    const reply = await services.identifierBatches!.updateJson('card', whole);
    expect(whole.byteLength).toBe(0); // transferred
    if (reply.kind !== 'done') throw new Error(JSON.stringify(reply));
    expect((JSON.parse(textOf(reply.json)) as { result: Array<{ success: boolean }> }).result.filter((r) => r.success)).toHaveLength(COUNT);
    expect(db.sqlite.prepare("SELECT COUNT(*) AS n FROM identifiers WHERE lock = 'second'").get()).toEqual({ n: COUNT });
  });

  it('from bytes: malformed JSON, a bad envelope or a bad item is the 400 text, nothing written; a view into a larger buffer is copied', async () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const cases: Array<[string, string]> = [
      ['{"list_items": [', 'Wrong JSON body'],
      ['"text"', 'Wrong JSON body'],
      ['{"list_items": 3}', 'Wrong JSON body: value `list_items` was of the wrong type'],
      [JSON.stringify({ list_items: [item(0), item(1, 'nowhere')] }), 'Wrong JSON body: value `list_items[1].lock` was of the wrong type'],
    ];
    for (const [text, error] of cases) expect(await services.identifierBatches!.updateJson('card', encode(text))).toEqual({ kind: 'invalid', error });
    const framed = encode(` ${JSON.stringify({ list_items: [item(0)] })} `);
    const view = framed.subarray(1, framed.length - 1);
    const reply = await services.identifierBatches!.updateJson('card', view);
    expect(reply.kind === 'done' && JSON.parse(textOf(reply.json)).result).toHaveLength(1);
    expect(framed.byteLength).toBeGreaterThan(0); // still usable: copied, not transferred
    expect(db.sqlite.prepare("SELECT COUNT(*) AS n FROM identifiers WHERE lock = 'first'").get()).toEqual({ n: 1 });
  });

  it('jobs sent together run one after the other, each with its own results', async () => {
    const [a, b] = await Promise.all([
      services.identifierBatches!.update('card', [item(0, 'first')]),
      services.identifierBatches!.update('card', [item(0, 'second'), item(1, 'second')]),
    ]);
    expect(a.kind === 'done' && JSON.parse(textOf(a.json)).result).toHaveLength(1);
    expect(b.kind === 'done' && JSON.parse(textOf(b.json)).result).toHaveLength(2);
    expect(db.sqlite.prepare('SELECT lock FROM identifiers WHERE number = ?').get(String(FIRST))).toEqual({ lock: 'second' });
  });

  it('a worker that cannot open the database rejects the job with SQLite\'s message and code', async () => {
    // The daemon's connection keeps the moved files; the worker finds something else at the path.
    for (const suffix of ['', '-wal', '-shm']) renameSync(`${db.path}${suffix}`, `${db.path}${suffix}.moved`);
    writeFileSync(db.path, 'not a database '.repeat(512));
    const failed = services.identifierBatches!.update('card', [item(0)]);
    await expect(failed).rejects.toThrow('file is not a database');
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_NOTADB', stack: expect.stringContaining('identifier-batch.worker') });
  });

  it('a job the worker fails rejects with the error\'s code and the worker\'s stack, for the log', async () => {
    expect((await services.identifierBatches!.update('card', [item(0)])).kind).toBe('done');
    // The worker writes the batch's admin_change rows itself: without the table its next job fails.
    db.sqlite.exec('DROP TABLE journal');
    const failed = services.identifierBatches!.update('card', [item(0, 'second')]);
    await expect(failed).rejects.toThrow(/identifier batch failed: no such table: journal/);
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_ERROR', workerStack: expect.stringContaining('insertBatch') });
  });
});
