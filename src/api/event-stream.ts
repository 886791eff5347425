/**
 * The live journal as server-sent events: each JournalEvent the daemon appends is written to every
 * open stream at once, in the same tick (`event: <type>\ndata: <JSON>\n\n`), so a client measuring
 * last-bit→relay latency sees the relay event as soon as the daemon does. Nothing in between may
 * buffer: headers are flushed on open, Nagle is off, proxies are asked not to buffer or transform.
 */
import type { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { journalJsonReplacer, type JournalEvent } from '../storage/journal.ts';

export const JOURNAL_EVENT = 'journal';
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Same rule as the journal's storage: values under secret-looking keys never leave the controller. */
function wireJson(e: JournalEvent): string {
  return JSON.stringify(e, journalJsonReplacer);
}

/** One SSE message; the event name is the journal type with anything that would break the framing removed. */
export function sseMessage(e: JournalEvent): string {
  const name = String(e.type).replace(/[\r\n]/g, '');
  return `event: ${name}\ndata: ${wireJson(e)}\n\n`;
}

export interface EventStreamOptions {
  readonly events: EventEmitter;
  readonly clock: Clock;
  readonly heartbeatMs?: number;
  /** Only these journal types are sent (all when absent). */
  readonly types?: ReadonlySet<string>;
}

/**
 * The `types` query of the stream: comma-separated journal types. A door console that only shows
 * relays and decisions should not make the controller serialize and write the 10,000 admin_change
 * events of a batch import, on the thread that also runs the doors.
 */
export function parseEventTypes(list: string | undefined): ReadonlySet<string> | undefined {
  if (list === undefined) return undefined;
  return new Set(list.split(',').map((t) => t.trim()).filter((t) => t.length > 0));
}

/** Each stream holds a socket and a listener; a controller serves a few consoles, not a crowd. */
export const MAX_EVENT_STREAMS = 32;
/** The type filter of each open stream (undefined: all types), per event source (one daemon, or one test harness). */
const openStreams = new WeakMap<EventEmitter, Map<Response, ReadonlySet<string> | undefined>>();

/**
 * Whether an open stream of `events` would send an event of this type. A batch of 100,000
 * identifiers journals as many admin_change events; with no console asking for them the daemon
 * need not even parse them back on the event loop (batch-worker/identifier-batch-client.ts).
 */
export function streamsWant(events: EventEmitter, type: string): boolean {
  for (const types of openStreams.get(events)?.values() ?? []) if (types === undefined || types.has(type)) return true;
  return false;
}

export function serveEventStream(res: Response, req: Request, opts: EventStreamOptions): void {
  const { events, clock } = opts;
  const heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let open = openStreams.get(events);
  if (!open) openStreams.set(events, (open = new Map()));
  if (open.size >= MAX_EVENT_STREAMS) {
    res.status(503).json({ error: `too many event streams (at most ${MAX_EVENT_STREAMS})` });
    return;
  }
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);
  res.flushHeaders();
  // A first comment so clients (and the test) know the subscription is in place.
  res.write(': connected\n\n');

  const { types } = opts;
  const onJournal = (e: JournalEvent): void => {
    if (types === undefined || types.has(e.type)) res.write(sseMessage(e));
  };
  let timer: TimerHandle | undefined;
  const beat = (): void => {
    res.write(': heartbeat\n\n');
    timer = clock.setTimeout(beat, heartbeatMs);
  };
  timer = clock.setTimeout(beat, heartbeatMs);
  events.on(JOURNAL_EVENT, onJournal);
  open.set(res, types);

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    events.off(JOURNAL_EVENT, onJournal);
    open.delete(res);
    if (timer !== undefined) clock.clearTimeout(timer);
  };
  res.on('close', close);
  res.on('error', close);
}
