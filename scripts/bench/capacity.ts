/**
 * Capacity: 1,000,000 card identifiers written straight into a database file created by
 * openDatabase (same schema, owners in `users`, one prepared INSERT in one transaction), then the
 * real daemon started on it as a child process (the built dist/cli/bin.js, as it ships): time from
 * spawn to "controller running" (readers decide from then on; a table this large is still loading
 * into the index in the background, and cards it does not hold yet are read from the database),
 * time from spawn to "credential index loaded", and the process's resident memory once the index
 * is whole (VmRSS; VmHWM is the peak during start-up). A further start on a copy of the file has
 * the simulated reader present a card, enrolled last (so the load reaches it last), every 100 ms
 * from ready until the index is whole: what a door sees while the index loads.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/database.ts';
import { seedIdentifiers, tempDir } from '../../test/support/daemon-harness.ts';
import { monotonicMs, startChildDaemon, watchRelay } from './child-daemon.ts';
import { enrolledNumber } from './decision.ts';
import type { Figure } from './figure.ts';
import { READY, spawnLineChild, type LineChild } from './line-child.ts';
import { describePhase, presentEvery, presented } from './present-cards.ts';
import { DAEMON_ALLOCATOR_ENV, DAEMON_NODE_ARGS, prioritizeReader, standInForHardware } from './process-priority.ts';
import { BENCH_CARD, writeSimDoorConfig } from './serial-relay.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_START_S = 3;
const TARGET_RSS_MB = 200;
const OWNERS = 1000;
/** Admin logins after the RSS reading, before a second one. */
const LOGINS = 5;

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

/**
 * Spawn → ready and spawn → whole index in seconds, and RSS/peak in MB `settleMs` after the index
 * is whole, of a daemon on `configPath`.
 */
async function startAndMeasure(configPath: string, settleMs: number) {
  const daemon = await startChildDaemon(configPath);
  try {
    const startS = (daemon.readyAt - daemon.spawnedAt) / 1000;
    const indexS = ((await daemon.indexLoaded) - daemon.spawnedAt) / 1000;
    const loadLine = daemon.child.lines.find((l) => l.includes('"msg":"credential index loaded"'));
    const load = loadLine ? (JSON.parse(loadLine) as { identifiers: number; ms: number; background: boolean }) : { identifiers: -1, ms: -1, background: false };
    // Settle: let start-up garbage be collected the way it would be in service.
    await new Promise((r) => setTimeout(r, settleMs));
    const rssMb = procStatusMb(daemon.pid, 'VmRSS');
    const peakMb = procStatusMb(daemon.pid, 'VmHWM');
    // Each login is a 16 MB password scrypt on the thread pool: the memory must go back afterwards.
    for (let i = 0; i < LOGINS; i++) await daemon.login();
    await new Promise((r) => setTimeout(r, settleMs));
    return { startS, indexS, load, rssMb, peakMb, afterLoginsMb: procStatusMb(daemon.pid, 'VmRSS') };
  } finally {
    await daemon.stop();
  }
}

/**
 * A daemon on `configPath` (whose file holds BENCH_CARD, enrolled last), with the simulated reader
 * `reader` presenting that card every 100 ms from ready until the index is whole, then 10 more
 * times. The reader is a process started beforehand (card-presenter.ts), waiting for the daemon's
 * socket, as a reader is powered before its controller boots: its own start takes longer than
 * the daemon's.
 */
async function cardsWhileLoading(configPath: string, reader: LineChild) {
  const daemon = await startChildDaemon(configPath, { waitForIndex: false });
  let whole = false;
  const loaded = daemon.indexLoaded.then((at) => {
    whole = true;
    return at;
  });
  try {
    const relay = await watchRelay(daemon);
    prioritizeReader([reader.pid]);
    // The reader and this process (which timestamps the relay events) stand for hardware, as in the import figure.
    standInForHardware(reader.pid);
    const observerNormal = standInForHardware(process.pid);
    try {
      if ((await reader.nextLine()) !== READY) throw new Error('card presenter did not start');
      const firstAt = monotonicMs();
      const during = await presentEvery(reader, relay, () => whole);
      const loadedAt = await loaded;
      let after = 0;
      const then = await presentEvery(reader, relay, () => after++ >= 10);
      return { during, then, firstFromReadyS: (firstAt - daemon.readyAt) / 1000, loadedFromReadyS: (loadedAt - daemon.readyAt) / 1000 };
    } finally {
      observerNormal?.();
      relay.close();
    }
  } finally {
    await daemon.stop();
  }
}

export const capacity: Figure = {
  name: 'capacity',
  description: 'child daemon start-up and RSS with 1,000,000 identifiers in SQLite',
  async run(ctx) {
    // Smoke: still above the size that loads in the background (DEFAULT_PARALLEL_LOAD), so CI runs that path.
    const count = ctx.smoke ? 120_000 : 1_000_000;
    const dir = tempDir('doorctl-bench-capacity-');
    const cardsDir = tempDir('doorctl-bench-capacity-cards-');
    let residentDir: ReturnType<typeof tempDir> | undefined;
    let reader: LineChild | undefined;
    /**
     * A copy of the file as filled, for a start of its own (each start must create its own admin).
     * Synced, so that no start measures the kernel writing back the bench's copies (~0.4 s more
     * to ready for the first start after two unsynced 260 MB copies).
     */
    const copyOfFile = (to: string) => {
      mkdirSync(join(to, 'data'));
      const copy = join(to, 'data', 'doorctl.db');
      copyFileSync(join(dir.path, 'data', 'doorctl.db'), copy);
      const fd = openSync(copy, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    };
    try {
      const configPath = writeSimDoorConfig(dir.path);
      const fillS = fillIdentifiers(join(dir.path, 'data'), count);
      ctx.log(`capacity: ${count} identifiers written in ${fillS.toFixed(1)} s`);
      copyOfFile(cardsDir.path);
      const cardsConfig = writeSimDoorConfig(cardsDir.path, {}, { holdOffMs: 0 });
      seedIdentifiers(cardsConfig, [BENCH_CARD.identifier as never]);
      reader = spawnLineChild(join(import.meta.dirname, 'card-presenter.ts'), [join(cardsDir.path, 'data', 'sim-reader.sock')]);
      if (!ctx.smoke) {
        residentDir = tempDir('doorctl-bench-capacity-resident-');
        copyOfFile(residentDir.path);
      }
      const { startS, indexS, load, rssMb, peakMb, afterLoginsMb } = await startAndMeasure(configPath, ctx.smoke ? 500 : 2000);
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
      const cards = await cardsWhileLoading(cardsConfig, reader);
      await reader.close();
      reader = undefined;
      const during = summarize(cards.during.latencies);
      const then = summarize(cards.then.latencies);
      ctx.log(`capacity: cards while the index loads ${formatSummary(during, 'ms')}; ${describePhase(cards.during)}`);
      const n = count.toLocaleString('en');
      return {
        rows: [
          {
            figure: `capacity: daemon spawn → "controller running" (cards decided${load.background ? '; the index loads in the background' : ''}), ${n} identifiers`,
            measured: `${startS.toFixed(2)} s`, target: `≤ ${TARGET_START_S} s`, met: startS <= TARGET_START_S,
          },
          {
            figure: `capacity: daemon spawn → whole index loaded, ${n} identifiers`,
            measured: `${indexS.toFixed(2)} s (index load ${load.ms} ms${load.background ? ', in the background' : ''})`, target: `≤ ${TARGET_START_S} s`, met: indexS <= TARGET_START_S,
          },
          {
            figure: `capacity: daemon RSS after load, ${n} identifiers`,
            measured: `${rssMb.toFixed(0)} MB (peak during start ${peakMb.toFixed(0)} MB; after ${LOGINS} more admin logins ${afterLoginsMb.toFixed(0)} MB)`,
            target: `≤ ${TARGET_RSS_MB} MB`, met: Math.max(rssMb, afterLoginsMb) <= TARGET_RSS_MB,
          },
          {
            figure: 'capacity: a card every 100 ms from ready until the index is whole, the card enrolled last (so read from the database until then)',
            measured: `${cards.during.latencies.length} of ${presented(cards.during)} granted, last edge → relay median ${during.median.toFixed(2)} / p99 ${during.p99.toFixed(2)} / max ${during.max.toFixed(2)} ms ` +
              `(the index whole ${cards.loadedFromReadyS.toFixed(2)} s after ready; then median ${then.median.toFixed(2)} ms, n=${then.n})`,
            target: 'every card granted', met: presented(cards.during) > 0 && cards.during.lost === 0,
          },
          ...(empty ? [{ figure: 'capacity: same daemon, empty database', measured: `${empty.startS.toFixed(2)} s to ready, RSS ${empty.rssMb.toFixed(0)} MB`, target: 'context', met: null }] : []),
          ...(resident
            ? [{
              figure: `capacity: RSS after load, ${n} identifiers, batch worker resident (api.batchWorker)`,
              measured: `${resident.rssMb.toFixed(0)} MB (after ${LOGINS} more logins ${resident.afterLoginsMb.toFixed(0)} MB; ${resident.startS.toFixed(2)} s to ready)`,
              target: `≤ ${TARGET_RSS_MB} MB (an option, not the default)`, met: Math.max(resident.rssMb, resident.afterLoginsMb) <= TARGET_RSS_MB,
            }]
            : []),
        ],
        data: {
          identifiers: count, fillS, startS, indexS, indexLoadMs: load.ms, indexLoadInBackground: load.background, rssMb, peakMb, afterLoginsMb, empty, resident,
          nodeArgs: DAEMON_NODE_ARGS, allocatorEnv: DAEMON_ALLOCATOR_ENV,
          cardsWhileLoading: { latency: during, lost: cards.during.lost, firstFromReadyS: cards.firstFromReadyS, loadedFromReadyS: cards.loadedFromReadyS, afterLoad: then },
        },
        notes: [
          `${n} identifiers inserted in ${fillS.toFixed(1)} s (one transaction); daemon run from the bundle (dist/cli/bin.js) with the unit's node options (${DAEMON_NODE_ARGS.join(' ') || 'none'}) and allocator environment (${Object.entries(DAEMON_ALLOCATOR_ENV).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}); RSS read 2 s (smoke: 0.5 s) after the index is whole (the bench logged in once before), and again after ${LOGINS} more logins, from /proc/<pid>/status (MB = MiB).`,
          `cards while the index loads: the first ${cards.firstFromReadyS.toFixed(2)} s after ready (after logging in and opening the events stream); ${describePhase(cards.during)}.`,
        ],
      };
    } finally {
      // Still waiting for a daemon that never came (a start above failed).
      if (reader) process.kill(reader.pid);
      dir.remove();
      cardsDir.remove();
      residentDir?.remove();
    }
  },
};
