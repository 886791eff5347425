/**
 * Logging from a worker thread. pino's destination is the calling thread's stdout, but the
 * daemon's logger (its level, its destination, silent in tests) lives on the main thread: the
 * worker logs through a pino of its own with the same redaction, whose lines are posted to the
 * thread that started it, which writes them through its logger.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from './logger.ts';

/** A worker's log line, as posted. */
export interface WorkerLogLine {
  readonly kind: 'log';
  readonly line: string;
}

/** In the worker: a logger at `level` whose lines go to `post`. */
export function workerLogger(level: string, post: (m: WorkerLogLine) => void): Logger {
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      post({ kind: 'log', line: chunk.toString().trimEnd() });
      done();
    },
  });
  return createLogger({ level, destination });
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
};

/** On the main thread: writes a worker's line through `logger`, keeping its fields and level. */
export function relayWorkerLog(logger: Logger, m: WorkerLogLine): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(m.line) as Record<string, unknown>;
  } catch {
    logger.warn({ line: m.line }, 'unreadable log line from a worker thread');
    return;
  }
  const { level, time: _time, pid: _pid, hostname: _hostname, msg, ...fields } = entry;
  const method = LEVELS[Number(level)] ?? 'info';
  logger[method](fields, typeof msg === 'string' ? msg : '');
}
