/**
 * Limited-pass grant: the durable decrement the executor commits before the relay moves
 * (identifiers repository consumePass: one UPDATE … RETURNING in its own transaction, WAL with
 * synchronous=FULL, so each call waits for an fsync). Timed per call, on a real file.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.ts';
import { openStorage } from '../../src/storage/index.ts';
import { credentialNumber } from '../../src/wiegand/credential-number.ts';
import { tempDir } from '../../test/support/daemon-harness.ts';
import type { Figure } from './figure.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_P99_MS = 2;
const IDENTIFIERS = 10_000;

/** The disk's floor: one 4 KiB write + fsync per call, on the same filesystem, no SQLite. */
function fsyncFloor(dir: string, calls: number) {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let k = 0; k < calls; k++) {
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, (k % 256) * 4096);
      fsyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
  }
  return summarize(times);
}

export const limitedPass: Figure = {
  name: 'pass',
  description: 'durable pass decrement (consumePass, synchronous=FULL) before the relay',
  async run(ctx) {
    const dir = tempDir('doorctl-bench-pass-');
    const storage = openStorage({ dataDir: dir.path, clock: systemClock });
    try {
      const owner = storage.users.create({ name: 'Bench', ownerType: 'owner' });
      if (!owner.ok) throw new Error('owner');
      const uids: string[] = [];
      storage.db.withTransaction(() => {
        for (let i = 0; i < IDENTIFIERS; i++) {
          const r = storage.identifiers.create({
            type: 'card', number: credentialNumber(BigInt(5_000_000 + i)), userUuid: owner.value.uuid, lock: 'all', maxPasses: 1_000_000,
          });
          if (!r.ok) throw new Error(`identifier ${i}: ${r.code}`);
          uids.push(r.value.uid);
        }
      });
      const calls = ctx.smoke ? 300 : 5000;
      const times: number[] = [];
      for (let k = 0; k < calls; k++) {
        const uid = uids[(k * 7919) % IDENTIFIERS]!;
        const t0 = performance.now();
        const r = storage.identifiers.consumePass(uid, Date.now());
        times.push(performance.now() - t0);
        if (!r.ok) throw new Error(`consumePass: ${r.reason}`);
      }
      const synchronous = storage.db.sqlite.pragma('synchronous', { simple: true });
      if (synchronous !== 2) throw new Error(`expected synchronous=FULL (2), got ${String(synchronous)}`);
      const s = summarize(times);
      const floor = fsyncFloor(dir.path, calls);
      return {
        rows: [{ figure: 'limited-pass grant: durable decrement commit', measured: formatSummary(s, 'ms'), target: `p99 ≤ ${TARGET_P99_MS} ms`, met: s.p99 <= TARGET_P99_MS }],
        data: { identifiers: IDENTIFIERS, calls, synchronous, summary: s, fsyncFloor: floor },
        notes: [
          `${IDENTIFIERS.toLocaleString('en')} limited identifiers in the file, calls spread over them; each call is one commit with fsync of the WAL.`,
          `disk floor on the same filesystem (4 KiB write + fsync, no SQLite): ${formatSummary(floor, 'ms')}.`,
        ],
      };
    } finally {
      storage.close();
      dir.remove();
    }
  },
};
