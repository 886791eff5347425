/**
 * Wiegand capture through the kernel GPIO character device, using `gpiomon` (Debian package
 * `gpiod`) as a child process. The kernel timestamps and queues every edge, so pulses are not lost
 * while Node is busy, and the timestamps (CLOCK_MONOTONIC) let the frame layer judge silence by
 * when edges happened rather than when we read them. This is the recommended backend on a Pi.
 *
 * The child is restarted with capped exponential backoff whenever it exits (lines busy, chip
 * missing after a driver reload, killed by someone), until stop().
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { silentSink, type LogSink } from '../../core/log-sink.ts';
import type { EdgeSink, EdgeSource } from '../edge-source.ts';
import { GpiomonOutputParser } from './gpiomon-output-parser.ts';
import { gpiomonArgs, parseGpiomonVersion, type GpiomonVersion, type GpiomonWatch } from './gpiomon-syntax.ts';
import { DEFAULT_BACKOFF, RestartBackoff, type BackoffOptions } from './restart-backoff.ts';

export interface GpiomonBackendOptions extends GpiomonWatch {
  readonly onEdge: EdgeSink;
  readonly clock: Clock;
  readonly logger?: LogSink;
  /** Program and leading arguments (default ["gpiomon"]); tests run a fake through node. */
  readonly command?: readonly [string, ...string[]];
  readonly env?: NodeJS.ProcessEnv;
  readonly backoff?: Partial<BackoffOptions>;
  /** How long `gpiomon --version` may take (default 5000 ms). */
  readonly versionTimeoutMs?: number;
  /** Told the pid of each gpiomon started, and null when it has exited. */
  readonly onChild?: (pid: number | null) => void;
}

export interface GpiomonBackendStats {
  readonly version: GpiomonVersion | null;
  readonly running: boolean;
  readonly starts: number;
  readonly exits: number;
  /** Falling edges delivered on D0/D1. */
  readonly edges: number;
  /** Well-formed events we did not ask for (rising edges, other offsets). */
  readonly ignored: number;
  /** Output lines that were not events. */
  readonly malformed: number;
  /** Delay of the pending restart, null when none is scheduled. */
  readonly nextRestartDelayMs: number | null;
}

export class GpiomonUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpiomonUnavailableError';
  }
}

/** A child whose timestamps are further than this from our monotonic clock is not on CLOCK_MONOTONIC. */
const TIME_BASE_TOLERANCE_US = 5_000_000;
const STDERR_TAIL_CHARS = 500;
const KILL_GRACE_MS = 2_000;

export class GpiomonBackend implements EdgeSource {
  private readonly command: readonly [string, ...string[]];
  private readonly logger: LogSink;
  private readonly backoff: RestartBackoff;
  private version: GpiomonVersion | null = null;
  private child: ChildProcess | null = null;
  private parser: GpiomonOutputParser | null = null;
  private malformedBefore = 0;
  private childStartedUs = 0;
  private restartTimer: TimerHandle | null = null;
  private nextRestartDelayMs: number | null = null;
  private stopping = false;
  private warnedTimeBase = false;
  private readonly closeWaiters: Array<() => void> = [];
  private readonly counts = { starts: 0, exits: 0, edges: 0, ignored: 0 };

  constructor(private readonly opts: GpiomonBackendOptions) {
    if (opts.d0Line === opts.d1Line) throw new RangeError(`D0 and D1 must be different lines (both ${opts.d0Line})`);
    this.command = opts.command ?? ['gpiomon'];
    this.logger = (opts.logger ?? silentSink).child({ backend: 'gpiomon', chip: opts.chip, d0: opts.d0Line, d1: opts.d1Line });
    this.backoff = new RestartBackoff({ ...DEFAULT_BACKOFF, ...opts.backoff });
  }

  stats(): GpiomonBackendStats {
    return {
      version: this.version,
      running: this.child !== null,
      ...this.counts,
      malformed: this.malformedBefore + (this.parser?.malformed ?? 0),
      nextRestartDelayMs: this.nextRestartDelayMs,
    };
  }

  async start(): Promise<void> {
    if (this.child !== null || this.restartTimer !== null) return;
    this.stopping = false;
    this.version ??= await this.detectVersion();
    this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== null) {
      this.opts.clock.clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.nextRestartDelayMs = null;
    }
    const child = this.child;
    if (child === null) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    child.kill('SIGTERM');
    const killTimer = this.opts.clock.setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await closed;
    this.opts.clock.clearTimeout(killTimer);
  }

  private detectVersion(): Promise<GpiomonVersion> {
    const [cmd, ...lead] = this.command;
    return new Promise((resolve, reject) => {
      execFile(
        cmd,
        [...lead, '--version'],
        { env: this.opts.env, timeout: this.opts.versionTimeoutMs ?? 5_000 },
        (err, stdout) => {
          if (err !== null) {
            const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
            reject(
              new GpiomonUnavailableError(
                missing
                  ? `'${cmd}' not found: the gpiomon backend needs the Debian package "gpiod" (apt install gpiod)`
                  : `'${cmd} --version' failed: ${err.message}`,
              ),
            );
            return;
          }
          const version = parseGpiomonVersion(stdout);
          if (version === null) {
            reject(new GpiomonUnavailableError(`'${cmd} --version' printed no libgpiod version: ${JSON.stringify(stdout.slice(0, 200))}`));
            return;
          }
          this.logger.info({ version: version.version, dialect: version.dialect }, 'gpiomon detected');
          resolve(version);
        },
      );
    });
  }

  private launch(): void {
    const version = this.version;
    if (version === null || this.stopping) return;
    const [cmd, ...lead] = this.command;
    const args = [...lead, ...gpiomonArgs(version.dialect, this.opts)];
    if (this.parser !== null) this.malformedBefore += this.parser.malformed;
    const parser = new GpiomonOutputParser(version.dialect);
    this.parser = parser;
    this.counts.starts++;
    this.childStartedUs = this.opts.clock.monotonicUs();
    this.warnedTimeBase = false;

    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env });
    this.child = child;
    this.opts.onChild?.(child.pid ?? null);
    let stderrTail = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      for (const ev of parser.push(chunk)) this.deliver(ev.offset, ev.edge, ev.timeUs);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    let ended = false;
    // `exitCode`, not `code`: the logger redacts `code` keys (PIN codes).
    const end = (exitCode: number | null, signal: NodeJS.Signals | null, err?: Error) => {
      if (ended) return;
      ended = true;
      this.exited(child, { exitCode, signal, stderr: stderrTail.trim(), err: err?.message });
    };
    child.on('error', (err) => end(null, null, err));
    child.on('close', (code, signal) => end(code, signal));
  }

  private deliver(offset: number, edge: 'falling' | 'rising', timeUs: number): void {
    const line = offset === this.opts.d0Line ? 'D0' : offset === this.opts.d1Line ? 'D1' : null;
    if (line === null || edge !== 'falling') {
      this.counts.ignored++;
      return;
    }
    if (!this.warnedTimeBase && Math.abs(timeUs - this.opts.clock.monotonicUs()) > TIME_BASE_TOLERANCE_US) {
      this.warnedTimeBase = true;
      this.logger.warn(
        { edgeUs: timeUs, clockUs: this.opts.clock.monotonicUs() },
        'gpiomon timestamps are not on CLOCK_MONOTONIC (kernel < 5.7?); end-of-frame timing falls back to delivery time',
      );
    }
    this.counts.edges++;
    try {
      this.opts.onEdge({ line, timeUs });
    } catch (err) {
      this.logger.error({ err }, 'edge consumer threw; edge dropped');
    }
  }

  private exited(child: ChildProcess, info: { exitCode: number | null; signal: NodeJS.Signals | null; stderr: string; err?: string }): void {
    if (this.child !== child) return;
    this.child = null;
    this.opts.onChild?.(null);
    this.counts.exits++;
    if (this.stopping) {
      for (const resolve of this.closeWaiters.splice(0)) resolve();
      return;
    }
    const ranMs = (this.opts.clock.monotonicUs() - this.childStartedUs) / 1000;
    const delayMs = this.backoff.nextDelayMs(ranMs);
    this.nextRestartDelayMs = delayMs;
    this.logger.warn({ ...info, ranMs, restartInMs: delayMs }, 'gpiomon exited; restarting');
    this.restartTimer = this.opts.clock.setTimeout(() => {
      this.restartTimer = null;
      this.nextRestartDelayMs = null;
      this.launch();
    }, delayMs);
  }
}
