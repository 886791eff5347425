/**
 * The import figure's API client, run as its own process (spawnLineChild) so that building,
 * sending and parsing 2.2 MB bodies never delays the bench process that watches the cards.
 * A real admin console is another process too.
 *
 * Input (env): IMPORT_BASE_URL, IMPORT_TOKEN (bearer), IMPORT_TOTAL, IMPORT_BATCH, and
 * IMPORT_MIN_MS: the IMPORT_TOTAL items are imported again, pass after pass, until a pass ends at
 * least that long after the first request (default 0: one pass). Passes alternate between two
 * sets of values, so every pass changes every item; IMPORT_FIRST_PASS (default 0) is the number of
 * passes earlier importers made on the same daemon, so the alternation goes on across them.
 * Output on stdout: `ready` once every body is built, then, after the last PUT, one JSON line
 * (`ImportReport`). The PUTs start right after `ready`, one after another.
 */
import { batchBody, putBatch } from './batch-admin.ts';
import type { BenchDaemon } from './child-daemon.ts';
import { monotonicMs } from './child-daemon.ts';
import { READY } from './line-child.ts';

export interface ImportReport {
  /** Per PUT: request → parsed response (ms), and how many of its items succeeded. */
  readonly batchMs: number[];
  readonly okItems: number[];
  readonly items: number[];
  /** Full imports of IMPORT_TOTAL items made. */
  readonly passes: number;
  /** monotonicMs() (the system monotonic clock, shared by processes) at the first request and after the last response. */
  readonly startMs: number;
  readonly endMs: number;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (name: string): string => {
    const v = process.env[name];
    if (v === undefined) throw new Error(`${name} is required`);
    return v;
  };
  const total = Number(env('IMPORT_TOTAL'));
  const batch = Number(env('IMPORT_BATCH'));
  // putBatch reads only the daemon's address and token.
  const daemon = { base: env('IMPORT_BASE_URL'), token: env('IMPORT_TOKEN') } as BenchDaemon;
  const minMs = Number(process.env.IMPORT_MIN_MS ?? 0);
  const firstPass = Number(process.env.IMPORT_FIRST_PASS ?? 0);
  const bodiesOf = (round: number) => Array.from({ length: total / batch }, (_, b) => batchBody(b * batch, batch, round));
  // A second set of values only when there may be a second pass.
  const rounds = minMs > 0 || firstPass > 0 ? [bodiesOf(1), bodiesOf(2)] : [bodiesOf(1)];
  process.stdout.write(`${READY}\n`);
  const report: { -readonly [K in keyof ImportReport]: ImportReport[K] } = { batchMs: [], okItems: [], items: [], passes: 0, startMs: monotonicMs(), endMs: 0 };
  do {
    for (const body of rounds[(firstPass + report.passes) % rounds.length]!) {
      const r = await putBatch(daemon, body);
      report.batchMs.push(r.ms);
      report.okItems.push(r.ok);
      report.items.push(r.items);
    }
    report.passes++;
  } while (monotonicMs() - report.startMs < minMs);
  process.stdout.write(JSON.stringify({ ...report, endMs: monotonicMs() }) + '\n');
}
