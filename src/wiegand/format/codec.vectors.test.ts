/** Every reference frame (Proxmark3-packed) must get the reference verdict and fields. */
import { describe, expect, it } from 'vitest';
import frames from '../../../test/fixtures/wiegand-frames.json' with { type: 'json' };
import { bitsFromString } from '../types.ts';
import { decodeBits, encodeFields } from './codec.ts';
import { findFormat } from './formats.ts';

describe('reference frames', () => {
  it('covers all 1,607 rows', () => {
    expect(frames).toHaveLength(1607);
  });

  it.each(frames.map((r) => [`${r.format} ${r.case}`, r] as const))('%s', (_label, row) => {
    const format = findFormat(row.format)!;
    const out = decodeBits(format, bitsFromString(row.bitstring));
    expect(out.parityOk).toBe(row.expect_parity_ok);
    expect(out.fields).toEqual(row.expect_fields);
    if (!row.corrupted) {
      expect(out.fields).toEqual(row.encoded_fields);
      expect(encodeFields(format, row.encoded_fields)).toEqual(bitsFromString(row.bitstring));
    }
  });
});
