/**
 * Measures a 10,000-item seed 000 batch PUT over real HTTP on loopback against a real SQLite file:
 * total time, the process's CPU time (both threads), and the longest event-loop stall while it
 * runs (perf_hooks.monitorEventLoopDelay): through the batch worker (the default; it writes the
 * admin_change rows too), and on the main thread
 * chunked and as one unyielding chunk for comparison (admin changes through the services' own
 * batching journal writer). Two rounds each: the first also pays one-off costs. The client is
 * curl in its own process. Also printed: JSON.parse of the body (on the main thread without the
 * worker; the worker is handed the bytes and parses them itself) and the commit latency of this
 * disk, floors of the longest stall on the main-thread paths. While a
 * batch runs, the event loop also commits a pass every 10 ms (the card path's write before the
 * relay) and its duration is printed: how long a main-thread writer waits for the lock.
 *
 *   node --import tsx src/api/measure-batch.ts [items] [--worker-only] [--no-pass]
 *
 * --worker-only: only the batch worker path. --no-pass: no pass commits while the batch runs (a
 * commit waiting for the write lock stalls the event loop itself and hides the other stalls).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { CredentialIndex } from '../access/credential-index.ts';
import { configSchema } from '../config/config-schema.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { createServices, type ServicesDeps } from '../service/services.ts';
import { openDatabase } from '../storage/database.ts';
import { createIdentifiersRepository } from '../storage/identifiers.ts';
import { createUsersRepository } from '../storage/users.ts';
import { createApp } from './app.ts';

const args = process.argv.slice(2);
const ITEMS = Number(args.find((a) => !a.startsWith('--')) ?? 10_000);
const WORKER_ONLY = args.includes('--worker-only');
const PASSES = !args.includes('--no-pass');
const run = promisify(execFile);
const FIRST = 1_000_000;

async function measure(label: string, options: Pick<ServicesDeps, 'batchChunk' | 'batchWorker'>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-measure-'));
  const db = openDatabase({ dataDir: dir });
  const clock = systemClock;
  const index = new CredentialIndex();
  const services = createServices({ db, index, clock, logger: silentLogger, config: configSchema.parse({}), ...options });
  // Existing identifiers to update, written directly in one transaction (setup, not measured).
  const users = createUsersRepository(db, clock);
  const identifiers = createIdentifiersRepository(db, { clock });
  db.withTransaction(() => {
    const owner = users.create({ name: 'Setup', ownerType: 'owner' });
    if (!owner.ok) throw new Error('setup user');
    for (let i = 0; i < ITEMS; i++) identifiers.create({ type: 'card', number: BigInt(FIRST + i), userUuid: owner.value.uuid, lock: 'all' });
  });
  services.indexSync.loadAll();
  await services.auth.setPassword('admin', 'measure-password', 'admin');
  const app = createApp({ services, logger: silentLogger, clock });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'measure-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  // Round 1 also pays one-off costs (the worker thread's start, first statement preparation).
  for (let round = 1; round <= 2; round++) {
    const body = JSON.stringify({
      list_items: Array.from({ length: ITEMS }, (_, i) => ({
        identifier_number: String(FIRST + i),
        identifier_owner: { type: 'owner', name: `Owner ${(i + round) % 100}` },
        lock: (i + round) % 2 ? 'first' : 'second',
        valid: { time: { is_permanent: false, from: 1_800_000_000 + round, to: 1_900_000_000 }, passes: { is_permanent: false, max_passes: 10 } },
      })),
    });
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, body);

    // A limited-pass commit on the event loop every 10 ms, as the card path makes before the relay:
    // how long does it wait for the write lock while the batch writes?
    const passWaits: number[] = [];
    const passUid = identifiers.locate('card', BigInt(FIRST))!.uid;
    const passTimer = PASSES && setInterval(() => {
      const t = performance.now();
      services.repositories.identifiers.consumePass(passUid, Date.now());
      passWaits.push(performance.now() - t);
    }, 10);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { stdout } = await run('curl', [
      '-sS', '-X', 'PUT', '-H', 'content-type: application/json', '-H', `authorization: Bearer ${token}`,
      '--data-binary', `@${bodyFile}`, '-w', '\n%{http_code}', `${base}/api/v1/access/identifiers?type=card`,
    ], { maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    h.disable();
    if (passTimer) clearInterval(passTimer);
    passWaits.sort((a, b) => a - b);
    const status = stdout.slice(stdout.lastIndexOf('\n') + 1);
    const result = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\n'))) as { result?: Array<{ success: boolean }> };
    if (!result.result) throw new Error(`HTTP ${status}: ${stdout.slice(0, 300)}`);
    const ok = result.result.filter((r) => r.success).length;
    console.log(
      `${label}, round ${round}: ${ITEMS} items (${(body.length / 1e6).toFixed(1)} MB) HTTP ${status}, ${ok} updated in ${ms.toFixed(0)} ms ` +
        `(${((ms * 1000) / ITEMS).toFixed(0)} µs/item), process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; event loop delay max ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms; ` +
        (PASSES
          ? `pass commit on the event loop (n=${passWaits.length}) p99 ${passWaits[Math.floor((passWaits.length - 1) * 0.99)]?.toFixed(1)} ms, max ${passWaits.at(-1)?.toFixed(1)} ms`
          : 'no pass commits'),
    );
  }
  server.close();
  services.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The floors of the longest stall that are not the batch's own work. */
function floors(): void {
  const body = JSON.stringify({ list_items: Array.from({ length: ITEMS }, (_, i) => ({ identifier_number: String(FIRST + i), identifier_owner: { type: 'owner', name: `Owner ${i % 100}` }, lock: 'first', valid: { time: { is_permanent: false, from: 1_800_000_000, to: 1_900_000_000 }, passes: { is_permanent: false, max_passes: 10 } } })) });
  const parses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    JSON.parse(body);
    parses.push(performance.now() - t);
  }
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-measure-'));
  const db = openDatabase({ dataDir: dir });
  const write = db.sqlite.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES ('k', '1', 0) ON CONFLICT(key) DO UPDATE SET updated_at = updated_at + 1");
  const commits: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    write.run();
    commits.push(performance.now() - t);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const at = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * q)]!.toFixed(1);
  console.log(
    `floors: JSON.parse of the ${(body.length / 1e6).toFixed(1)} MB body median ${at(parses, 0.5)} ms; ` +
      `one-row commit (fsync) p50 ${at(commits, 0.5)} ms, p90 ${at(commits, 0.9)} ms, max ${at(commits, 1)} ms`,
  );
}

floors();
await measure('batch worker (default: validation, writes and admin_change rows off the main thread)', {});
if (!WORKER_ONLY) await measure('main thread, chunked (≤1000 items or ≤4 ms of item work per transaction)', { batchWorker: false });
if (!WORKER_ONLY) await measure('main thread, one chunk (no yielding, one transaction)', { batchWorker: false, batchChunk: { maxItems: Number.MAX_SAFE_INTEGER, maxMs: Number.MAX_SAFE_INTEGER } });
