/**
 * Capacity: 1,000,000 card identifiers written straight into a database file created by
 * openDatabase (same schema, owners in `users`, one prepared INSERT in one transaction), then the
 * real daemon started on it as a child process (the built dist/cli/bin.js, as it ships): time from
 * spawn to "controller running" (the whole index is loaded, and readers can decide, before that
 * line), and the process's resident memory then (VmRSS; VmHWM is the peak during start-up).
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/database.ts';
import { tempDir } from '../../test/support/daemon-harness.ts';
import { startChildDaemon } from './child-daemon.ts';
import { enrolledNumber } from './decision.ts';
import type { Figure } from './figure.ts';
import { writeSimDoorConfig } from './serial-relay.ts';

const TARGET_START_S = 3;
const TARGET_RSS_MB = 200;
const OWNERS = 1000;

/** Fills `dataDir`'s doorctl.db with `count` cards; returns the seconds it took. */
export function fillIdentifiers(dataDir: string, count: number): number {
  const db = openDatabase({ dataDir });
  const t0 = performance.now();
  try {
    const now = Date.now();
    const user = db.sqlite.prepare(
      `INSERT INTO users (uuid, name, owner_type, created_at, updated_at) VALUES (?, ?, 'owner', ?, ?)`,
    );
    const identifier = db.sqlite.prepare(
      `INSERT INTO identifiers (uid, type, number, user_uuid, lock, valid_from, valid_to, max_passes, created_at, updated_at)
       VALUES (?, 'card', ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.withTransaction(() => {
      const owners = Array.from({ length: OWNERS }, (_, i) => {
        const uuid = randomUUID();
        user.run(uuid, `Owner ${i}`, now, now);
        return uuid;
      });
      for (let i = 0; i < count; i++) {
        const limited = i % 10 === 0;
        identifier.run(
          randomUUID(), enrolledNumber(i).toString(), owners[i % OWNERS], i % 3 === 0 ? 'all' : 'first',
          limited ? 1_700_000_000 : null, limited ? 2_000_000_000 : null, limited ? 1000 : null, now, now,
        );
      }
    });
  } finally {
    db.close();
  }
  return (performance.now() - t0) / 1000;
}

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Spawn → ready seconds, and RSS/peak in MB `settleMs` after ready, of a daemon on `configPath`. */
async function startAndMeasure(configPath: string, settleMs: number) {
  const daemon = await startChildDaemon(configPath);
  try {
    const startS = (daemon.readyAt - daemon.spawnedAt) / 1000;
    const loadLine = daemon.child.lines.find((l) => l.includes('"msg":"credential index loaded"'));
    const load = loadLine ? (JSON.parse(loadLine) as { identifiers: number; ms: number }) : { identifiers: -1, ms: -1 };
    // Settle: let start-up garbage be collected the way it would be in service.
    await new Promise((r) => setTimeout(r, settleMs));
    return { startS, load, rssMb: procStatusMb(daemon.pid, 'VmRSS'), peakMb: procStatusMb(daemon.pid, 'VmHWM') };
  } finally {
    await daemon.stop();
  }
}

export const capacity: Figure = {
  name: 'capacity',
  description: 'child daemon start-up and RSS with 1,000,000 identifiers in SQLite',
  async run(ctx) {
    const count = ctx.smoke ? 20_000 : 1_000_000;
    const dir = tempDir('doorctl-bench-capacity-');
    let residentDir: ReturnType<typeof tempDir> | undefined;
    try {
      const configPath = writeSimDoorConfig(dir.path);
      const fillS = fillIdentifiers(join(dir.path, 'data'), count);
      ctx.log(`capacity: ${count} identifiers written in ${fillS.toFixed(1)} s`);
      if (!ctx.smoke) {
        residentDir = tempDir('doorctl-bench-capacity-resident-');
        mkdirSync(join(residentDir.path, 'data'));
        copyFileSync(join(dir.path, 'data', 'doorctl.db'), join(residentDir.path, 'data', 'doorctl.db'));
      }
      const { startS, load, rssMb, peakMb } = await startAndMeasure(configPath, ctx.smoke ? 500 : 2000);
      if (load.identifiers !== count) throw new Error(`daemon loaded ${load.identifiers} identifiers, expected ${count}`);
      // The same daemon on an empty database: what the process costs before any identifier (full runs only).
      let empty = null;
      if (!ctx.smoke) {
        const emptyDir = tempDir('doorctl-bench-capacity0-');
        const config = writeSimDoorConfig(emptyDir.path);
        empty = await startAndMeasure(config, 2000).finally(emptyDir.remove);
      }
      // A copy of the file, taken before the first start (each start must create its own admin), with the
      // batch worker kept from the start (api.batchWorker: resident): what that option costs at rest.
      let resident = null;
      if (residentDir) {
        const config = writeSimDoorConfig(residentDir.path, { api: { port: 0, batchWorker: 'resident' } });
        resident = await startAndMeasure(config, 2000);
      }
      const n = count.toLocaleString('en');
      return {
        rows: [
          { figure: `capacity: daemon spawn → "controller running", ${n} identifiers`, measured: `${startS.toFixed(2)} s (index load ${load.ms} ms)`, target: `≤ ${TARGET_START_S} s`, met: startS <= TARGET_START_S },
          { figure: `capacity: daemon RSS after load, ${n} identifiers`, measured: `${rssMb.toFixed(0)} MB (peak during start ${peakMb.toFixed(0)} MB)`, target: `≤ ${TARGET_RSS_MB} MB`, met: rssMb <= TARGET_RSS_MB },
          ...(empty ? [{ figure: 'capacity: same daemon, empty database', measured: `${empty.startS.toFixed(2)} s to ready, RSS ${empty.rssMb.toFixed(0)} MB`, target: 'context', met: null }] : []),
          ...(resident
            ? [{ figure: `capacity: RSS after load, ${n} identifiers, batch worker resident (api.batchWorker)`, measured: `${resident.rssMb.toFixed(0)} MB (${resident.startS.toFixed(2)} s to ready)`, target: `≤ ${TARGET_RSS_MB} MB (an option, not the default)`, met: resident.rssMb <= TARGET_RSS_MB }]
            : []),
        ],
        data: { identifiers: count, fillS, startS, indexLoadMs: load.ms, rssMb, peakMb, empty, resident },
        notes: [`${n} identifiers inserted in ${fillS.toFixed(1)} s (one transaction); daemon run from the bundle (dist/cli/bin.js); RSS read 2 s (smoke: 0.5 s) after ready from /proc/<pid>/status (MB = MiB).`],
      };
    } finally {
      dir.remove();
      residentDir?.remove();
    }
  },
};
