/**
 * The real daemon as a child process, as it ships: the bundle `node dist/cli/bin.js run --config F`
 * (built once per bench process by `npm run build`, through the test harness's spawnDaemon),
 * with the node options and at the CPU priority its systemd unit gives it (Nice=, where this machine allows raising it),
 * logged in as the initial admin, plus a watch on its relay transitions:
 * the events stream (`GET /api/v1/events/stream`, SSE) when the daemon serves it, else the
 * daemon's stdout JSON log line `"msg":"relay"` (reported as such).
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT, isLog, spawnDaemon, type ChildDaemon } from '../../test/support/daemon-harness.ts';
import { killWithBench } from './kill-with-bench.ts';
import { DAEMON_ALLOCATOR_ENV, DAEMON_NICE, DAEMON_NODE_ARGS, realtimePriorityOf, spawnAsInstalled } from './process-priority.ts';

const BUILT_CLI = 'dist/cli/bin.js';
let built = false;

/** Builds dist/ from the current sources, once per process, so no figure runs a stale bundle; returns the CLI's path in the repo. */
export function builtCli(): string {
  if (!built) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  return BUILT_CLI;
}

export interface BenchDaemon {
  readonly child: ChildDaemon;
  readonly pid: number;
  readonly base: string;
  readonly token: string;
  /** Logs in as the initial admin once more (a password scrypt in the daemon); returns the new token. */
  login(): Promise<string>;
  /** The nice value it runs at: its unit's, or 0 where this machine did not allow raising it. */
  readonly nice: number;
  /** Its event loop's real-time priority once ready (config eventLoop.realtimePriority; 0 where not set or refused). */
  readonly realtimePriority: number;
  /** How it is scheduled, for notes: nice, and the loop's real-time priority if any. */
  readonly scheduling: string;
  /** monotonicMs() at spawn and when "controller running" was read (cards are decided from then on). */
  readonly spawnedAt: number;
  readonly readyAt: number;
  /**
   * monotonicMs() when "credential index loaded" was read: a large table loads in the background
   * after ready. startChildDaemon returns once it is in unless told not to wait, so every figure
   * but the start itself runs on a daemon with its whole index.
   */
  readonly indexLoaded: Promise<number>;
  stop(): Promise<void>;
}

/** The process's monotonic clock in ms: the same clock as edge timestamps (systemClock.monotonicUs). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const INITIAL_ADMIN = /^Initial admin account created\. Username: (\S+)\s+Password: (\S+)/;

/** Starts the daemon on a fresh data dir (its first start prints the initial admin password). */
export async function startChildDaemon(
  configPath: string,
  opts: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; nodeArgs?: readonly string[]; waitForIndex?: boolean } = {},
): Promise<BenchDaemon> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const cli = builtCli();
  const spawnedAt = monotonicMs();
  const { child, niced } = spawnAsInstalled(() => spawnDaemon(configPath, { ...DAEMON_ALLOCATOR_ENV, ...opts.env }, cli, [...DAEMON_NODE_ARGS, ...(opts.nodeArgs ?? [])]));
  const nice = niced ? DAEMON_NICE : 0;
  killWithBench(child.proc);
  let readyAt = 0;
  const admin = child.waitForLine((l) => INITIAL_ADMIN.test(l), readyTimeoutMs);
  const listening = child.waitForLine(isLog('admin API listening'), readyTimeoutMs);
  const running = child.waitForLine((l) => {
    if (!isLog('controller running')(l)) return false;
    readyAt = monotonicMs();
    return true;
  }, readyTimeoutMs);
  let indexLoadedAt = 0;
  const indexLoaded = handled(child.waitForLine((l) => {
    if (!isLog('credential index loaded')(l)) return false;
    indexLoadedAt = monotonicMs();
    return true;
  }, readyTimeoutMs).then(() => indexLoadedAt));
  const exitedEarly = child.exited().then((code) => {
    throw new Error(`daemon exited (${code}) before it was ready:\n${child.lines.slice(-15).join('\n')}`);
  });
  await Promise.race([Promise.all([running, opts.waitForIndex === false ? undefined : indexLoaded]), exitedEarly]);
  const [, username, password] = INITIAL_ADMIN.exec(await admin)!;
  const { port } = JSON.parse(await listening) as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const login = async (): Promise<string> => {
    const res = await fetch(`${base}/api/v1/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login failed: HTTP ${res.status}`);
    return ((await res.json()) as { token: string }).token;
  };
  const token = await login();
  exitedEarly.catch(() => {});
  const realtimePriority = realtimePriorityOf(child.proc.pid!);
  const scheduling = `nice ${nice}${realtimePriority > 0 ? `, event loop SCHED_RR ${realtimePriority}` : ''}`;
  return {
    child, pid: child.proc.pid!, base, token, login, nice, realtimePriority, scheduling, spawnedAt, readyAt, indexLoaded,
    async stop() {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
      child.proc.kill('SIGTERM');
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
      await child.exited();
      clearTimeout(timer);
    },
  };
}

export type RelayState = 'unlocked' | 'locked';

export interface RelayWatch {
  /** 'sse' (events stream) or 'log' (stdout JSON line, interim). */
  readonly source: 'sse' | 'log';
  /** Relay, decision and rejected-frame events seen on the stream so far, by type (empty when watching the log). */
  counts(): Record<string, number>;
  /** Resolves with monotonicMs() when the next transition of door 1 to `state` is seen. Call before causing it. */
  next(state: RelayState, timeoutMs?: number): Promise<number>;
  close(): void;
}

const WATCHED_TYPES = ['relay', 'access_granted', 'access_denied', 'frame_rejected'];

/** Watches relay transitions over the events stream if the daemon has it, else on stdout. */
export async function watchRelay(d: BenchDaemon): Promise<RelayWatch> {
  const sse = await openEventStream(d);
  if (sse) return sse;
  return {
    source: 'log',
    counts: () => ({}),
    next(state, timeoutMs = 5000) {
      let seenAt = 0;
      return handled(
        d.child
          .waitForLine((l) => {
            if (!(isLog('relay')(l) && l.includes(`"state":"${state}"`) && l.includes('"door":1'))) return false;
            seenAt = monotonicMs();
            return true;
          }, timeoutMs)
          .then(() => seenAt),
      );
    },
    close() {},
  };
}

/**
 * Marks a promise as handled: callers register the 'locked' watch before awaiting 'unlocked', so
 * if the first one fails the second must not crash the process as an unhandled rejection (the
 * caller still sees the rejection when it awaits).
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

interface Waiter {
  readonly state: RelayState;
  resolve(at: number): void;
}

async function openEventStream(d: BenchDaemon): Promise<RelayWatch | null> {
  const waiters: Waiter[] = [];
  const counts: Record<string, number> = {};
  // Only what the figures use: the daemon then spends nothing on serializing the 100,000
  // admin_change events of an import for this watcher.
  const url = new URL(`/api/v1/events/stream?types=${WATCHED_TYPES.join(',')}`, d.base);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${d.token}`, accept: 'text/event-stream' } }, resolve);
    req.once('error', reject);
    req.end();
  });
  if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
    res.resume();
    return null;
  }
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    const at = monotonicMs();
    buf += chunk;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type === undefined || data === undefined) continue;
      const e = JSON.parse(data) as { door?: string; reason?: string; details?: { state?: string } };
      const key = type === 'access_denied' || type === 'frame_rejected' ? `${type}:${e.reason}` : type;
      counts[key] = (counts[key] ?? 0) + 1;
      if (type !== 'relay') continue;
      const i = e.door === '1' ? waiters.findIndex((w) => w.state === e.details?.state) : -1;
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(at);
    }
  });
  return {
    source: 'sse',
    counts: () => ({ ...counts }),
    next(state, timeoutMs = 5000) {
      return handled(
        new Promise((resolve, reject) => {
          const waiter: Waiter = { state, resolve: (at) => { clearTimeout(timer); resolve(at); } };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            reject(new Error(`no relay ${state} event within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.push(waiter);
        }),
      );
    },
    close: () => res.destroy(),
  };
}
