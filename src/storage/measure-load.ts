/**
 * Benchmark (not a test):
 *   node --import tsx src/storage/measure-load.ts [count=1000000] [dir=/tmp/doorctl-measure] [journalRows=count] [--read-only]
 * Inserts `count` identifiers through the repository in 10,000-item transactions, fills the
 * journal and times 100-row queries on it, then reopens the file and times the start-up read-back
 * (`createIdentifierIndexReader`, the reader the daemon's index load uses). `--read-only` reuses
 * the file of an earlier run.
 * Wall and CPU time are both printed (on a shared machine wall time includes waiting for a core),
 * with a pure-JS calibration so figures from different machines can be compared.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKey, type IdentifierType } from '../access/identifier-key.ts';
import { systemClock } from '../core/clock.ts';
import { credentialNumber } from '../wiegand/credential-number.ts';
import { entryAt } from './identifier-index-reader.ts';
import { createIdentifierIndexReader, openStorage, type JournalEvent, type Storage } from './index.ts';
import { valueFromStored } from './number-key.ts';

const readOnly = process.argv.includes('--read-only');
const args = process.argv.slice(2).filter((a) => a !== '--read-only');
const count = Number(args[0] ?? 1_000_000);
const dir = args[1] ?? '/tmp/doorctl-measure';
const journalRows = Number(args[2] ?? count);
const FILE = 'measure.db';
const CHUNK = 10_000;
const USERS = 1000;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `fn`, returning `wall X ms, cpu Y ms`. */
function timed(fn: () => void): string {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  fn();
  const used = process.cpuUsage(cpu);
  return `wall ${ms(wall).toFixed(0)} ms, cpu ${((used.user + used.system) / 1000).toFixed(0)} ms`;
}

/** The same number of 11-element arrays built in plain JS: the floor for any row loader here. */
function calibrate(n: number): void {
  const kept: unknown[][] = [];
  const report = timed(() => {
    for (let i = 0; i < n; i++) kept.push([`uid-${i}`, 'card', String(i), 'all', null, null, null, 0, null, null, 1]);
  });
  console.log(`calibration: build and keep ${kept.length} 11-element JS arrays: ${report}`);
}

function fresh(): Storage {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, FILE + suffix), { force: true });
  return openStorage({ dataDir: dir, file: FILE, clock: systemClock });
}

function insertIdentifiers(storage: Storage): void {
  const { users, identifiers, db } = storage;
  const owners = Array.from({ length: USERS }, (_, i) => {
    const r = users.create({ name: `user ${i}`, ownerType: 'owner' });
    if (!r.ok) throw new Error(`user ${i}: ${r.code}`);
    return r.value.uuid;
  });
  const t = process.hrtime.bigint();
  for (let base = 0; base < count; base += CHUNK) {
    db.withTransaction(() => {
      for (let i = base; i < Math.min(base + CHUNK, count); i++) {
        const r = identifiers.create({
          type: 'card',
          // Spread over 34-bit numbers so the unique index sees realistic, unordered keys.
          number: credentialNumber((BigInt(i) * 2654435761n) % (1n << 34n)),
          userUuid: owners[i % USERS]!,
          lock: 'all',
          ...(i % 10 === 0 ? { maxPasses: 10, validFrom: 1_700_000_000, validTo: 1_900_000_000 } : {}),
        });
        if (!r.ok) throw new Error(`identifier ${i}: ${r.code} ${r.detail ?? ''}`);
      }
    });
  }
  const total = ms(t);
  console.log(`insert ${count} identifiers via repository: ${(total / 1000).toFixed(1)} s (${((count / total) * 1000).toFixed(0)}/s)`);
}

function readBack(): void {
  const storage = openStorage({ dataDir: dir, file: FILE, clock: systemClock });
  const reader = createIdentifierIndexReader(storage.db);
  let rows = 0;
  const plain = timed(() => {
    for (const chunk of reader.chunks()) rows += chunk.id.length;
  });
  console.log(`read-back ${rows} rows (identifier index reader, JSON column chunks): ${plain}`);
  const index = new Map<number | string, number>();
  const withMap = timed(() => {
    for (const c of reader.chunks()) {
      for (let i = 0; i < c.id.length; i++) {
        const e = entryAt(c, i);
        const type = e.type as IdentifierType;
        const key = encodeKey(type, valueFromStored(type, e.number));
        if (key !== undefined) index.set(key, e.id);
      }
    }
  });
  console.log(`read-back + encodeKey + Map.set of ${index.size} rows: ${withMap}, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
  storage.close();
}

function journal(storage: Storage): void {
  const start = 1_780_000_000_000;
  const t = process.hrtime.bigint();
  for (let base = 0; base < journalRows; base += CHUNK) {
    const batch: JournalEvent[] = [];
    for (let i = base; i < Math.min(base + CHUNK, journalRows); i++) {
      batch.push({
        ts: start + i * 500,
        type: i % 7 === 0 ? 'denied' : 'granted',
        reader: `r${i % 4}`,
        door: `d${i % 2}`,
        identifierUid: `u${i % 5000}`,
        credential: String(i % 100_000),
        ...(i % 7 === 0 ? { reason: 'unknown' } : {}),
      });
    }
    storage.journal.insertBatch(batch, start);
  }
  console.log(`journal: ${journalRows} rows in ${CHUNK}-row transactions: ${(ms(t) / 1000).toFixed(1)} s`);
  const mid = start + Math.floor(journalRows / 2) * 500;
  const cases = [
    ['time window', { from: mid, to: mid + 3_600_000, limit: 100 }],
    ['time window + reader', { from: mid, to: mid + 3_600_000, reader: 'r2', limit: 100 }],
    ['time window + type denied', { from: mid, to: mid + 86_400_000, type: 'denied', limit: 100 }],
    ['identifier, all time', { identifierUid: 'u1234', limit: 100 }],
  ] as const;
  for (const [label, q] of cases) {
    const first = storage.journal.query(q);
    const t2 = process.hrtime.bigint();
    const runs = 100;
    for (let k = 0; k < runs; k++) storage.journal.query({ ...q, ...(first.next ? { cursor: first.next } : {}) });
    console.log(`journal query (${label}): ${first.entries.length} rows, ${(ms(t2) / runs).toFixed(2)} ms/query (page 2, mean of ${runs})`);
  }
}

if (!readOnly) {
  const storage = fresh();
  insertIdentifiers(storage);
  if (journalRows > 0) journal(storage);
  storage.close();
}
calibrate(count);
readBack();
console.log(`database file: ${(statSync(join(dir, FILE)).size / 2 ** 20).toFixed(0)} MiB`);
