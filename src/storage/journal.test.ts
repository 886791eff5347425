import { describe, expect, it } from 'vitest';
import { JOURNAL_DROPPED, createJournal, type JournalEvent, type JournalQuery } from './journal.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

const ev = (ts: number, extra: Partial<JournalEvent> = {}): JournalEvent => ({ ts, type: 'granted', reader: 'r1', door: 'd1', ...extra });

const WEEK = 604_800_000;
const HOUR = 3_600_000;

/** Every page of a query, following `next`. */
function allPages(journal: ReturnType<typeof createJournal>, q: JournalQuery): number[] {
  const seqs: number[] = [];
  let cursor: string | undefined;
  do {
    const page = journal.query({ ...q, ...(cursor ? { cursor } : {}) });
    seqs.push(...page.entries.map((e) => e.seq));
    cursor = page.next;
  } while (cursor);
  return seqs;
}

describe('journal', () => {
  it('stays within maxRows by dropping the oldest, and records each drop', () => {
    const journal = createJournal(temp.fresh(), { maxRows: 10, dropChunk: 4 });
    for (let i = 0; i < 25; i++) journal.insertBatch([ev(1000 + i, { credential: String(i) })], 5000);
    const all = journal.query({ order: 'asc', limit: 100 }).entries.sort((a, b) => a.seq - b.seq);
    expect(all.length).toBeLessThanOrEqual(10);
    expect(journal.size()).toBe(all.length);
    const drops = all.filter((e) => e.type === JOURNAL_DROPPED);
    expect(drops.length).toBeGreaterThan(0);
    const lastDrop = drops.at(-1)!;
    // Everything up to the recorded seq is gone, everything after it is still there.
    const upTo = lastDrop.details!.up_to_seq as number;
    expect(all.every((e) => e.seq > upTo)).toBe(true);
    const kept = all.filter((e) => e.type === 'granted').map((e) => Number(e.credential));
    expect(kept.at(-1)).toBe(24);
    expect(kept).toEqual(kept.map((_, i) => kept[0]! + i)); // a contiguous newest run
    // Nothing after the recorded drop point is missing.
    expect(all[0]!.seq).toBe(upTo + 1);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => upTo + 1 + i));
    // Trimmed to maxRows - dropChunk rows, then the drop record: 11 rows → 6 kept, 5 dropped.
    expect(lastDrop.details).toMatchObject({ dropped: 5, max_rows: 10 });
  });

  it('queries by time window newest first and pages without gaps or repeats', () => {
    const journal = createJournal(temp.fresh());
    const events: JournalEvent[] = [];
    for (let i = 0; i < 50; i++) events.push(ev(10_000 + Math.floor(i / 3), { reader: i % 2 ? 'r1' : 'r2', credential: String(i) }));
    journal.insertBatch(events, 0);
    const window = { from: 10_002, to: 10_010 }; // ts 10002..10009 → i = 6..29
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = journal.query({ ...window, limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.entries.map((e) => e.credential!));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 24 }, (_, k) => String(29 - k)));
    const r1 = journal.query({ ...window, reader: 'r1', order: 'asc' }).entries.map((e) => Number(e.credential));
    expect(r1).toEqual([7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
    expect(journal.query({ type: 'denied' }).entries).toEqual([]);
  });

  it('filters by door, identifier and credential', () => {
    const journal = createJournal(temp.fresh());
    journal.insertBatch(
      [ev(1, { door: 'front', identifierUid: 'u1' }), ev(2, { door: 'back', identifierUid: 'u2', type: 'denied', reason: 'expired' }), ev(3, { credential: '42' })],
      0,
    );
    expect(journal.query({ door: 'back' }).entries.map((e) => e.reason)).toEqual(['expired']);
    expect(journal.query({ identifierUid: 'u1' }).entries.map((e) => e.ts)).toEqual([1]);
    expect(journal.query({ credential: '42' }).entries.map((e) => e.ts)).toEqual([3]);
  });

  it.each(['identifierUid', 'credential'] as const)('finds the events of one %s across weeks, skipping weeks without any, in both orders and pages', (key) => {
    const journal = createJournal(temp.fresh());
    // Weeks 3000..3009, nothing in weeks 3003-3006; a and b interleaved, several per week, ties on ts.
    const events: JournalEvent[] = [];
    for (const week of [3000, 3001, 3002, 3007, 3008, 3009]) {
      for (let k = 0; k < 5; k++) {
        const ts = week * WEEK + (k < 2 ? 0 : k * HOUR);
        events.push(ev(ts, { [key]: k % 2 ? 'b' : 'a', type: k === 4 ? 'denied' : 'granted' }));
      }
    }
    journal.insertBatch(events, 0);
    const all = journal.query({ order: 'asc', limit: 1000 }).entries;
    const expected = (pick: (e: (typeof all)[number]) => boolean) => all.filter(pick).map((e) => e.seq);
    const a = expected((e) => e[key] === 'a');
    expect(a).toHaveLength(18);
    for (const limit of [1, 3, 7, 100]) {
      expect(allPages(journal, { [key]: 'a', order: 'asc', limit })).toEqual(a);
      expect(allPages(journal, { [key]: 'a', limit })).toEqual([...a].reverse());
    }
    // A window cutting weeks in the middle, with another filter on top.
    const from = 3001 * WEEK + 1;
    const to = 3008 * WEEK + 3 * HOUR;
    const inWindow = expected((e) => e[key] === 'a' && e.type === 'granted' && e.ts >= from && e.ts < to);
    expect(inWindow.length).toBeGreaterThan(2);
    expect(allPages(journal, { [key]: 'a', type: 'granted', from, to, order: 'asc', limit: 2 })).toEqual(inWindow);
    expect(allPages(journal, { [key]: 'a', type: 'granted', from, to, limit: 2 })).toEqual([...inWindow].reverse());
    expect(journal.query({ [key]: 'c' }).entries).toEqual([]);
    expect(journal.query({ [key]: 'a', from: 3003 * WEEK, to: 3007 * WEEK }).entries).toEqual([]);
  });

  it('moves an older database\'s identifier and credential events to the week-first indexes (migrations 2 and 3)', () => {
    const dataDir = temp.dir();
    const v1 = temp.open({ dataDir, migrations: MIGRATIONS.slice(0, 1) });
    createJournal(v1).insertBatch(
      [ev(5 * WEEK, { identifierUid: 'u1', credential: '42' }), ev(9 * WEEK, { identifierUid: 'u1' }), ev(9 * WEEK + 1, { identifierUid: 'u2', credential: '42' })],
      0,
    );
    v1.close();
    const db = temp.open({ dataDir });
    const indexes = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'").pluck().all();
    expect(indexes).toEqual(expect.arrayContaining(['journal_identifier_week', 'journal_credential_week']));
    expect(indexes).not.toContain('journal_identifier_ts');
    expect(indexes).not.toContain('journal_credential_ts');
    const journal = createJournal(db);
    expect(journal.query({ identifierUid: 'u1' }).entries.map((e) => e.ts)).toEqual([9 * WEEK, 5 * WEEK]);
    expect(journal.query({ credential: '42' }).entries.map((e) => e.ts)).toEqual([9 * WEEK + 1, 5 * WEEK]);
  });

  it('keeps stored times within 1970 … 9999', () => {
    const journal = createJournal(temp.fresh());
    journal.insertBatch([ev(-5, { identifierUid: 'u1' }), ev(1e300, { identifierUid: 'u1' })], 0);
    expect(journal.query({ identifierUid: 'u1', order: 'asc' }).entries.map((e) => e.ts)).toEqual([0, 253_402_300_799_999]);
  });

  it('never stores secrets in details and survives malformed events', () => {
    const db = temp.fresh();
    const journal = createJournal(db);
    journal.insertBatch(
      [
        { ts: 1, type: 'pin_entry', details: { pin: '4711', nested: { password: 'x', apiKey: 'k' }, bits: '1010', n: 5n } },
        { ts: Number.NaN, type: '' } as JournalEvent,
      ],
      777,
    );
    const raw = JSON.stringify(db.sqlite.prepare('SELECT * FROM journal').all());
    expect(raw).not.toContain('4711');
    const [bad, good] = journal.query().entries;
    expect(good!.details).toEqual({ pin: '[redacted]', nested: { password: '[redacted]', apiKey: '[redacted]' }, bits: '1010', n: '5' });
    expect(bad).toMatchObject({ ts: 777, type: 'invalid_event' });
  });
});
