/** Cost of decoding one 26-bit frame (`npx vitest bench --run src/wiegand/format`). */
import { bench, describe } from 'vitest';
import { bitsFromString, type RawFrame } from '../types.ts';
import { decodeFrame } from './decode-frame.ts';
import { FORMATS, findFormat, rawFormat } from './formats.ts';

const good: RawFrame = {
  reader: 'front',
  bits: bitsFromString('10111101100010001110101110'),
  firstEdgeUs: 0,
  lastEdgeUs: 0,
  bitPeriodUs: 0,
  source: 'sim',
};
const corrupted: RawFrame = { ...good, bits: bitsFromString('10111001100010001110101110') };
const h10301 = [findFormat('H10301')!];
const everything = [...FORMATS, rawFormat(0)];

describe('decodeFrame, 26 bits', () => {
  bench('valid frame, reader configured with H10301', () => {
    decodeFrame(good, h10301, 0);
  });
  bench('corrupted frame, reader configured with the whole table + raw', () => {
    decodeFrame(corrupted, everything, 0);
  });
});
