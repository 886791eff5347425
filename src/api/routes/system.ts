/** Health, metrics, journal and remote open. */
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { LOCK_SCOPE_NAMES, type LockScope } from '../../access/lock-scope.ts';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import type { RouteRegistry } from '../route-registry.ts';

export interface SystemRouteOptions {
  readonly metrics: Registry;
  /** Extra health facts from the daemon (readers, doors); must not throw. */
  readonly health?: () => Record<string, unknown>;
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

export function registerSystemRoutes(registry: RouteRegistry, services: Services, opts: SystemRouteOptions): void {
  registry.add({
    method: 'get',
    path: '/api/v1/health',
    summary: 'Liveness',
    tags: ['System'],
    access: 'public',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }).catchall(z.unknown()) } },
    handler: () => ({ body: { status: 'ok' as const, ...opts.health?.() } }),
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
    path: '/api/v1/journal',
    summary: 'Journal entries (newest first by default, keyset-paginated)',
    tags: ['System'],
    access: 'operator',
    query: z.object({
      from: z.coerce.number().int().optional().meta({ description: 'Inclusive lower bound, wall-clock ms' }),
      to: z.coerce.number().int().optional().meta({ description: 'Exclusive upper bound, wall-clock ms' }),
      type: z.string().max(64).optional(),
      reader: z.string().max(64).optional(),
      door: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      cursor: z.string().max(64).optional().meta({ description: '`next` of the previous page' }),
      order: z.enum(['desc', 'asc']).optional(),
    }),
    responses: {
      200: { description: 'One page', schema: z.object({ entries: z.array(JournalEntrySchema), next: z.string().optional() }) },
    },
    handler: ({ query }) => ({ body: services.journal.query(query) }),
  });

  registry.add({
    method: 'post',
    path: '/api/v1/access/locks/{lock}/open',
    summary: 'Open a lock remotely (journaled with the caller)',
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
