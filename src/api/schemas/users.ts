/** User schemas (seed 002). */
import { z } from 'zod';
import { OWNER_TYPES } from '../../storage/users.ts';
import type { UserBatchItem, UserItemResult, UserPatch, UserView } from '../../service/users.ts';
import { MAX_BATCH_ITEMS, PageQueryShape, ResultCodeSchema, Uuid, pageOf } from './common.ts';

const text = z.string().min(1).max(256);
const phone = z.string().regex(/^\+[1-9][0-9]{1,14}$/).meta({ description: 'E.164, e.g. +4930123456' });

const fields = {
  name: text.meta({ description: 'User name; users sharing a name are flagged has_dublicates' }),
  type: z.enum(OWNER_TYPES).optional().meta({ description: 'owner (default) or guest' }),
  phone: phone.nullable().optional(),
  first_name: text.nullable().optional(),
  last_name: text.nullable().optional(),
};

export const UserItemSchema = z
  .object({ link_id: Uuid.optional().meta({ description: 'Absent: the server assigns one (see the result)' }), ...fields })
  .meta({ id: 'UserItem' });

export const UserBatchSchema = z
  .object({ list_items: z.array(UserItemSchema).max(MAX_BATCH_ITEMS).meta({ description: 'List of users' }) })
  .meta({ id: 'UserBatch' });

export const UserResultSchema = z
  .object({
    link_id: z.string().nullable().meta({ description: 'Unique entity set by the server to bind some parameters with each other' }),
    success: z.boolean(),
    extended_info: ResultCodeSchema,
    has_dublicates: z.boolean().meta({ description: 'A user with the same name already exists' }),
  })
  .meta({ id: 'UserResult' });

export const UserResultsSchema = z.object({ result: z.array(UserResultSchema) }).meta({ id: 'UserResults' });

export const UserPatchSchema = z
  .object({ name: fields.name.optional(), type: fields.type, phone: fields.phone, first_name: fields.first_name, last_name: fields.last_name })
  .meta({ id: 'UserPatch' });

export const UserViewSchema = z
  .object({
    link_id: z.string().nullable(),
    name: z.string(),
    type: z.enum(OWNER_TYPES),
    phone: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
  })
  .meta({ id: 'User' });

export const UserPageSchema = pageOf(UserViewSchema).meta({ id: 'UserPage' });
export const UserListQuery = z.object({ ...PageQueryShape });
export const LinkIdParams = z.object({ link_id: z.string().min(1).max(256) });

type Assignable<A extends B, B> = [A, B];
export type SchemaChecks = [
  Assignable<z.infer<typeof UserItemSchema>, UserBatchItem>,
  Assignable<z.infer<typeof UserPatchSchema>, UserPatch>,
  Assignable<UserItemResult, z.infer<typeof UserResultSchema>>,
  Assignable<UserView, z.infer<typeof UserViewSchema>>,
];
