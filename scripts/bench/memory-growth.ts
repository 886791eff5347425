/**
 * Memory growth: a 24-hour soak compressed. The daemon runs in-process (startDaemon, simulated
 * GPIO) on a ManualClock; 1,000,000 card frames are fed straight into reader door1's pipeline
 * (decoder → session → rules → executor → relay → journal), the clock advanced 86.4 ms after each
 * (1,000,000 × 86.4 ms = 24 h), so relays relock, the journal writer flushes and hits its
 * 1,000,000-row bound as in service. 90 % of the cards are enrolled, 10 % unknown. RSS after
 * warm-up (the first 10 %) is compared with RSS at the end, both after a full GC.
 * The data dir is on tmpfs (/dev/shm): fsync would otherwise make 24 h of journal flushes take
 * hours of wall time; file contents live outside the process, so its RSS is unaffected.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { pino } from 'pino';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { createLogger, silentLogger } from '../../src/core/logger.ts';
import { startDaemon } from '../../src/daemon/start-daemon.ts';
import { createServices } from '../../src/service/services.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import type { Bits } from '../../src/wiegand/types.ts';
import type { Figure } from './figure.ts';
import { BENCH_DOOR } from './serial-relay.ts';

const TARGET_GROWTH = 0.05;
const ENROLLED = 1000;
const STEP_MS = 86.4;

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

export const memoryGrowth: Figure = {
  name: 'memory',
  description: '24 h compressed soak: 1,000,000 presentations through the in-process daemon, RSS growth after warm-up',
  async run(ctx) {
    if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with node --expose-gc (npm run bench does)');
    const presentations = ctx.smoke ? 5_000 : 1_000_000;
    const dir = mkdtempSync('/dev/shm/doorctl-bench-memory-');
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const config = configSchema.parse({ dataDir: join(dir, 'data'), gpio: { backend: 'sim' }, api: { port: 0 }, doors: [BENCH_DOOR], readers: [{ id: 'door1', door: 1 }] });
    // Every decision is logged as in service, to /dev/null.
    const logger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream });
    // An admin account before start, so the daemon does not print an initial password into the table.
    const db = openDatabase({ dataDir: config.dataDir });
    const setup = createServices({ db, index: new CredentialIndex(), clock, logger: silentLogger, config });
    await setup.auth.setPassword('admin', randomUUID(), 'admin');
    setup.close();
    db.close();
    const daemon = await startDaemon({ config, logger, clock, env: {} });
    try {
      const h10301 = findFormat('H10301')!;
      const cards: Bits[] = [];
      for (let i = 0; i < ENROLLED; i++) {
        const r = daemon.services.identifiers.create({
          identifier_type: 'card', identifier_number: String((1 << 16) | i) as never,
          identifier_owner: { type: 'owner', name: `Owner ${i % 50}` }, lock: 'all',
          valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
        } as never);
        if (!r.ok) throw new Error(`enrol ${i}: ${r.code}`);
        cards.push(encodeFields(h10301, { facility_code: 1, card_number: i }));
      }
      // Unknown cards: facility 2 is never enrolled.
      for (let i = 0; i < ENROLLED / 9; i++) cards.push(encodeFields(h10301, { facility_code: 2, card_number: i }));
      const pipeline = daemon.readers.get('door1')!;
      let grants = 0;
      let denies = 0;
      daemon.events.on('decision', (d: { outcome: string }) => (d.outcome === 'grant' ? grants++ : denies++));

      const warmup = presentations / 10;
      const trend: Array<{ presentations: number; rssMb: number; heapMb: number }> = [];
      let warmRss = 0;
      const t0 = performance.now();
      for (let i = 1; i <= presentations; i++) {
        const bits = cards[i % cards.length]!;
        const lastEdgeUs = clock.monotonicUs();
        pipeline.frame({ reader: 'door1', bits, firstEdgeUs: lastEdgeUs - 50_000, lastEdgeUs, bitPeriodUs: 2000, source: 'sim' });
        clock.advanceMs(STEP_MS);
        if (i % 1000 === 0) await yieldLoop();
        if (i % (presentations / 20) === 0) {
          gc();
          const sample = { presentations: i, rssMb: rssMb(), heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
          trend.push(sample);
          if (i === warmup) warmRss = sample.rssMb;
          ctx.log(`memory: ${i} presentations, RSS ${sample.rssMb.toFixed(0)} MB, heap ${sample.heapMb.toFixed(0)} MB`);
        }
      }
      const wallS = (performance.now() - t0) / 1000;
      if (grants + denies !== presentations) throw new Error(`${grants + denies} decisions for ${presentations} presentations`);
      const endRss = trend[trend.length - 1]!.rssMb;
      const growth = (endRss - warmRss) / warmRss;
      const simulatedH = (presentations * STEP_MS) / 3_600_000;
      return {
        rows: [{
          figure: `memory growth, ${presentations.toLocaleString('en')} presentations (${simulatedH.toFixed(1)} h compressed), in-process daemon`,
          measured: `RSS ${warmRss.toFixed(0)} → ${endRss.toFixed(0)} MB after warm-up (${(growth * 100).toFixed(1)} %)`,
          target: `≤ ${TARGET_GROWTH * 100} %`,
          met: growth <= TARGET_GROWTH,
        }],
        data: { presentations, grants, denies, wallS, warmRss, endRss, growth, trend },
        notes: [`${grants} grants, ${denies} denies in ${wallS.toFixed(0)} s wall; RSS/heap after GC every 5 %: ${trend.map((t) => `${t.rssMb.toFixed(0)}/${t.heapMb.toFixed(0)}`).join(', ')} MB.`],
      };
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
