/**
 * Helpers for tests that run the real daemon: temporary data dirs and config files, identifiers
 * seeded through the real service layer into the real SQLite file, the daemon as a child process
 * (`node scripts/doorctl.mjs run`), and cards presented through the simulated reader socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { connectSimEdgeClient, type SimEdgeClient } from '../../src/capture/sim/sim-edge-client.ts';
import { edgeTrain } from '../../src/capture/sim/edge-train.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { systemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createServices } from '../../src/service/services.ts';
import type { IdentifierCreate } from '../../src/service/identifiers.ts';
import { openDatabase } from '../../src/storage/database.ts';
import type { Bits } from '../../src/wiegand/types.ts';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes a JSON config (API on an ephemeral loopback port unless given) and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ dataDir: join(dir, 'data'), api: { port: 0 }, ...config }, null, 2));
  return path;
}

/** Creates identifiers through the service layer, in the data dir's real database. */
export function seedIdentifiers(configPath: string, items: IdentifierCreate[]): string[] {
  const config = parseConfig(JSON.parse(readFileSync(configPath, 'utf8')));
  const db = openDatabase({ dataDir: config.dataDir });
  try {
    const services = createServices({ db, index: new CredentialIndex(), clock: systemClock, logger: silentLogger, config });
    const uids = items.map((item) => {
      const r = services.identifiers.create(item);
      if (!r.ok) throw new Error(`seed failed: ${r.code} ${r.detail ?? ''}`);
      return r.value.uid;
    });
    services.close();
    return uids;
  } finally {
    db.close();
  }
}

export interface ChildDaemon {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first (new) stdout line matching `pred`. */
  waitForLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
}

/**
 * `entry`: the CLI file to run, relative to the repository (the bench runs the built dist/cli/bin.js);
 * `nodeArgs`: options for node itself, before the entry (the bench preloads a monitor).
 */
export function spawnDaemon(configPath: string, env: NodeJS.ProcessEnv = {}, entry = 'scripts/doorctl.mjs', nodeArgs: readonly string[] = []): ChildDaemon {
  const proc = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, entry), 'run', '--config', configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let buf = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
  // 'close' rather than 'exit': every line the child wrote has been read by then.
  const exit = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  return {
    proc,
    lines,
    waitForLine(pred, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a daemon line; last lines:\n${lines.slice(-10).join('\n')}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
    exited: () => exit,
  };
}

export const isLog = (msg: string) => (line: string) => line.includes(`"msg":"${msg}"`);

/**
 * Sends a whole frame at once, its edges stamped so the last one is "now" (50 µs pulses, 2 ms apart
 * by default). Successive calls must be further apart than a frame lasts, as with a real reader.
 */
export async function presentFrame(client: SimEdgeClient, reader: string, bits: Bits, intervalUs = 2000): Promise<void> {
  const train = edgeTrain(bits, { pulseUs: 50, intervalUs });
  const nowUs = Number(process.hrtime.bigint() / 1000n);
  const shift = nowUs - train[train.length - 1]!.timeUs;
  await client.send(reader, train.map((e) => ({ ...e, timeUs: e.timeUs + shift })));
}

export { connectSimEdgeClient };
