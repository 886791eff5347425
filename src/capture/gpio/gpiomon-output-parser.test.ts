import { describe, expect, it } from 'vitest';
import { GpiomonOutputParser, parseGpiomonLine } from './gpiomon-output-parser.ts';

describe('parseGpiomonLine', () => {
  it('parses 1.x lines (%o %e %s %n, unpadded nanoseconds)', () => {
    expect(parseGpiomonLine('v1', '17 0 1234 567890123')).toEqual({ offset: 17, edge: 'falling', timeUs: 1_234_567_890 });
    expect(parseGpiomonLine('v1', '27 1 5 42000')).toEqual({ offset: 27, edge: 'rising', timeUs: 5_000_042 });
    expect(parseGpiomonLine('v1', '27 0 5 999')).toEqual({ offset: 27, edge: 'falling', timeUs: 5_000_000 });
  });
  it('parses 2.x lines (%o %E %S)', () => {
    expect(parseGpiomonLine('v2', '17 falling 1234.567890123')).toEqual({ offset: 17, edge: 'falling', timeUs: 1_234_567_890 });
    expect(parseGpiomonLine('v2', '27 rising 5.000042000\r')).toEqual({ offset: 27, edge: 'rising', timeUs: 5_000_042 });
  });
  it('rejects lines of the other dialect and garbage', () => {
    for (const bad of [
      '17 falling 1234.567890123',
      '17 2 1234 5',
      '17 0 1234',
      '17 0 1234 1234567890',
      'gpiomon: unable to request lines: Device or resource busy',
      '',
      '-1 0 1 1',
    ]) {
      expect(parseGpiomonLine('v1', bad), bad).toBeNull();
    }
    for (const bad of ['17 0 1234 567890123', '17 falling 1234.5678', '17 falling 2026-01-01T00:00:00.000000000Z', 'x']) {
      expect(parseGpiomonLine('v2', bad), bad).toBeNull();
    }
  });
});

describe('GpiomonOutputParser', () => {
  it('joins lines split across chunks and keeps order', () => {
    const p = new GpiomonOutputParser('v1');
    expect(p.push('17 0 1 100000\n27 0 1 1')).toEqual([{ offset: 17, edge: 'falling', timeUs: 1_000_100 }]);
    expect(p.push('02000\n17 0 1 104000\n')).toEqual([
      { offset: 27, edge: 'falling', timeUs: 1_000_102 },
      { offset: 17, edge: 'falling', timeUs: 1_000_104 },
    ]);
    expect(p.malformed).toBe(0);
  });
  it('counts and skips malformed lines without losing the good ones around them', () => {
    const p = new GpiomonOutputParser('v2');
    const events = p.push('17 falling 1.000100000\nnoise\n\n27 falling 1.000102000\n27 sideways 1.0\n');
    expect(events.map((e) => e.offset)).toEqual([17, 27]);
    expect(p.malformed).toBe(2);
  });
  it('drops an over-long unterminated line instead of buffering it', () => {
    const p = new GpiomonOutputParser('v1');
    p.push('x'.repeat(10_000));
    expect(p.malformed).toBe(1);
    expect(p.push('\n17 0 1 1\n')).toHaveLength(1);
  });
  it('reset drops a half line from a previous child', () => {
    const p = new GpiomonOutputParser('v1');
    p.push('17 0 1 1');
    p.reset();
    expect(p.push('27 0 2 2000\n')).toEqual([{ offset: 27, edge: 'falling', timeUs: 2_000_002 }]);
    expect(p.malformed).toBe(0);
  });
});
