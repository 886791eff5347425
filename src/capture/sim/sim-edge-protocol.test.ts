import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeSimEdgeMessage, parseSimEdgeMessage, SIM_EDGE_MAX_LINE } from './sim-edge-protocol.ts';

describe('sim edge protocol', () => {
  it('round-trips a message as one line', () => {
    const message = { reader: 'front', edges: [{ line: 'D1' as const, timeUs: 12, widthUs: 50 }, { line: 'D0' as const, timeUs: 2012 }] };
    const text = encodeSimEdgeMessage(message);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(parseSimEdgeMessage(text.slice(0, -1))).toEqual({ ok: true, message });
  });

  it.each([
    ['not JSON', '{"reader":'],
    ['no edges', '{"reader":"r","edges":[]}'],
    ['bad line name', '{"reader":"r","edges":[{"line":"D2","timeUs":1}]}'],
    ['negative time', '{"reader":"r","edges":[{"line":"D0","timeUs":-1}]}'],
    ['extra field', '{"reader":"r","edges":[{"line":"D0","timeUs":1}],"x":1}'],
    ['empty reader', '{"reader":"","edges":[{"line":"D0","timeUs":1}]}'],
    ['array', '[]'],
    ['too long', 'x'.repeat(SIM_EDGE_MAX_LINE + 1)],
  ])('rejects %s', (_name, line) => {
    expect(parseSimEdgeMessage(line).ok).toBe(false);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseSimEdgeMessage(s)));
    fc.assert(fc.property(fc.json(), (s) => void parseSimEdgeMessage(s)));
  });
});
