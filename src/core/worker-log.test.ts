import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { relayWorkerLog, workerLogger, type WorkerLogLine } from './worker-log.ts';

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

describe('worker log lines', () => {
  it("reach the main thread's logger with their level, fields and child bindings, secrets redacted", async () => {
    const posted: WorkerLogLine[] = [];
    const log = workerLogger('info', (m) => posted.push(m)).child({ backend: 'gpiomon' });
    log.warn({ reader: 'door1', pin: '1234' }, 'edges for an unknown reader');
    log.debug('below the level: not posted');
    await new Promise((resolve) => setImmediate(resolve));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.line).not.toContain('1234');

    const { logger, lines } = mainLogger();
    relayWorkerLog(logger.child({ thread: 'capture' }), posted[0]!);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40, thread: 'capture', backend: 'gpiomon', reader: 'door1', pin: '[redacted]', msg: 'edges for an unknown reader',
    });
  });

  it('are dropped by a main logger whose level is above theirs', () => {
    const { logger, lines } = mainLogger('error');
    relayWorkerLog(logger, { kind: 'log', line: JSON.stringify({ level: 30, time: 1, msg: 'info line' }) });
    expect(lines).toEqual([]);
  });

  it('that cannot be read are logged as such, not thrown', () => {
    const { logger, lines } = mainLogger();
    expect(() => relayWorkerLog(logger, { kind: 'log', line: '{not json' })).not.toThrow();
    expect(lines[0]).toMatchObject({ level: 40, line: '{not json', msg: 'unreadable log line from a worker thread' });
  });
});
