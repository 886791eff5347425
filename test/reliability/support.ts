/**
 * Shared by the reliability campaigns: campaign sizes (bounded in `npm test`, full under
 * `npm run test:reliability`), the real daemon with admin accounts set through the real CLI, HTTP
 * on loopback, a content hash of every table, and the check that no secret reached a log line.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLog, REPO_ROOT, spawnDaemon, tempDir, writeConfig, type ChildDaemon } from '../support/daemon-harness.ts';

export const FULL = process.env.RELIABILITY === 'full';
const LARGER_THAN_CI = FULL || Object.keys(process.env).some((k) => k.startsWith('RELIABILITY_') && k !== 'RELIABILITY_SEED');

/**
 * A campaign size: `ci` inside `npm test`, `full` under RELIABILITY=full; `RELIABILITY_<NAME>`
 * overrides either (for a documented larger-than-CI run when the full one would take hours).
 */
export function campaignSize(name: string, ci: number, full: number): number {
  const override = Number(process.env[`RELIABILITY_${name.toUpperCase()}`]);
  if (Number.isFinite(override) && override > 0) return Math.trunc(override);
  return FULL ? full : ci;
}

/**
 * A test timeout that grows with the campaign: `perCaseMs` per case plus slack. A larger-than-CI
 * run gets four times that: it is started by hand, often niced beside other work, and a 10M-case
 * run that finished every check was still marked failed by a timeout at load 7–9.
 */
export const timeoutFor = (cases: number, perCaseMs: number, slackMs = 60_000) =>
  Math.ceil((cases * perCaseMs + slackMs) * (LARGER_THAN_CI ? 4 : 1));

/** Every secret a campaign hands to the daemon, checked against every line the daemon logged. */
export class SecretRegistry {
  private readonly secrets = new Set<string>();
  add(...values: string[]): void {
    for (const v of values) if (v.length > 0) this.secrets.add(v);
  }
  /** The (line, secret) pairs where a secret appears in clear. */
  leaks(lines: readonly string[]): Array<{ secret: string; line: string }> {
    const found: Array<{ secret: string; line: string }> = [];
    for (const line of lines) for (const s of this.secrets) if (line.includes(s)) found.push({ secret: s, line });
    return found;
  }
  get size(): number {
    return this.secrets.size;
  }
}

/** `doorctl set-password USER [--role R]` with the password on stdin, as an installer would run it. */
export function setPassword(configPath: string, username: string, password: string, role?: 'admin' | 'operator'): void {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/doorctl.mjs'), 'set-password', username, ...(role ? ['--role', role] : [])], {
    cwd: REPO_ROOT,
    input: password,
    env: { ...process.env, DOORCTL_CONFIG: configPath },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`set-password ${username} failed (${r.status}): ${r.stderr}`);
}

export const ADMIN_PASSWORD = 'rel-admin-pass-Zq81xv';
export const OPERATOR_PASSWORD = 'rel-oper-pass-Kw72mb';

export interface RunningDaemon {
  readonly child: ChildDaemon;
  readonly port: number;
  readonly baseUrl: string;
  readonly pid: number;
  /** Pino `time` of the "admin API listening" line. */
  readonly listeningAtMs: number;
  /**
   * Resolves once the process exited AND its stdout/stderr were read to the end: 'exit' can come
   * before the last lines still in the pipe were read, and a campaign counting log lines needs them all.
   */
  readonly closed: Promise<void>;
}

/**
 * Starts the daemon and waits until it serves (the listening line, then "controller running").
 * `entry`: the CLI script to run (default: the sources through tsx; the bundle for timing figures).
 */
export async function startDaemon(configPath: string, env: NodeJS.ProcessEnv = {}, entry?: string): Promise<RunningDaemon> {
  const child = spawnDaemon(configPath, env, entry);
  const closed = new Promise<void>((resolve) => child.proc.once('close', () => resolve()));
  const listening = child.waitForLine(isLog('admin API listening'), 30_000);
  listening.catch(() => undefined); // awaited below; a start that fails reports through the next wait
  await child.waitForLine(isLog('controller running'), 30_000);
  const line = JSON.parse(await listening) as { port: number; time: number };
  return { child, port: line.port, baseUrl: `http://127.0.0.1:${line.port}`, pid: child.proc.pid!, listeningAtMs: line.time, closed };
}

/** Signals the daemon and waits until it is gone and all its output was read; returns the exit code. */
export async function stopDaemon(d: RunningDaemon, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (d.child.proc.exitCode === null && d.child.proc.signalCode === null) d.child.proc.kill(signal);
  const code = await d.child.exited();
  await d.closed;
  return code;
}

export interface DaemonSite {
  readonly dir: string;
  readonly configPath: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly remove: () => void;
}

/** A temp dir with a config (API on an ephemeral loopback port) and the admin and operator passwords set. */
export function prepareSite(prefix: string, config: Record<string, unknown>, secrets?: SecretRegistry): DaemonSite {
  const dir = tempDir(prefix);
  const configPath = writeConfig(dir.path, config);
  setPassword(configPath, 'admin', ADMIN_PASSWORD, 'admin');
  setPassword(configPath, 'operator', OPERATOR_PASSWORD, 'operator');
  secrets?.add(ADMIN_PASSWORD, OPERATOR_PASSWORD);
  const dataDir = (JSON.parse(readFileSync(configPath, 'utf8')) as { dataDir: string }).dataDir;
  return { dir: dir.path, configPath, dataDir, dbPath: join(dataDir, 'doorctl.db'), remove: dir.remove };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  readonly json: unknown;
}

/** One request with a raw body (string, bytes or JSON value); never throws on HTTP status. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string | Uint8Array; contentType?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(baseUrl + path, { method: method.toUpperCase(), headers, body });
  // A server-sent event stream stays open: its headers are the answer.
  const streaming = (res.headers.get('content-type') ?? '').includes('text/event-stream');
  const text = streaming ? (await res.body?.cancel(), '') : await res.text();
  let json: unknown;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * The path of the documented operation whose path ends with `suffix` (e.g. `/access_codes/update`,
 * which lives under a configurable prefix), read from the running server's /openapi.json.
 */
export async function operationPath(baseUrl: string, suffix: string): Promise<string> {
  const doc = (await http(baseUrl, 'get', '/openapi.json')).json as { paths: Record<string, unknown> };
  const found = Object.keys(doc.paths).filter((p) => p.endsWith(suffix));
  if (found.length !== 1) throw new Error(`no single operation ending in ${suffix}: ${found.join(', ')}`);
  return found[0]!;
}

export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const r = await http(baseUrl, 'post', '/api/v1/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return (r.json as { token: string }).token;
}

/**
 * SHA-256 over the content of every table (schema included), rows in primary-key order: equal
 * hashes mean the database says exactly the same thing, whatever SQLite did with its pages.
 */
export function contentHash(sqlite: Database.Database): string {
  const h = createHash('sha256');
  const tables = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
  for (const t of tables) {
    h.update(`\u0000table ${t.name}\u0000${t.sql}\u0000`);
    const rows = sqlite.prepare(`SELECT * FROM "${t.name.replace(/"/g, '""')}" ORDER BY 1, 2`).raw().all() as unknown[][];
    for (const row of rows) h.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v)) + '\n');
  }
  return h.digest('hex');
}

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Lines of a daemon's output that are JSON log records with `msg` equal to `msg`. */
export function logRecords(lines: readonly string[], msg: string): Array<Record<string, unknown>> {
  return lines.filter(isLog(msg)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export { isLog };
