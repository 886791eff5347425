/** The machine a run was made on, printed with every table (figures mean little without it). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  /** Filesystem of the temp dir the databases live in (fsync cost depends on it). */
  readonly tmpFilesystem: string;
  readonly loadAverage: string;
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  return {
    nproc: Number(tryRun('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: tryRun('uname', ['-sr']),
    tmpFilesystem: tryRun('df', ['--output=fstype', tmpdir()]).split('\n').pop() ?? 'unknown',
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}
