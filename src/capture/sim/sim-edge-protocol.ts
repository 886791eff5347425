/**
 * The simulation edge protocol (docs/serial.md): newline-delimited JSON over a Unix socket, one
 * message per line: `{"reader":"front","edges":[{"line":"D1","timeUs":123,"widthUs":50}]}`.
 * `timeUs` is the sender's CLOCK_MONOTONIC in µs, the same base as the receiver's on one machine.
 * Pure: text in, typed message or reason out.
 */
import { z } from 'zod';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';

/** Longest accepted line; anything longer is malformed (and protects the receiver's memory). */
export const SIM_EDGE_MAX_LINE = 64 * 1024;

const edgeSchema = z.strictObject({
  line: z.enum(['D0', 'D1']),
  timeUs: z.number().finite().nonnegative(),
  widthUs: z.number().finite().positive().optional(),
});

const messageSchema = z.strictObject({
  reader: z.string().min(1).max(64),
  edges: z.array(edgeSchema).min(1).max(1024),
});

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
  const r = messageSchema.safeParse(json);
  if (!r.success) return { ok: false, reason: r.error.issues[0]?.message ?? 'invalid message' };
  const edges = r.data.edges.map((e): EdgeEvent => (e.widthUs === undefined ? { line: e.line, timeUs: e.timeUs } : { line: e.line, timeUs: e.timeUs, widthUs: e.widthUs }));
  return { ok: true, message: { reader: r.data.reader, edges } };
}
