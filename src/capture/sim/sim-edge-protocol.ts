/**
 * The simulation edge protocol (docs/serial.md): newline-delimited JSON over a Unix socket, one
 * message per line: `{"reader":"front","edges":[{"line":"D1","timeUs":123,"widthUs":50}]}`.
 * `timeUs` is the sender's CLOCK_MONOTONIC in µs, the same base as the receiver's on one machine.
 * Pure: text in, typed message or reason out. Checked by hand rather than with the API's schema
 * library: the capture thread parses these, and a library loaded there only for this would cost
 * the daemon resident memory (docs/benchmarks.md, session 14).
 */
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';

/** Longest accepted line; anything longer is malformed (and protects the receiver's memory). */
export const SIM_EDGE_MAX_LINE = 64 * 1024;
const MAX_READER_LENGTH = 64;
const MAX_EDGES = 1024;

export interface SimEdgeMessage {
  reader: ReaderId;
  edges: EdgeEvent[];
}

export type SimEdgeParseResult = { ok: true; message: SimEdgeMessage } | { ok: false; reason: string };

export function encodeSimEdgeMessage(message: SimEdgeMessage): string {
  return JSON.stringify(message) + '\n';
}

export function parseSimEdgeMessage(line: string): SimEdgeParseResult {
  if (line.length > SIM_EDGE_MAX_LINE) return { ok: false, reason: 'line too long' };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return messageOf(json);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, keys: readonly string[]): string | undefined => Object.keys(o).find((k) => !keys.includes(k));

function messageOf(json: unknown): SimEdgeParseResult {
  if (!isObject(json)) return { ok: false, reason: 'not an object' };
  const extra = onlyKeys(json, ['reader', 'edges']);
  if (extra !== undefined) return { ok: false, reason: `unknown field ${extra}` };
  const { reader, edges } = json;
  if (typeof reader !== 'string' || reader.length === 0 || reader.length > MAX_READER_LENGTH) {
    return { ok: false, reason: `reader must be a string of 1-${MAX_READER_LENGTH} characters` };
  }
  if (!Array.isArray(edges) || edges.length === 0 || edges.length > MAX_EDGES) {
    return { ok: false, reason: `edges must be an array of 1-${MAX_EDGES} edges` };
  }
  const parsed: EdgeEvent[] = [];
  for (const [i, e] of edges.entries()) {
    const edge = edgeOf(e);
    if (typeof edge === 'string') return { ok: false, reason: `edges[${i}]: ${edge}` };
    parsed.push(edge);
  }
  return { ok: true, message: { reader, edges: parsed } };
}

/** The edge, or why it is not one. */
function edgeOf(e: unknown): EdgeEvent | string {
  if (!isObject(e)) return 'not an object';
  const extra = onlyKeys(e, ['line', 'timeUs', 'widthUs']);
  if (extra !== undefined) return `unknown field ${extra}`;
  const { line, timeUs, widthUs } = e;
  if (line !== 'D0' && line !== 'D1') return 'line must be D0 or D1';
  if (typeof timeUs !== 'number' || !Number.isFinite(timeUs) || timeUs < 0) return 'timeUs must be a finite number >= 0';
  if (widthUs === undefined) return { line, timeUs };
  if (typeof widthUs !== 'number' || !Number.isFinite(widthUs) || widthUs <= 0) return 'widthUs must be a finite number > 0';
  return { line, timeUs, widthUs };
}
