import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBatchItem } from '../../api/batch-items.ts';
import { BatchItemSchema } from '../../api/schemas/identifiers.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { openDatabase, type Db } from '../../storage/database.ts';
import { createJournal, type Journal } from '../../storage/journal.ts';
import { ADMIN_CHANGE } from '../admin-journal.ts';
import { createIdentifierBatchJobs, type CommittedChunk } from './identifier-batch-job.ts';
import { enrolCards } from './enrolled-cards.test-helper.ts';

const FIRST = 7_000_000;
const COUNT = 20;

describe('identifier batch job (the worker side, on this thread)', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-batch-job-'));
    db = openDatabase({ dataDir: dir, busyTimeoutMs: 10 });
    enrolCards(db, FIRST, COUNT);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the chunks\' journal rows even when SQLite refuses that transaction with SQLITE_BUSY early', async () => {
    // Another connection takes the write lock just before the job writes its journal rows, and
    // lets go 25 ms later; the busy timeout is 10 ms, and the clock says no time passes (as when
    // SQLite answers SQLITE_BUSY at once), so only trying again gets the rows written.
    const other = openDatabase({ dataDir: dir });
    const journal = createJournal(db);
    let refusals = 0;
    const contended: Pick<Journal, 'insertBatch'> = {
      insertBatch(events, nowMs) {
        if (refusals === 0) {
          other.sqlite.exec('BEGIN IMMEDIATE');
          setTimeout(() => other.sqlite.exec('COMMIT'), 25);
        }
        try {
          return journal.insertBatch(events, nowMs);
        } catch (err) {
          refusals++;
          throw err;
        }
      },
    };
    const early: Clock = { ...systemClock, monotonicUs: () => 0 };
    const jobs = createIdentifierBatchJobs(db, {
      clock: early,
      validate: (items, i) => checkBatchItem(BatchItemSchema, { list_items: items }, i),
      makeDurable: () => db.syncWalNow(),
      journal: contended,
    });
    const items = Array.from({ length: COUNT }, (_, i) => ({
      identifier_number: String(FIRST + i),
      identifier_owner: { type: 'owner', name: 'Setup' },
      lock: 'second',
      valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
    }));
    const chunks: CommittedChunk[] = [];
    try {
      const outcome = await jobs.update({ type: 'card', mode: 'decimal', items }, (c) => chunks.push(c));
      expect(outcome.kind).toBe('done');
      if (outcome.kind === 'done') expect(outcome.results.every((r) => r.success)).toBe(true);
    } finally {
      other.close();
    }
    expect(refusals).toBeGreaterThan(0);
    expect(chunks.flatMap((c) => c.events)).toHaveLength(COUNT);
    const rows = db.sqlite.prepare('SELECT COUNT(*) AS n FROM journal WHERE type = ?').get(ADMIN_CHANGE) as { n: number };
    expect(rows.n).toBe(COUNT);
  });
});
