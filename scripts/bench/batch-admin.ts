/**
 * Batch admin: seed 000 `PUT /api/v1/access/identifiers?type=card` with 10,000 items over real
 * HTTP to the child daemon, timed from the request to the parsed response. PUT updates existing
 * identifiers (it does not create them), so the daemon's file is filled with the cards first.
 * The body is serialised before the clock starts: the figure is the daemon's, not the client's.
 * Measured on an empty journal; on a full one (1,000,000 access events over three years, the state
 * of a controller after years of use, where each admin_change row the batch writes also makes the
 * journal drop its oldest rows); on a file holding 1,000,000 cards (the capacity target); and with
 * the batch worker resident (`api.batchWorker`), which the capacity figure prices in memory.
 */
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/database.ts';
import { createJournal } from '../../src/storage/journal.ts';
import { tempDir } from '../../test/support/daemon-harness.ts';
import { fillIdentifiers } from './capacity.ts';
import { startChildDaemon, type BenchDaemon } from './child-daemon.ts';
import { enrolledNumber } from './decision.ts';
import type { BenchContext, Figure, FigureRow } from './figure.ts';
import { THREE_YEARS_SPACING_MS, fillJournal } from './journal.ts';
import { writeSimDoorConfig } from './serial-relay.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_S = 1;

/** The JSON body updating cards [from, from + count) of fillIdentifiers' numbering; `round` varies the content. */
export function batchBody(from: number, count: number, round: number): string {
  return JSON.stringify({
    list_items: Array.from({ length: count }, (_, k) => {
      const i = from + k;
      return {
        identifier_number: enrolledNumber(i).toString(),
        identifier_owner: { type: 'owner', name: `Owner ${(i + round) % 100}` },
        lock: (i + round) % 2 ? 'first' : 'second',
        valid: { time: { is_permanent: false, from: 1_800_000_000 + round, to: 1_900_000_000 }, passes: { is_permanent: false, max_passes: 10 + round } },
      };
    }),
  });
}

/** Sends one batch; returns the milliseconds it took and how many items succeeded. */
export async function putBatch(d: BenchDaemon, body: string): Promise<{ ms: number; ok: number; items: number }> {
  const t0 = performance.now();
  const res = await fetch(`${d.base}/api/v1/access/identifiers?type=card`, {
    method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}` }, body,
  });
  const json = (await res.json()) as { result?: Array<{ success: boolean }> };
  const ms = performance.now() - t0;
  if (!res.ok || !json.result) throw new Error(`PUT identifiers: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return { ms, ok: json.result.filter((r) => r.success).length, items: json.result.length };
}

interface BatchSetup {
  /** Journal rows in the file (1,000,000 over three years: a full journal). Default 0. */
  readonly journalRows?: number;
  /** Cards in the file, the batch's `items` first. Default `items`. */
  readonly identifiers?: number;
  /** With `api.batchWorker: resident`. */
  readonly resident?: boolean;
}

/** Rounds of PUTs of `items` cards to a fresh child daemon whose file holds them (see BatchSetup). */
async function batchRounds(ctx: BenchContext, items: number, rounds: number, setup: BatchSetup = {}) {
  const { journalRows = 0, identifiers = items, resident = false } = setup;
  const dir = tempDir('doorctl-bench-batch-');
  try {
    const configPath = writeSimDoorConfig(dir.path, resident ? { api: { port: 0, batchWorker: 'resident' } } : {});
    const dataDir = join(dir.path, 'data');
    fillIdentifiers(dataDir, identifiers);
    if (journalRows > 0) {
      const db = openDatabase({ dataDir });
      try {
        const s = fillJournal(createJournal(db), journalRows, THREE_YEARS_SPACING_MS, Date.now());
        ctx.log(`batch: journal filled with ${journalRows.toLocaleString('en')} rows in ${s.toFixed(1)} s`);
      } finally {
        db.close();
      }
    }
    const what = [journalRows > 0 ? 'full journal' : '', identifiers > items ? `${identifiers.toLocaleString('en')} identifiers` : '', resident ? 'resident worker' : ''].filter(Boolean);
    const label = what.length > 0 ? ` (${what.join(', ')})` : '';
    const daemon = await startChildDaemon(configPath);
    try {
      const times: number[] = [];
      for (let round = 1; round <= rounds; round++) {
        const body = batchBody(0, items, round);
        const r = await putBatch(daemon, body);
        if (r.ok !== items) throw new Error(`round ${round}: ${r.ok}/${items} items succeeded`);
        times.push(r.ms / 1000);
        ctx.log(`batch round ${round}${label}: ${r.ms.toFixed(0)} ms (${(body.length / 1e6).toFixed(1)} MB)`);
      }
      return { rounds, journalRows, identifiers, resident, secondsEach: times, seconds: summarize(times) };
    } finally {
      await daemon.stop();
    }
  } finally {
    dir.remove();
  }
}

export const batchAdmin: Figure = {
  name: 'batch',
  description: 'PUT /api/v1/access/identifiers with 10,000 items over HTTP to the child daemon, on an empty and on a full journal',
  async run(ctx) {
    const ITEMS = ctx.smoke ? 2000 : 10_000;
    const empty = await batchRounds(ctx, ITEMS, ctx.smoke ? 1 : 8);
    const full = await batchRounds(ctx, ITEMS, ctx.smoke ? 1 : 5, { journalRows: ctx.smoke ? 20_000 : 1_000_000 });
    const atCapacity = await batchRounds(ctx, ITEMS, ctx.smoke ? 1 : 3, { identifiers: ctx.smoke ? 20_000 : 1_000_000 });
    const resident = await batchRounds(ctx, ITEMS, ctx.smoke ? 1 : 5, { resident: true });
    const row = (r: typeof empty, what: string): FigureRow => ({
      figure: `batch admin: PUT ${ITEMS.toLocaleString('en')} identifiers, HTTP end to end, ${what}`,
      measured: `${formatSummary(r.seconds, 's')}; rounds ${r.secondsEach.map((x) => x.toFixed(2)).join(', ')}`,
      target: `≤ ${TARGET_S} s`,
      met: r.seconds.max <= TARGET_S,
    });
    return {
      rows: [
        row(empty, 'empty journal'),
        row(full, `${full.journalRows.toLocaleString('en')}-row journal`),
        row(atCapacity, `${atCapacity.identifiers.toLocaleString('en')} identifiers in the file`),
        { ...row(resident, 'empty journal, batch worker resident (api.batchWorker; its memory at rest: capacity figure)'), target: `≤ ${TARGET_S} s (an option, not the default)` },
      ],
      data: { items: ITEMS, empty, full, atCapacity, resident },
      notes: [
        `every round changes owner, lock, validity and passes of all ${ITEMS.toLocaleString('en')} cards (each item a real update, each chunk a durable commit); target judged on the slowest round, the first after the daemon starts included (by default it also starts the batch worker; a resident one was started with the daemon, before the first round).`,
      ],
    };
  },
};
