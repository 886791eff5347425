/**
 * A bench helper script run as its own process (`node --import tsx SCRIPT`), talking in lines:
 * requests written to its stdin, answers read from its stdout. Work that would load the bench's
 * event loop (big HTTP bodies, edge pacing) runs there, so the measuring process stays idle.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../test/support/daemon-harness.ts';
import { killWithBench } from './kill-with-bench.ts';

/**
 * What a line child writes once it is set up, so its next work does not wait for its start. It
 * can call gc() (--expose-gc) first: the full collection after loading its modules then happens
 * before, not during, what it is measured on.
 */
export const READY = 'ready';

export interface LineChild {
  readonly pid: number;
  /** The next line the child writes on stdout (rejects if its stdout ends first). */
  nextLine(): Promise<string>;
  send(line: string): void;
  /** Ends its stdin and waits for it to exit; rejects on a non-zero exit. */
  close(): Promise<void>;
}

export function spawnLineChild(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): LineChild {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killWithBench(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    pid: child.pid!,
    async nextLine() {
      const r = await lines.next();
      if (!r.done) return r.value;
      throw new Error(`${script} exited (${await exited}) without answering: ${stderr}`);
    },
    send: (line) => child.stdin.write(`${line}\n`),
    async close() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`${script} exited (${code}) ${stderr}`);
    },
  };
}
