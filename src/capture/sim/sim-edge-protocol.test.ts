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
    ['not JSON', '{"reader":', 'not JSON'],
    ['no edges', '{"reader":"r","edges":[]}', 'edges must be an array of 1-1024 edges'],
    ['too many edges', JSON.stringify({ reader: 'r', edges: Array.from({ length: 1025 }, () => ({ line: 'D0', timeUs: 1 })) }), 'edges must be an array of 1-1024 edges'],
    ['bad line name', '{"reader":"r","edges":[{"line":"D2","timeUs":1}]}', 'edges[0]: line must be D0 or D1'],
    ['negative time', '{"reader":"r","edges":[{"line":"D0","timeUs":-1}]}', 'edges[0]: timeUs must be a finite number >= 0'],
    ['time as text', '{"reader":"r","edges":[{"line":"D0","timeUs":"1"}]}', 'edges[0]: timeUs must be a finite number >= 0'],
    ['zero width', '{"reader":"r","edges":[{"line":"D0","timeUs":1},{"line":"D1","timeUs":2,"widthUs":0}]}', 'edges[1]: widthUs must be a finite number > 0'],
    ['extra field', '{"reader":"r","edges":[{"line":"D0","timeUs":1}],"x":1}', 'unknown field x'],
    ['extra edge field', '{"reader":"r","edges":[{"line":"D0","timeUs":1,"y":2}]}', 'edges[0]: unknown field y'],
    ['edge not an object', '{"reader":"r","edges":[7]}', 'edges[0]: not an object'],
    ['empty reader', '{"reader":"","edges":[{"line":"D0","timeUs":1}]}', 'reader must be a string of 1-64 characters'],
    ['long reader', JSON.stringify({ reader: 'r'.repeat(65), edges: [{ line: 'D0', timeUs: 1 }] }), 'reader must be a string of 1-64 characters'],
    ['array', '[]', 'not an object'],
    ['null', 'null', 'not an object'],
    ['too long', 'x'.repeat(SIM_EDGE_MAX_LINE + 1), 'line too long'],
  ])('rejects %s, saying why', (_name, line, reason) => {
    expect(parseSimEdgeMessage(line)).toEqual({ ok: false, reason });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseSimEdgeMessage(s)));
    fc.assert(fc.property(fc.json(), (s) => void parseSimEdgeMessage(s)));
  });
});
