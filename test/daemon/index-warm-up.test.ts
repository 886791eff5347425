import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { DecisionRecord } from '../../src/daemon/access-executor.ts';
import { startDaemon } from '../../src/daemon/start-daemon.ts';
import { DEFAULT_PARALLEL_LOAD } from '../../src/storage/identifier-index-parallel.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { tempDir, writeConfig } from '../support/daemon-harness.ts';
import { waitFor } from '../support/wait.ts';

/** Large enough for the default start-up to load it in the background. */
const CARDS = DEFAULT_PARALLEL_LOAD.parallelFromRows + 50_000;
const h10301 = findFormat('H10301')!;
/** Card i is facility 1 + i / 65536, number i % 65536 (its Wiegand payload is the stored number). */
const payload = (i: number): bigint => (BigInt(1 + Math.floor(i / 65_536)) << 16n) | BigInt(i % 65_536);
const frameOf = (i: number) => encodeFields(h10301, { facility_code: 1 + Math.floor(i / 65_536), card_number: i % 65_536 });

/** CARDS cards straight into the file, in one transaction; the last one has a single pass. */
function fill(dataDir: string): void {
  const db = openDatabase({ dataDir });
  try {
    const now = Date.now();
    const owner = randomUUID();
    const card = db.sqlite.prepare(
      `INSERT INTO identifiers (uid, type, number, user_uuid, lock, max_passes, created_at, updated_at) VALUES (?, 'card', ?, ?, 'all', ?, ?, ?)`,
    );
    db.withTransaction(() => {
      db.sqlite.prepare(`INSERT INTO users (uuid, name, owner_type, created_at, updated_at) VALUES (?, 'Owner', 'owner', ?, ?)`).run(owner, now, now);
      for (let i = 0; i < CARDS; i++) card.run(randomUUID(), payload(i).toString(), owner, i === CARDS - 1 ? 1 : null, now, now);
    });
  } finally {
    db.close();
  }
}

describe('daemon start with a large identifier table', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('decides cards from the database while the index loads in the background, and counts passes once', async () => {
    const dir = tempDir('warm-up-');
    cleanups.push(dir.remove);
    fill(join(dir.path, 'data'));
    const configPath = writeConfig(dir.path, { doors: [{ id: 1, pulseMs: 100 }, { id: 2, pulseMs: 100 }] });
    const daemon = await startDaemon({ config: loadConfig(configPath, {}), logger: silentLogger, env: {} });
    cleanups.push(() => daemon.stop());
    const decisions: DecisionRecord[] = [];
    daemon.events.on('decision', (d: DecisionRecord) => decisions.push(d));
    const present = (reader: string, i: number) => {
      const lastEdgeUs = Math.round(performance.now() * 1000);
      daemon.readers.get(reader)!.frame({ reader, bits: frameOf(i), firstEdgeUs: lastEdgeUs - 52_000, lastEdgeUs, bitPeriodUs: 2000, source: 'sim' });
    };

    // Ready before the index is: the last cards (the worker's last chunks) are not in it yet.
    expect(daemon.services.indexSync.loading).toBe(true);
    expect(daemon.index.size).toBeLessThan(CARDS);
    present('door1', CARDS - 1);
    present('door2', CARDS - 2);
    present('door1', CARDS + 5);
    await waitFor('three decisions', () => decisions.length === 3, 5000);
    expect(decisions.map((d) => [d.reader, d.outcome, d.reason])).toEqual([
      ['door1', 'grant', 'granted'],
      ['door2', 'grant', 'granted'],
      ['door1', 'deny', 'unknown'],
    ]);

    await waitFor('the index load', () => !daemon.services.indexSync.loading, 60_000);
    expect(daemon.index.size).toBe(CARDS);
    const health = (await (await fetch(`http://127.0.0.1:${daemon.address!.port}/api/v1/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ identifiers: CARDS, indexLoading: false });
    // The single pass was used during the load; the chunk read before it did not give it back.
    present('door2', CARDS - 1);
    await waitFor('a fourth decision', () => decisions.length === 4, 5000);
    expect(decisions[3]).toMatchObject({ outcome: 'deny', reason: 'passes_exhausted' });
    const used = daemon.db.sqlite.prepare('SELECT passes_used FROM identifiers WHERE number = ?').pluck().get(payload(CARDS - 1).toString());
    expect(used).toBe(1);
  }, 120_000);
});
