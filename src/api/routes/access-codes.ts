/**
 * Seam-compatible access code routes (seed 004) under a configurable prefix (default `/seam`), so
 * Seam's own clients (`SeamHttp.fromApiKey(key, { endpoint: 'http://controller:8080/seam' })`)
 * work unchanged: POST with JSON bodies (update also PUT, which the official client sends, and
 * PATCH), answers with `ok: true`, failures in Seam's envelope
 * `{"error": {"type", "message"}, "ok": false}`. Authenticate with an API key (`seam_...`) or a
 * login token; the `seam-workspace` header is accepted and ignored (one controller, one workspace).
 */
import { z } from 'zod';
import type { AccessCodeView } from '../../service/access-codes.ts';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import type { Method, RouteRegistry } from '../route-registry.ts';
import { createActionAttempts, MAX_KEPT_ATTEMPTS } from '../seam-action-attempts.ts';
import { LockSchema } from '../schemas/identifiers.ts';
import { noValueFor } from '../wrong-body.ts';
import { unwrap } from './unwrap.ts';

const TAGS = ['Access codes (Seam)'];

const IsoDateTime = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 date-time' });
const Code = z.string().regex(/^[0-9]{4,16}$/).meta({ description: '4–16 keypad digits; shares the number space with inputCode identifiers' });
const DeviceId = LockSchema.meta({ description: 'The door the code opens: `first` (door 1), `second` (door 2), or `all` (both)' });
const AccessCodeId = z.string().min(1).max(64);

/**
 * Seam options for cloud locks that a local controller cannot honour: the value that means "not
 * used" is accepted, anything else is a 400 naming the field (never silently ignored).
 */
const LOCAL_ONLY: Readonly<Record<string, { readonly accepts: (v: unknown) => boolean; readonly why: string }>> = {
  use_backup_access_code_pool: { accepts: (v) => v === false, why: 'this controller has no backup access code pool' },
  is_offline_access_code: { accepts: (v) => v === false, why: 'codes live on the controller itself; there are no offline codes' },
  use_offline_access_code: { accepts: (v) => v === false, why: 'codes live on the controller itself; there are no offline codes' },
  attempt_for_offline_device: { accepts: (v) => v === false, why: 'the controller is the device; it is never offline to itself' },
  max_time_rounding: { accepts: () => false, why: 'offline-code time rounding does not apply; windows are kept to the second' },
  allow_external_modification: { accepts: (v) => v === false, why: 'codes change only through this API' },
  is_external_modification_allowed: { accepts: (v) => v === false, why: 'codes change only through this API' },
  is_managed: { accepts: (v) => v === true, why: 'every code on this controller is managed' },
  common_code_key: { accepts: () => false, why: 'codes are not shared between devices by key; give the same `code` instead' },
  sync: { accepts: (v) => v === false, why: 'every change is applied before the answer' },
};

const localOnlyShape = {
  use_backup_access_code_pool: z.boolean().optional(),
  is_offline_access_code: z.boolean().optional(),
  use_offline_access_code: z.boolean().optional(),
  attempt_for_offline_device: z.boolean().optional(),
  max_time_rounding: z.string().max(16).optional(),
  allow_external_modification: z.boolean().optional(),
  is_external_modification_allowed: z.boolean().optional(),
  is_managed: z.boolean().optional(),
  common_code_key: z.string().max(256).optional(),
  sync: z.boolean().optional(),
};

const LOCAL_ONLY_NOTE =
  ' Options for cloud locks are refused with 400 naming the field unless they hold their "not used" value: ' +
  Object.keys(LOCAL_ONLY).map((k) => `\`${k}\``).join(', ') + '.';

function refuseLocalOnly(body: Record<string, unknown>): void {
  for (const [field, rule] of Object.entries(LOCAL_ONLY)) {
    const v = body[field];
    if (v !== undefined && !rule.accepts(v)) {
      throw new ApiError(400, `Wrong JSON body: \`${field}\` is not supported: ${rule.why}`);
    }
  }
}

const fields = {
  name: z.string().max(256).nullable().optional(),
  code: Code.optional(),
  starts_at: IsoDateTime.optional(),
  ends_at: IsoDateTime.optional().meta({ description: 'Must be in the future and after starts_at' }),
  is_one_time_use: z.boolean().optional(),
  preferred_code_length: z.number().int().min(4).max(16).optional().meta({ description: 'Length of a generated code when `code` is absent (default 6)' }),
  prefer_native_scheduling: z.boolean().optional().meta({ description: 'Accepted either way: the controller always schedules codes itself' }),
  ...localOnlyShape,
};

const CreateSchema = z.object({ device_id: DeviceId, ...fields }).meta({ id: 'SeamAccessCodeCreate' });
const UpdateSchema = z
  .object({
    access_code_id: AccessCodeId,
    device_id: DeviceId.optional(),
    type: z.enum(['ongoing', 'time_bound']).optional().meta({ description: '`ongoing` turns a time-bound code into permanent access' }),
    ...fields,
  })
  .meta({ id: 'SeamAccessCodeUpdate' });

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
    status: z.enum(['set', 'unset']).meta({ description: '`set` while the code opens now; `unset` before its start, after its end or once used' }),
    created_at: z.string(),
    is_managed: z.literal(true),
    is_offline_access_code: z.literal(false),
    is_backup_access_code_available: z.literal(false),
    is_external_modification_allowed: z.literal(false),
    errors: z.array(z.unknown()),
    warnings: z.array(z.unknown()),
  })
  .meta({ id: 'SeamAccessCode' });

const ActionAttemptSchema = z
  .object({
    action_attempt_id: z.string(),
    action_type: z.string(),
    status: z.literal('success'),
    result: z.record(z.string(), z.unknown()),
    error: z.null(),
  })
  .meta({ id: 'SeamActionAttempt' });

const SeamErrorSchema = z
  .object({ error: z.object({ type: z.string(), message: z.string() }), ok: z.literal(false) })
  .meta({ id: 'SeamError' });

const WithAttempt = z.object({ action_attempt: ActionAttemptSchema, ok: z.literal(true) });
const WithCode = z.object({ access_code: AccessCodeSchema, ok: z.literal(true) });

/** Seam's error types and texts for this API's result codes (seed 002 enumeration). */
const SEAM_ERRORS: Readonly<Record<string, { type: string; message: string }>> = {
  number_taken_by_another_identifier: { type: 'code_taken', message: 'The code is already used by another access code or keypad identifier' },
  invalid_time_rules_settings: { type: 'invalid_time_rules_settings', message: 'ends_at must be in the future and after starts_at' },
  number_of_identifiers_exceeded: { type: 'no_free_code', message: 'No free code of that length' },
};

/** The Seam error envelope; `notFound` is the entity this route looks up. */
function seamError(notFound: { type: string; message: string }) {
  return (e: ApiError) => {
    if (e.status === 400) return { error: { type: 'invalid_input', message: e.error }, ok: false as const };
    const known = e.error === 'entity_not_found' ? notFound : SEAM_ERRORS[e.error];
    return { error: known ?? { type: e.error, message: e.error }, ok: false as const };
  };
}

const ACCESS_CODE_NOT_FOUND = { type: 'access_code_not_found', message: 'Access code not found' };
const ACTION_ATTEMPT_NOT_FOUND = { type: 'action_attempt_not_found', message: 'Action attempt not found' };

const failures = {
  400: { description: 'invalid_input (the message names the field)', schema: SeamErrorSchema },
  404: { description: 'access_code_not_found', schema: SeamErrorSchema },
  409: { description: 'code_taken: the code is used by another access code or inputCode identifier', schema: SeamErrorSchema },
  422: { description: 'invalid_time_rules_settings: ends_at over, or not after starts_at', schema: SeamErrorSchema },
};

const asSeam = (v: AccessCodeView) => ({
  ...v,
  is_offline_access_code: false as const,
  is_backup_access_code_available: false as const,
  is_external_modification_allowed: false as const,
  errors: [],
  warnings: [],
});

/** A leading slash, no trailing one; '' mounts the routes at the root. */
const joinPrefix = (prefix: string, path: string) => `${prefix.replace(/\/+$/, '')}${path}`;

export function registerAccessCodeRoutes(registry: RouteRegistry, services: Services, prefix: string): void {
  const codes = services.accessCodes;
  const attempts = createActionAttempts();
  const at = (path: string) => joinPrefix(prefix, path);
  const found = <T>(v: T | undefined): T => {
    if (v === undefined) throw new ApiError(404, 'entity_not_found');
    return v;
  };
  const codeErrors = seamError(ACCESS_CODE_NOT_FOUND);

  registry.add({
    method: 'post',
    path: at('/access_codes/create'),
    summary: 'Create an access code',
    description:
      'Without `code`, a free code of `preferred_code_length` digits is generated. `starts_at`/`ends_at` make it time-bound ' +
      '(`ends_at` alone: from now). `is_one_time_use`: the first grant uses it up.' + LOCAL_ONLY_NOTE,
    tags: TAGS,
    access: 'admin',
    body: CreateSchema,
    responses: { 200: { description: 'Created', schema: WithCode }, ...failures },
    errorBody: codeErrors,
    handler: ({ body, principal }) => {
      refuseLocalOnly(body);
      return { body: { access_code: asSeam(unwrap(codes.create(body, principal))), ok: true as const } };
    },
  });

  // The official JavaScript client sends update as PUT; Seam documents POST; PATCH too.
  for (const method of ['post', 'put', 'patch'] as const satisfies readonly Method[]) {
    registry.add({
      method,
      path: at('/access_codes/update'),
      summary: 'Update an access code',
      description:
        'Seed 004. Absent fields stay as they are. starts_at/ends_at make the code time-bound; `type: ongoing` makes it permanent ' +
        '(clearing the window); `type: time_bound` needs a window. ends_at must be in the future and after starts_at. A new ' +
        '`preferred_code_length` without `code` generates a new code of that length.' + LOCAL_ONLY_NOTE,
      tags: TAGS,
      access: 'admin',
      body: UpdateSchema,
      responses: { 200: { description: 'Updated: a completed action attempt (clients that expect void ignore it)', schema: WithAttempt }, ...failures },
      errorBody: codeErrors,
      handler: ({ body, principal }) => {
        refuseLocalOnly(body);
        const updated = unwrap(codes.update(body, principal));
        return { body: { action_attempt: attempts.succeeded('UPDATE_ACCESS_CODE', { access_code: asSeam(updated) }), ok: true as const } };
      },
    });
  }

  registry.add({
    method: 'post',
    path: at('/access_codes/get'),
    summary: 'Get an access code by id, or by device and code',
    tags: TAGS,
    access: 'operator',
    body: z.object({ access_code_id: AccessCodeId.optional(), device_id: DeviceId.optional(), code: Code.optional() }),
    responses: { 200: { description: 'The code', schema: WithCode }, 400: failures[400], 404: failures[404] },
    errorBody: codeErrors,
    handler: ({ body }) => {
      let view: AccessCodeView | undefined;
      if (body.access_code_id !== undefined) view = codes.get(body.access_code_id);
      else if (body.code !== undefined) {
        view = codes.findByCode(body.code);
        if (view && body.device_id !== undefined && view.device_id !== body.device_id) view = undefined;
      } else throw new ApiError(400, noValueFor(['access_code_id']));
      return { body: { access_code: asSeam(found(view)), ok: true as const } };
    },
  });

  registry.add({
    method: 'post',
    path: at('/access_codes/list'),
    summary: 'List access codes, of one device or by ids',
    tags: TAGS,
    access: 'operator',
    body: z.object({
      device_id: DeviceId.optional(),
      access_code_ids: z.array(AccessCodeId).max(1000).optional(),
      limit: z.number().int().min(1).optional(),
    }),
    responses: { 200: { description: 'Codes, oldest first', schema: z.object({ access_codes: z.array(AccessCodeSchema), ok: z.literal(true) }) }, 400: failures[400] },
    errorBody: codeErrors,
    handler: ({ body }) => {
      const ids = body.access_code_ids && new Set(body.access_code_ids);
      const list = codes.list(body.device_id).filter((c) => !ids || ids.has(c.access_code_id));
      return { body: { access_codes: list.slice(0, body.limit).map(asSeam), ok: true as const } };
    },
  });

  registry.add({
    method: 'post',
    path: at('/access_codes/delete'),
    summary: 'Delete an access code',
    tags: TAGS,
    access: 'admin',
    body: z.object({ access_code_id: AccessCodeId, device_id: DeviceId.optional() }),
    responses: { 200: { description: 'Deleted: a completed action attempt', schema: WithAttempt }, 400: failures[400], 404: failures[404] },
    errorBody: codeErrors,
    handler: ({ body, principal }) => {
      const current = found(codes.get(body.access_code_id));
      if (body.device_id !== undefined && current.device_id !== body.device_id) throw new ApiError(404, 'entity_not_found');
      unwrap(codes.remove(current.access_code_id, principal));
      return { body: { action_attempt: attempts.succeeded('DELETE_ACCESS_CODE'), ok: true as const } };
    },
  });

  registry.add({
    method: 'post',
    path: at('/access_codes/generate_code'),
    summary: 'Suggest a free code for a device (nothing is stored)',
    tags: TAGS,
    access: 'admin',
    body: z.object({ device_id: DeviceId, preferred_code_length: fields.preferred_code_length }),
    responses: {
      200: { description: 'A code free right now', schema: z.object({ generated_code: z.object({ device_id: z.string(), code: z.string() }), ok: z.literal(true) }) },
      400: failures[400],
      409: { description: 'no_free_code: no free code of that length', schema: SeamErrorSchema },
    },
    errorBody: codeErrors,
    handler: ({ body }) => {
      const code = codes.generateCode(body.preferred_code_length);
      if (code === undefined) throw new ApiError(409, 'number_of_identifiers_exceeded');
      return { body: { generated_code: { device_id: body.device_id, code }, ok: true as const } };
    },
  });

  registry.add({
    method: 'post',
    path: at('/action_attempts/get'),
    summary: 'Get an action attempt (every attempt here has already succeeded)',
    description: `The last ${MAX_KEPT_ATTEMPTS} attempts are kept in memory, until the controller restarts.`,
    tags: TAGS,
    access: 'operator',
    body: z.object({ action_attempt_id: z.string().min(1).max(64) }),
    responses: { 200: { description: 'The attempt', schema: z.object({ action_attempt: ActionAttemptSchema, ok: z.literal(true) }) }, 400: failures[400], 404: { description: 'action_attempt_not_found', schema: SeamErrorSchema } },
    errorBody: seamError(ACTION_ATTEMPT_NOT_FOUND),
    handler: ({ body }) => ({ body: { action_attempt: found(attempts.get(body.action_attempt_id)), ok: true as const } }),
  });
}
