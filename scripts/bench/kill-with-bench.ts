import type { ChildProcess } from 'node:child_process';

/** A bench that dies must not leave its children running: SIGKILL at the bench's exit, unless the child has ended first. */
export function killWithBench(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('close', () => process.off('exit', kill));
}
