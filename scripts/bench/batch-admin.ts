/**
 * Batch admin: seed 000 `PUT /api/v1/access/identifiers?type=card` with 10,000 items over real
 * HTTP to the child daemon, timed from the request to the parsed response. PUT updates existing
 * identifiers (it does not create them), so the daemon's file is filled with the cards first.
 * The body is serialised before the clock starts: the figure is the daemon's, not the client's.
 */
import { join } from 'node:path';
import { tempDir, writeConfig } from '../../test/support/daemon-harness.ts';
import { fillIdentifiers } from './capacity.ts';
import { startChildDaemon, type BenchDaemon } from './child-daemon.ts';
import { enrolledNumber } from './decision.ts';
import type { Figure } from './figure.ts';
import { BENCH_DOOR } from './serial-relay.ts';
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

export const batchAdmin: Figure = {
  name: 'batch',
  description: 'PUT /api/v1/access/identifiers with 10,000 items over HTTP to the child daemon',
  async run(ctx) {
    const ITEMS = ctx.smoke ? 2000 : 10_000;
    const dir = tempDir('doorctl-bench-batch-');
    try {
      const configPath = writeConfig(dir.path, { gpio: { backend: 'sim' }, doors: [BENCH_DOOR], readers: [{ id: 'door1', door: 1 }] });
      fillIdentifiers(join(dir.path, 'data'), ITEMS);
      const daemon = await startChildDaemon(configPath);
      try {
        const rounds = ctx.smoke ? 1 : 8;
        const times: number[] = [];
        for (let round = 1; round <= rounds; round++) {
          const body = batchBody(0, ITEMS, round);
          const r = await putBatch(daemon, body);
          if (r.ok !== ITEMS) throw new Error(`round ${round}: ${r.ok}/${ITEMS} items succeeded`);
          times.push(r.ms / 1000);
          ctx.log(`batch round ${round}: ${r.ms.toFixed(0)} ms (${(body.length / 1e6).toFixed(1)} MB)`);
        }
        const s = summarize(times);
        return {
          rows: [{ figure: `batch admin: PUT ${ITEMS.toLocaleString('en')} identifiers, HTTP end to end`, measured: formatSummary(s, 's'), target: `≤ ${TARGET_S} s`, met: s.max <= TARGET_S }],
          data: { items: ITEMS, rounds, seconds: s },
          notes: [`every round changes owner, lock, validity and passes of all ${ITEMS.toLocaleString('en')} cards (each item a real update, each chunk a durable commit); target judged on the slowest round.`],
        };
      } finally {
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
  },
};
