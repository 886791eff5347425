/**
 * The import figure's API client, run as its own process (spawnLineChild) so that building,
 * sending and parsing 2.2 MB bodies never delays the bench process that watches the cards.
 * A real admin console is another process too.
 *
 * Input (env): IMPORT_BASE_URL, IMPORT_TOKEN (bearer), IMPORT_TOTAL, IMPORT_BATCH.
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
  const bodies = Array.from({ length: total / batch }, (_, b) => batchBody(b * batch, batch, 1));
  process.stdout.write(`${READY}\n`);
  const report: ImportReport = { batchMs: [], okItems: [], items: [], startMs: monotonicMs(), endMs: 0 };
  for (const body of bodies) {
    const r = await putBatch(daemon, body);
    report.batchMs.push(r.ms);
    report.okItems.push(r.ok);
    report.items.push(r.items);
  }
  process.stdout.write(JSON.stringify({ ...report, endMs: monotonicMs() }) + '\n');
}
