/**
 * Power-cut model for pass limits: the real daemon runs as a child process, a limited-pass card is
 * presented in a loop through the simulated reader, and the process is SIGKILLed at random moments
 * and restarted. A grant is logged only after its pass was committed, so every grant we saw must
 * be counted on disk; at most one commit per kill can be unseen (killed before its log line).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { connectSimEdgeClient, isLog, presentFrame, seedIdentifiers, spawnDaemon, tempDir, writeConfig } from '../support/daemon-harness.ts';

const KILLS = Number(process.env.CRASH_KILLS ?? 6);
const MAX_PASSES = 10_000;

describe('limited passes under SIGKILL', () => {
  const dir = tempDir('crash-');
  afterAll(() => dir.remove());

  it(`never counts fewer passes than grants observed, across ${KILLS} kills`, async () => {
    const configPath = writeConfig(dir.path, {
      readers: [{ id: 'door1', door: 1, holdOffMs: 0 }],
      doors: [{ id: 1, pulseMs: 20 }],
    });
    seedIdentifiers(configPath, [{
      identifier_type: 'card', identifier_number: String((7n << 16n) | 77n),
      identifier_owner: { type: 'owner', name: 'Crash Test' }, lock: 'first',
      valid: { time: { is_permanent: true }, passes: { is_permanent: false, max_passes: MAX_PASSES } },
    } as never]);
    const frame = encodeFields(findFormat('H10301')!, { facility_code: 7, card_number: 77 });

    let observedGrants = 0;
    let presented = 0;
    for (let round = 0; round < KILLS; round++) {
      const child = spawnDaemon(configPath);
      await child.waitForLine(isLog('controller running'), 20_000);
      const client = await connectSimEdgeClient(join(dir.path, 'data', 'sim-reader.sock'));
      const killAt = Date.now() + 150 + Math.random() * 600;
      while (Date.now() < killAt) {
        // 0.5 ms/bit: a 13 ms frame, then a gap well past the end-of-frame silence.
        await presentFrame(client, 'door1', frame, 500).catch(() => {});
        presented++;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 20));
      }
      child.proc.kill('SIGKILL');
      await child.exited();
      await client.close().catch(() => {});
      observedGrants += child.lines.filter((l) => l.includes('"msg":"access decision"') && l.includes('"outcome":"grant"')).length;
    }

    const db = new Database(join(dir.path, 'data', 'doorctl.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const used = (db.prepare('SELECT passes_used FROM identifiers').get() as { passes_used: number }).passes_used;
      console.info(`crash-passes: ${KILLS} kills, ${presented} presentations, ${observedGrants} grants observed, ${used} passes on disk`);
      const { passes_used } = db.prepare('SELECT passes_used FROM identifiers').get() as { passes_used: number };
      expect(observedGrants).toBeGreaterThan(KILLS); // the loop really granted
      expect(passes_used).toBeGreaterThanOrEqual(observedGrants);
      expect(passes_used).toBeLessThanOrEqual(observedGrants + KILLS);
      expect(passes_used).toBeLessThanOrEqual(presented);
    } finally {
      db.close();
    }
  }, 120_000);
});
