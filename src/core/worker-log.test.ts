import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { relayWorkerLog, workerLogger, type WorkerLogEntry } from './worker-log.ts';

function mainLogger(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** Posts as a worker does: through a structured clone. */
function posting(): { posted: WorkerLogEntry[]; post: (m: WorkerLogEntry) => void } {
  const posted: WorkerLogEntry[] = [];
  return { posted, post: (m) => posted.push(structuredClone(m)) };
}

describe('worker log entries', () => {
  it("reach the main thread's logger with their level, fields and child bindings, secrets redacted there", () => {
    const { posted, post } = posting();
    const log = workerLogger('info', post).child({ backend: 'gpiomon' });
    log.warn({ reader: 'door1', pin: '1234' }, 'edges for an unknown reader');
    log.info('sim edge socket listening');
    log.debug('below the level: not posted');
    expect(posted.map((m) => m.level)).toEqual(['warn', 'info']);

    const { logger, lines } = mainLogger();
    for (const m of posted) relayWorkerLog(logger.child({ thread: 'capture' }), m);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 40, thread: 'capture', backend: 'gpiomon', reader: 'door1', pin: '[redacted]', msg: 'edges for an unknown reader',
    });
    expect(JSON.stringify(lines)).not.toContain('1234');
    expect(lines[1]).toMatchObject({ level: 30, backend: 'gpiomon', msg: 'sim edge socket listening' });
  });

  it('carry an error as its message and stack (a subclass would lose them in the clone)', () => {
    const { posted, post } = posting();
    class LibraryError extends Error {}
    const err = Object.assign(new LibraryError('lines busy'), { code: 'EBUSY' });
    workerLogger('info', post).error({ err }, 'gpiomon failed');
    const { logger, lines } = mainLogger();
    relayWorkerLog(logger, posted[0]!);
    expect(lines[0]).toMatchObject({ level: 50, err: { message: 'lines busy' }, msg: 'gpiomon failed' });
    expect((lines[0]!.err as { stack: string }).stack).toContain('worker-log.test.ts');
  });

  it('keep the line when a field cannot be cloned, naming the fields left out', () => {
    const { posted, post } = posting();
    workerLogger('info', post, { thread: 'x' }).warn({ callback: () => 1 }, 'odd field');
    expect(posted).toEqual([{ kind: 'log', level: 'warn', fields: { thread: 'x', unloggableFields: ['callback'] }, msg: 'odd field' }]);
  });

  it('are dropped by a main logger whose level is above theirs', () => {
    const { logger, lines } = mainLogger('error');
    relayWorkerLog(logger, { kind: 'log', level: 'info', fields: {}, msg: 'info line' });
    expect(lines).toEqual([]);
  });
});
