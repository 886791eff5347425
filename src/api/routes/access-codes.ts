/**
 * Seam-compatible access code routes (seed 004): POST with a JSON body, answers wrapped with
 * `ok: true`. Authenticate with an API key (`seam_...`) or a login token as bearer; the
 * `seam-workspace` header is accepted and ignored (one controller, one workspace).
 */
import { z } from 'zod';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { LockSchema } from '../schemas/identifiers.ts';
import { unwrap } from './unwrap.ts';

const TAGS = ['Access codes (Seam)'];

const IsoDateTime = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 date-time' });
const Code = z.string().regex(/^[0-9]{4,16}$/).meta({ description: '4–16 keypad digits; shares the number space with inputCode identifiers' });

/** Seam flags this controller accepts and ignores (no offline codes, no backup pool, always managed). */
const ignored = {
  allow_external_modification: z.boolean().optional(),
  attempt_for_offline_device: z.boolean().optional(),
  is_external_modification_allowed: z.boolean().optional(),
  is_managed: z.boolean().optional(),
  is_offline_access_code: z.boolean().optional(),
  max_time_rounding: z.string().max(16).optional(),
  prefer_native_scheduling: z.boolean().optional(),
  use_backup_access_code_pool: z.boolean().optional(),
  use_offline_access_code: z.boolean().optional(),
};

const fields = {
  device_id: LockSchema.optional().meta({ description: 'The lock the code opens: first, second or all (default all)' }),
  name: z.string().max(256).nullable().optional(),
  code: Code.optional(),
  starts_at: IsoDateTime.optional(),
  ends_at: IsoDateTime.optional().meta({ description: 'Must be in the future and after starts_at (else invalid_time_rules_settings)' }),
  is_one_time_use: z.boolean().optional(),
  preferred_code_length: z.number().int().min(4).max(16).optional().meta({ description: 'Length of a generated code when `code` is absent (default 6)' }),
  ...ignored,
};

const CreateSchema = z.object(fields).meta({ id: 'AccessCodeCreate' });
const UpdateSchema = z
  .object({
    access_code_id: z.string().min(1).max(64),
    type: z.enum(['ongoing', 'time_bound']).optional().meta({ description: '`ongoing` turns a time-bound code into permanent access' }),
    ...fields,
  })
  .meta({ id: 'AccessCodeUpdate' });
const IdSchema = z.object({ access_code_id: z.string().min(1).max(64) });

const AccessCodeSchema = z
  .object({
    access_code_id: z.string(),
    device_id: z.string(),
    name: z.string().nullable(),
    code: z.string(),
    type: z.enum(['ongoing', 'time_bound']),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    is_one_time_use: z.boolean(),
    status: z.enum(['set', 'unset']),
    created_at: z.string(),
    is_managed: z.literal(true),
  })
  .meta({ id: 'AccessCode' });

const Ok = z.object({ ok: z.literal(true) });
const failures = {
  404: { description: 'entity_not_found' },
  409: { description: 'number_taken_by_another_identifier' },
  422: { description: 'invalid_time_rules_settings' },
};

export function registerAccessCodeRoutes(registry: RouteRegistry, services: Services): void {
  const codes = services.accessCodes;
  const get = (id: string) => {
    const v = codes.get(id);
    if (!v) throw new ApiError(404, 'entity_not_found');
    return v;
  };

  registry.add({
    method: 'post',
    path: '/access_codes/create',
    summary: 'Create an access code',
    tags: TAGS,
    access: 'admin',
    body: CreateSchema,
    responses: { 200: { description: 'Created', schema: z.object({ access_code: AccessCodeSchema, ok: z.literal(true) }) }, ...failures },
    handler: ({ body }) => ({ body: { access_code: unwrap(codes.create(body)), ok: true as const } }),
  });

  registry.add({
    method: 'post',
    path: '/access_codes/update',
    summary: 'Update an access code',
    description:
      'Seed 004. Absent fields stay as they are. Giving starts_at/ends_at makes the code time-bound; `type: ongoing` makes it ' +
      'permanent. ends_at must be in the future and after starts_at.',
    tags: TAGS,
    access: 'admin',
    body: UpdateSchema,
    responses: { 200: { description: 'Updated (Seam answers void; `ok: true` is its envelope)', schema: Ok }, ...failures },
    handler: ({ body }) => {
      unwrap(codes.update(body));
      return { body: { ok: true as const } };
    },
  });

  registry.add({
    method: 'post',
    path: '/access_codes/get',
    summary: 'Get an access code',
    tags: TAGS,
    access: 'operator',
    body: IdSchema,
    responses: { 200: { description: 'The code', schema: z.object({ access_code: AccessCodeSchema, ok: z.literal(true) }) }, 404: failures[404] },
    handler: ({ body }) => ({ body: { access_code: get(body.access_code_id), ok: true as const } }),
  });

  registry.add({
    method: 'post',
    path: '/access_codes/list',
    summary: 'List access codes, optionally of one device (lock)',
    tags: TAGS,
    access: 'operator',
    body: z.object({ device_id: z.string().max(64).optional() }),
    responses: { 200: { description: 'Codes', schema: z.object({ access_codes: z.array(AccessCodeSchema), ok: z.literal(true) }) } },
    handler: ({ body }) => ({ body: { access_codes: codes.list(body.device_id), ok: true as const } }),
  });

  registry.add({
    method: 'post',
    path: '/access_codes/delete',
    summary: 'Delete an access code',
    tags: TAGS,
    access: 'admin',
    body: IdSchema,
    responses: { 200: { description: 'Deleted', schema: Ok }, 404: failures[404] },
    handler: ({ body }) => {
      unwrap(codes.remove(body.access_code_id));
      return { body: { ok: true as const } };
    },
  });
}
