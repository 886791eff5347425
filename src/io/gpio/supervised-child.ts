/**
 * Keeps one helper process (gpioset holding a line, gpiomon watching one) alive. A deliberate
 * `respawn()` stops the current process and starts a fresh one built from the latest arguments;
 * an unexpected exit is logged and the process restarted up to `maxRestarts` times, after which
 * the supervisor gives up (the line is then released and the hardware default applies).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/logger.ts';

export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

export interface SupervisedChildOptions {
  readonly name: string;
  readonly logger: Logger;
  readonly maxRestarts: number;
  /** Built afresh at every (re)start, so it can reflect the newest desired state. */
  readonly commandLine: () => CommandLine;
  readonly onSpawn?: (child: ChildProcess) => void;
  readonly onFailure?: () => void;
}

export class SupervisedChild {
  private child: ChildProcess | undefined;
  private restartWanted = false;
  private closing = false;
  private unexpectedExits = 0;
  private gaveUp = false;
  private readonly exitWaiters: Array<() => void> = [];

  constructor(private readonly opts: SupervisedChildOptions) {
    this.launch();
  }

  /** Replaces the process with one built from the current command line. */
  respawn(): void {
    if (this.closing) return;
    if (this.child === undefined) {
      if (!this.gaveUp) this.launch();
      return;
    }
    this.restartWanted = true;
    this.child.kill('SIGTERM');
  }

  running(): boolean {
    return this.child !== undefined;
  }

  failed(): boolean {
    return this.gaveUp;
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  stop(): Promise<void> {
    this.closing = true;
    if (this.child === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.child.kill('SIGTERM');
    return done;
  }

  private launch(): void {
    const { command, args } = this.opts.commandLine();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-500);
    });
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
      if (ended) return;
      ended = true;
      this.exited(child, code, signal, stderr.trim(), err);
    };
    child.on('error', (err) => onEnd(null, null, err));
    child.on('exit', (code, signal) => onEnd(code, signal));
    this.opts.onSpawn?.(child);
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderr: string, err?: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.closing) {
      for (const w of this.exitWaiters.splice(0)) w();
      return;
    }
    if (this.restartWanted) {
      this.restartWanted = false;
      this.launch();
      return;
    }
    this.unexpectedExits++;
    const give = this.unexpectedExits > this.opts.maxRestarts;
    this.opts.logger.error(
      { err, code, signal, stderr, helper: this.opts.name, attempt: this.unexpectedExits },
      give ? 'gpio helper keeps exiting; giving up (line released)' : 'gpio helper exited unexpectedly; restarting',
    );
    this.opts.onFailure?.();
    if (give) this.gaveUp = true;
    else this.launch();
  }
}
