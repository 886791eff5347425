/**
 * Seed 001: POST /api/v1/access-keys — a keypad code or RFID card for a new or existing user — and
 * get, list and delete beside it.
 */
import { z } from 'zod';
import { LOCK_SCOPE_NAMES, type LockScope } from '../../access/lock-scope.ts';
import { GENERATE_CODE, MASKED_CODE } from '../../service/access-keys.ts';
import { unixSecondsOfIso } from '../../service/iso-time.ts';
import type { Services } from '../../service/services.ts';
import { FORMAT_NAMES } from '../../service/settings.ts';
import { RAW_FORMAT_NAME, findFormat } from '../../wiegand/format/formats.ts';
import { ApiError } from '../errors.ts';
import { PageQueryShape, Uuid, pageOf } from '../schemas/common.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { wrongTypeOf } from '../wrong-body.ts';
import { unwrap } from './unwrap.ts';

const IsoDateTime = z.iso.datetime({ offset: true, local: true }).meta({ description: 'ISO 8601; without an offset it is UTC' });
const Lock = z.enum(LOCK_SCOPE_NAMES as [LockScope, ...LockScope[]]);
const KeyType = z.enum(['code', 'rfid']);
const USER_ID = 'E.164 phone number (user found or created by phone), or the link_id of an existing user';

const RequestSchema = z
  .object({
    userId: z.string().min(1).max(64).optional().meta({ description: `${USER_ID}; omit to create a user` }),
    firstName: z.string().max(128).optional().meta({ description: 'Only for a new user' }),
    lastName: z.string().max(128).optional().meta({ description: 'Only for a new user' }),
    keyType: KeyType.meta({ description: 'code: keypad code; rfid: card. (mobile keys are not supported by this controller.)' }),
    keyFormat: z.string().max(64).optional().meta({ description: `rfid only, required: ${FORMAT_NAMES.join(', ')}` }),
    keyNumber: z.string().meta({ description: 'code: 4–8 digits, or `*` to generate one (recommended); rfid: 1–17 digits fitting keyFormat' }),
    name: z.string().max(256).optional(),
    pin: z.string().regex(/^[0-9]{1,16}$/).optional().meta({ description: 'rfid only; stored as a scrypt hash' }),
    accessIds: z.array(Lock).min(1).meta({ description: 'The locks the key opens: first, second, all' }),
    validFrom: IsoDateTime.optional(),
    validTo: IsoDateTime.optional(),
  })
  .superRefine((b, ctx) => {
    const wrong = (path: string) => ctx.addIssue({ code: 'custom', path: [path], message: 'not valid for this keyType' });
    if (b.keyType === 'code') {
      if (!/^([0-9]{4,8}|\*)$/.test(b.keyNumber)) wrong('keyNumber');
      if (b.pin !== undefined) wrong('pin');
      return;
    }
    if (b.keyFormat === undefined) return wrong('keyFormat');
    const format = findFormat(b.keyFormat);
    if (!format && b.keyFormat !== RAW_FORMAT_NAME) return wrong('keyFormat');
    if (!/^[0-9]{1,17}$/.test(b.keyNumber) || (format && BigInt(b.keyNumber) >= 1n << BigInt(format.bits))) wrong('keyNumber');
  })
  .meta({ id: 'AccessKeyCreate' });

const AccessKeySchema = z
  .object({
    id: z.string().meta({ description: 'The identifier uid' }),
    userId: z.string().nullable().meta({ description: "The user's link_id" }),
    keyType: KeyType,
    keyFormat: z.string().nullable(),
    keyNumber: z.string().meta({
      description: `Card number (decimal), or the code's digits: shown to admins only, \`${MASKED_CODE}\` for operators`,
    }),
    hasPin: z.boolean().meta({ description: 'Whether a PIN is set (the PIN is never returned)' }),
    name: z.string().nullable(),
    accessIds: z.array(Lock),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
  })
  .meta({ id: 'AccessKey' });

const IdParams = z.object({ id: Uuid.meta({ description: 'Access key id (the identifier uid)' }) });

const ListQuery = z.object({
  userId: z.string().min(1).max(64).optional().meta({ description: `Only this user's keys: ${USER_ID}` }),
  keyType: KeyType.optional(),
  ...PageQueryShape,
});

const AccessKeyPageSchema = pageOf(AccessKeySchema).meta({ id: 'AccessKeyPage' });

const DeletedSchema = z
  .object({ id: z.string(), userId: z.string().nullable(), keyType: KeyType, deleted: z.literal(true) })
  .meta({ id: 'AccessKeyDeleted' });

const NOT_FOUND = { description: 'entity_not_found' };
const TAGS = ['Access keys'];

/** accessIds → the one lock scope covering them all. */
function lockOf(ids: readonly LockScope[]): LockScope {
  const set = new Set(ids);
  return set.has('all') || (set.has('first') && set.has('second')) ? 'all' : ids[0]!;
}

function seconds(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const s = unixSecondsOfIso(text);
  if (s === undefined) throw new ApiError(400, wrongTypeOf([field]));
  return s;
}

export function registerAccessKeyRoutes(registry: RouteRegistry, services: Services): void {
  registry.add({
    method: 'post',
    path: '/api/v1/access-keys',
    summary: 'Create an access key for a new or existing user',
    description:
      'Seed 001. The user and the key are written together: a refused key creates no user. For an existing user firstName ' +
      'and lastName are ignored.',
    tags: TAGS,
    access: 'admin',
    body: RequestSchema,
    responses: {
      200: { description: 'Success', schema: AccessKeySchema },
      404: { description: 'entity_not_found: no user with that link_id' },
      409: { description: 'Conflict: number_taken_by_another_identifier, has_dublicates, number_of_identifiers_exceeded' },
      422: { description: 'invalid_time_rules_settings' },
    },
    handler: async ({ body, principal }) => ({
      body: unwrap(
        await services.accessKeys.create(
          { ...body, lock: lockOf(body.accessIds), validFrom: seconds(body.validFrom, 'validFrom'), validTo: seconds(body.validTo, 'validTo') },
          principal,
        ),
      ),
    }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/access-keys',
    summary: 'List access keys (paginated, filterable by user and key type)',
    description: `Code and card identifiers, in id order. Code digits are shown to admins only (\`${MASKED_CODE}\` for operators).`,
    tags: TAGS,
    access: 'operator',
    query: ListQuery,
    responses: { 200: { description: 'One page', schema: AccessKeyPageSchema }, 404: { description: 'entity_not_found: no user with that userId' } },
    handler: ({ query, principal }) => ({ body: unwrap(services.accessKeys.list(query, principal!.role)) }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/access-keys/{id}',
    summary: 'Get one access key',
    description: `Code digits are shown to admins only (\`${MASKED_CODE}\` for operators); a PIN never.`,
    tags: TAGS,
    access: 'operator',
    params: IdParams,
    responses: { 200: { description: 'The access key', schema: AccessKeySchema }, 404: NOT_FOUND },
    handler: ({ params, principal }) => {
      const key = services.accessKeys.get(params.id, principal!.role);
      if (!key) throw new ApiError(404, 'entity_not_found');
      return { body: key };
    },
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/access-keys/{id}',
    summary: 'Delete one access key',
    description: 'Removes the code or card at once (the user stays); journaled as access_key_deleted with the caller.',
    tags: TAGS,
    access: 'admin',
    params: IdParams,
    responses: { 200: { description: 'Deleted', schema: DeletedSchema }, 404: NOT_FOUND },
    handler: ({ params, principal }) => ({ body: { ...unwrap(services.accessKeys.remove(params.id, principal)), deleted: true as const } }),
  });
}
