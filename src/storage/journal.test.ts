import { describe, expect, it } from 'vitest';
import { JOURNAL_DROPPED, createJournal, type JournalEvent } from './journal.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

const ev = (ts: number, extra: Partial<JournalEvent> = {}): JournalEvent => ({ ts, type: 'granted', reader: 'r1', door: 'd1', ...extra });

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
