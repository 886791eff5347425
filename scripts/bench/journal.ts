/**
 * Journal: (1) sustained durable appends through the daemon's journal writer, set up as the daemon
 * sets it up (batched transactions committed without an fsync each, then the WAL synced on the
 * thread pool after each flush, a real file): events are appended as fast as the producer can
 * while the writer's timers commit them; the rate counts only events a completed sync covered by
 * the end of the window. (2) 100-row queries by time window in a 1,000,000-row journal. (3) The
 * newest 100 rows of one identifier in a 1,000,000-row journal spanning three years (the
 * identifier index is by week, so such a query walks the weeks that have events). (4) Single
 * events appended to that journal once it is at its bound, as the daemon's journal writer does on
 * the event loop: every ~1,000th append also drops the oldest 1,000 rows.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { systemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { createJournal, type Journal, type JournalEvent } from '../../src/storage/journal.ts';
import { createJournalWriter } from '../../src/storage/journal-writer.ts';
import { createPrng } from '../../src/capture/sim/prng.ts';
import { tempDir } from '../../test/support/daemon-harness.ts';
import type { Figure } from './figure.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_RATE = 5000;
const TARGET_QUERY_MS = 20;
const EVENT_SPACING_MS = 500;
/** 1,000,000 events this far apart span three years: a full journal of a door with ~900 events a day. */
export const THREE_YEARS_SPACING_MS = 95_000;
const IDENTIFIERS = 5000;

function event(i: number, ts: number): JournalEvent {
  return {
    ts,
    type: i % 7 === 0 ? 'access_denied' : 'access_granted',
    reader: `door${(i % 2) + 1}`,
    door: String((i % 2) + 1),
    identifierUid: identifierUid(i % IDENTIFIERS),
    credential: String(8_000_000 + (i % 100_000)),
    reason: i % 7 === 0 ? 'unknown' : 'granted',
    details: { presented: 'card' },
  };
}

const identifierUid = (k: number): string => `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;

/**
 * Appends `rows` access events to `journal` in 10,000-row transactions, `spacingMs` apart, the
 * last at `end - spacingMs`; returns the seconds it took.
 */
export function fillJournal(journal: Journal, rows: number, spacingMs: number, end: number): number {
  const start = end - rows * spacingMs;
  const t0 = performance.now();
  for (let base = 0; base < rows; base += 10_000) {
    const batch: JournalEvent[] = [];
    for (let i = base; i < Math.min(rows, base + 10_000); i++) batch.push(event(i, start + i * spacingMs));
    journal.insertBatch(batch, end);
  }
  return (performance.now() - t0) / 1000;
}

/** Well under the writer's memory bound (100,000), so the producer never makes it drop events. */
const PRODUCER_BACKLOG = 20_000;

async function sustainedAppends(dataDir: string, seconds: number) {
  const db = openDatabase({ dataDir });
  const writer = createJournalWriter(createJournal(db), {
    clock: systemClock, logger: silentLogger, flushIntervalMs: 20, makeDurable: () => db.syncWal(),
  });
  const t0 = performance.now();
  let appended = 0;
  // Producer: bursts of 100 events, yielding to the loop between bursts so the writer's timers run.
  // It holds back while the writer has a backlog of PRODUCER_BACKLOG events: a producer faster than
  // the disk would otherwise fill the writer's memory bound, and events past it are lost by design
  // (counted, with a journal_lost row) — the figure is what is written durably, not what is offered.
  while (performance.now() - t0 < seconds * 1000) {
    if (writer.stats().buffered < PRODUCER_BACKLOG) for (let k = 0; k < 100; k++) writer.append(event(appended++, Date.now()));
    await yieldLoop();
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const durable = writer.stats().durable;
  writer.close();
  const stats = writer.stats();
  const rows = db.sqlite.prepare('SELECT COUNT(*) FROM journal').pluck().get() as number;
  const sync = db.sqlite.pragma('synchronous', { simple: true });
  db.close();
  if (rows !== stats.written) throw new Error(`journal holds ${rows} rows, writer says ${stats.written}`);
  return { appended, written: stats.written, durable, lost: stats.lost, elapsedS, rate: durable / elapsedS, synchronous: sync };
}

function windowQueries(dataDir: string, rows: number, queries: number) {
  const db = openDatabase({ dataDir, file: 'query.db' });
  const journal = createJournal(db, { maxRows: rows + 10 });
  const start = Date.UTC(2026, 0, 1);
  const fillS = fillJournal(journal, rows, EVENT_SPACING_MS, start + rows * EVENT_SPACING_MS);
  const random = createPrng(11);
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    // A one-hour window somewhere in the journal: 7,200 rows match, the newest 100 are returned.
    const from = start + Math.floor(random() * (rows - 7200)) * EVENT_SPACING_MS;
    const t0 = performance.now();
    const page = journal.query({ from, to: from + 3_600_000, limit: 100 });
    times.push(performance.now() - t0);
    if (page.entries.length !== 100) throw new Error(`query returned ${page.entries.length} rows`);
  }
  const size = journal.size();
  db.close();
  return { rows: size, fillS, summary: summarize(times) };
}

/**
 * A journal of `rows` rows spanning three years: the newest 100 rows of a random identifier, all
 * time; then single events appended with the journal at its bound (`rows`), timed one by one.
 */
function fullJournal(dataDir: string, rows: number, queries: number) {
  const db = openDatabase({ dataDir, file: 'identifier-query.db' });
  const journal = createJournal(db, { maxRows: rows + 10 });
  const fillS = fillJournal(journal, rows, THREE_YEARS_SPACING_MS, Date.now());
  const perIdentifier = Math.floor(rows / IDENTIFIERS);
  const random = createPrng(12);
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    const uid = identifierUid(Math.floor(random() * IDENTIFIERS));
    const t0 = performance.now();
    const page = journal.query({ identifierUid: uid, limit: 100 });
    times.push(performance.now() - t0);
    if (page.entries.length !== Math.min(100, perIdentifier)) throw new Error(`query returned ${page.entries.length} rows`);
  }
  const size = journal.size();
  const bounded = createJournal(db, { maxRows: rows });
  const withDrop: number[] = [];
  const plain: number[] = [];
  const now = Date.now();
  for (let i = 0; i < 3 * bounded.maxRows / 1000 + 10; i++) {
    const t0 = performance.now();
    const { dropped } = bounded.insertBatch([event(i, now + i)], now + i);
    (dropped > 0 ? withDrop : plain).push(performance.now() - t0);
  }
  db.close();
  const years = (rows * THREE_YEARS_SPACING_MS) / (365.25 * 86_400_000);
  return { rows: size, years, fillS, perIdentifier, summary: summarize(times), append: summarize(plain), appendWithDrop: summarize(withDrop) };
}

export const journal: Figure = {
  name: 'journal',
  description: 'durable journal appends/s through the writer; 100-row queries by time window and by identifier on 1M rows; appends at the bound',
  async run(ctx) {
    const dir = tempDir('doorctl-bench-journal-');
    try {
      const appends = await sustainedAppends(dir.path, ctx.smoke ? 2 : 10);
      ctx.log(`appends: ${appends.rate.toFixed(0)}/s`);
      const rows = ctx.smoke ? 100_000 : 1_000_000;
      const q = windowQueries(dir.path, rows, ctx.smoke ? 100 : 1000);
      const byId = fullJournal(dir.path, rows, ctx.smoke ? 100 : 1000);
      return {
        rows: [
          {
            figure: 'journal: sustained durable appends (writer; unsynced commits, WAL synced after each flush)',
            measured: `${appends.rate.toFixed(0)} events/s (${appends.durable} synced in ${appends.elapsedS.toFixed(1)} s, ${appends.lost} lost)`,
            target: `≥ ${TARGET_RATE.toLocaleString('en')}/s`,
            met: appends.rate >= TARGET_RATE && appends.lost === 0,
          },
          {
            figure: `journal: 100 rows by time window, ${q.rows.toLocaleString('en')}-row journal`,
            measured: formatSummary(q.summary, 'ms'),
            target: `≤ ${TARGET_QUERY_MS} ms`,
            met: q.summary.p99 <= TARGET_QUERY_MS,
          },
          {
            figure: `journal: newest 100 rows of one identifier, all time, ${byId.rows.toLocaleString('en')}-row journal over ${byId.years.toFixed(1)} years`,
            measured: formatSummary(byId.summary, 'ms'),
            target: `≤ ${TARGET_QUERY_MS} ms`,
            met: byId.summary.p99 <= TARGET_QUERY_MS,
          },
          {
            figure: `journal: one event appended to the full journal (on the daemon's event loop), when it also drops the oldest ${(rows / 1000).toLocaleString('en')} rows`,
            measured: `${formatSummary(byId.appendWithDrop, 'ms')}; other appends ${formatSummary(byId.append, 'ms')}`,
            target: 'context',
            met: null,
          },
        ],
        data: { appends, query: q, identifierQuery: byId },
        notes: [`query journals filled in ${q.fillS.toFixed(1)} s and ${byId.fillS.toFixed(1)} s (10,000-row transactions; ${byId.perIdentifier} rows per identifier in the second); appends file PRAGMA synchronous = ${appends.synchronous} (2 = FULL; the writer's commits run at 1 = NORMAL and db.syncWal makes them durable).`],
      };
    } finally {
      dir.remove();
    }
  },
};
