/** Health, metrics, the journal (paged and live), the doors and remote open. */
import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { LOCK_SCOPE_NAMES, type LockScope } from '../../access/lock-scope.ts';
import type { Clock } from '../../core/clock.ts';
import { NO_CONTROLLER, type DoorStatus } from '../../service/doors.ts';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import { parseEventTypes, serveEventStream } from '../event-stream.ts';
import type { RouteRegistry } from '../route-registry.ts';

export interface SystemRouteOptions {
  readonly metrics: Registry;
  /** Extra health facts from the daemon (readers, doors); must not throw. */
  readonly health?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  readonly clock: Clock;
  /** The daemon's emitter of `journal` events (the live stream); absent: the stream answers 503. */
  readonly events?: EventEmitter;
  /** The daemon's door bank state; absent: GET /api/v1/doors answers 503. */
  readonly doors?: () => readonly DoorStatus[];
}

const Lock = z.enum(LOCK_SCOPE_NAMES as [LockScope, ...LockScope[]]);

const JournalEntrySchema = z
  .object({
    seq: z.number().int(),
    ts: z.number().int().meta({ description: 'Wall-clock ms' }),
    type: z.string(),
    reader: z.string().nullable(),
    door: z.string().nullable(),
    identifierUid: z.string().nullable(),
    credential: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'JournalEntry' });

const DoorStatusSchema = z
  .object({
    door: z.number().int(),
    lock: z.enum(['locked', 'unlocked']),
    contact: z.enum(['open', 'closed', 'unknown']).meta({ description: '`unknown` without a wired door contact' }),
    alarm: z.enum(['none', 'prealarm', 'held_open', 'forced']).meta({ description: 'Cleared when the door closes' }),
    tamper: z.boolean().meta({ description: "The enclosure's tamper switch" }),
  })
  .meta({ id: 'DoorStatus' });

const unavailable = { description: 'No door controller attached (the API runs without the daemon)' };

export function registerSystemRoutes(registry: RouteRegistry, services: Services, opts: SystemRouteOptions): void {
  registry.add({
    method: 'get',
    path: '/api/v1/health',
    summary: 'Liveness',
    tags: ['System'],
    access: 'public',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }).catchall(z.unknown()) } },
    handler: async () => ({ body: { status: 'ok' as const, ...(await opts.health?.()) } }),
  });

  registry.add({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Scrape with an operator API key as bearer token.',
    tags: ['System'],
    access: 'operator',
    responses: { 200: { description: 'Metrics', schema: z.string(), contentType: 'text/plain' } },
    handler: async () => ({ body: await opts.metrics.metrics(), contentType: opts.metrics.contentType }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/events',
    summary: 'Journal events (newest first by default, keyset-paginated, filtered)',
    description:
      'Access decisions, relay and door events, logins and admin changes. `from`/`to` bound the time window (wall-clock ms); ' +
      'the other filters match exactly. Pass `next` of one page as `cursor` for the next.',
    tags: ['Events'],
    access: 'operator',
    query: z.object({
      from: z.coerce.number().int().optional().meta({ description: 'Inclusive lower bound, wall-clock ms' }),
      to: z.coerce.number().int().optional().meta({ description: 'Exclusive upper bound, wall-clock ms' }),
      type: z.string().max(64).optional().meta({ description: 'e.g. access_granted, access_denied, relay, door_forced, remote_open' }),
      reader: z.string().max(64).optional(),
      door: z.string().max(64).optional(),
      credential: z.string().max(64).optional().meta({ description: 'A card number as read (never keypad digits)' }),
      identifier_uid: z.string().max(64).optional().meta({ description: 'The identifier (or access code) the event is about' }),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      cursor: z.string().max(64).optional().meta({ description: '`next` of the previous page' }),
      order: z.enum(['desc', 'asc']).optional(),
    }),
    responses: {
      200: { description: 'One page', schema: z.object({ entries: z.array(JournalEntrySchema), next: z.string().optional() }) },
    },
    handler: ({ query: { identifier_uid, ...q } }) => ({ body: services.journal.query({ ...q, identifierUid: identifier_uid }) }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/events/stream',
    summary: 'Live journal events (server-sent events)',
    description:
      'Every journal event as the controller appends it: `event: <type>` and `data: <JSON event>`, then a blank line. ' +
      'A `: heartbeat` comment every 15 s keeps proxies from closing an idle stream. Nothing is replayed: read the past from GET /api/v1/events.',
    tags: ['Events'],
    access: 'operator',
    query: z.object({
      types: z.string().max(1024).optional().meta({ description: 'Comma-separated journal types to receive (e.g. relay,access_granted,access_denied); all when absent' }),
    }),
    responses: {
      200: { description: 'The stream (stays open)', schema: z.string(), contentType: 'text/event-stream' },
      503: unavailable,
    },
    handler: ({ query }) => {
      const events = opts.events;
      if (!events) throw new ApiError(503, NO_CONTROLLER);
      const types = parseEventTypes(query.types);
      return { stream: (res, req) => serveEventStream(res, req, { events, clock: opts.clock, ...(types ? { types } : {}) }) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/doors',
    summary: "Each door's lock, contact and alarm state",
    tags: ['Doors'],
    access: 'operator',
    responses: {
      200: { description: 'The doors', schema: z.object({ doors: z.array(DoorStatusSchema) }) },
      503: unavailable,
    },
    handler: () => {
      if (!opts.doors) throw new ApiError(503, NO_CONTROLLER);
      return { body: { doors: opts.doors() } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/access/general/lock/open/remote/accepted/{lock}',
    summary: 'Open a lock remotely (journaled with the caller)',
    description: '`first` = door 1, `second` = door 2, `all` = both; the relay pulses for the door\'s configured time.',
    tags: ['Doors'],
    access: 'operator',
    params: z.object({ lock: Lock }),
    responses: {
      200: { description: 'Opened', schema: z.object({ success: z.literal(true) }) },
      503: { description: 'The door controller refused or is not attached' },
    },
    handler: async ({ params, principal }) => {
      const r = await services.doors.open(params.lock, principal!);
      if (!r.ok) throw new ApiError(503, r.reason);
      return { body: { success: true as const } };
    },
  });
}
