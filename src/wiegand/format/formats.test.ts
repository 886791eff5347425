import { describe, expect, it } from 'vitest';
import reference from '../../../test/fixtures/wiegand-formats.json' with { type: 'json' };
import { FORMATS, findFormat, formatsOfLength, loadFormats, rawFormat, resolveFormatNames } from './formats.ts';

describe('format table', () => {
  it('holds the 40 reference formats with the same layout as the reference table', () => {
    expect(FORMATS).toHaveLength(40);
    for (const ref of reference) {
      const f = findFormat(ref.name);
      const { name, bits, fields, parity } = f!;
      expect({ name, bits, fields, parity }).toEqual({
        name: ref.name,
        bits: ref.bits,
        fields: ref.fields,
        parity: ref.parity,
      });
      expect(f!.fixed).toEqual('fixed' in ref ? ref.fixed : undefined);
      expect(f!.xorChecksum).toEqual('xorChecksum' in ref ? ref.xorChecksum : undefined);
    }
  });

  it('keeps the reference constraints as data', () => {
    expect(findFormat('C15001')!.encodeDefaults).toEqual({ oem: 900 });
    expect(findFormat('S12906b')!.requiredFields).toEqual({ facility_code: 217 });
  });

  it('finds the formats sharing a length, in table order', () => {
    expect(formatsOfLength(26).map((f) => f.name)).toEqual(['H10301', 'ind26']);
    expect(formatsOfLength(34).map((f) => f.name)).toEqual(['H10306', 'N10002', 'Optus34', 'SMP34', 'BQT34']);
    expect(formatsOfLength(25)).toEqual([]);
    expect(findFormat('nope')).toBeUndefined();
  });

  it('makes raw formats of any length', () => {
    expect(rawFormat(128)).toEqual({ name: 'raw', bits: 128, fields: {}, parity: [] });
    expect(() => rawFormat(-1)).toThrow(RangeError);
  });

  it('resolves configured names in order and reports unknown ones', () => {
    const r = resolveFormatNames(['ind26', 'raw', 'H10301']);
    expect(r.ok && r.formats.map((f) => f.name)).toEqual(['ind26', 'raw', 'H10301']);
    expect(resolveFormatNames(['H10301', 'X1', 'Y2'])).toEqual({ ok: false, unknown: ['X1', 'Y2'] });
  });

  it('rejects a table whose bits overlap or fall outside the frame', () => {
    const base = { name: 'T', bits: 8, fields: { card_number: [1, 2, 3] }, parity: [] };
    expect(() => loadFormats([base])).not.toThrow();
    expect(() => loadFormats([{ ...base, parity: [{ pos: 2, type: 'even', over: [1] }] }])).toThrow(/both/);
    expect(() => loadFormats([{ ...base, fields: { card_number: [1, 8] } }])).toThrow(/outside/);
    expect(() => loadFormats([base, base])).toThrow(/duplicate/);
    expect(() => loadFormats([{ ...base, requiredFields: { card_number: 8 } }])).toThrow(/constraint/);
  });
});
