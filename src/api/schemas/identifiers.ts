/** Identifier request/response schemas (seed 000 and the BAS-IP item routes). */
import { z } from 'zod';
import { IDENTIFIER_TYPE_NAMES, type IdentifierType } from '../../access/identifier-key.ts';
import { LOCK_SCOPE_NAMES, type LockScope } from '../../access/lock-scope.ts';
import { OWNER_TYPES } from '../../storage/users.ts';
import type {
  IdentifierBatchItem,
  IdentifierCreate,
  IdentifierItemResult,
  IdentifierPatch,
  IdentifierUpdate,
  IdentifierView,
} from '../../service/identifiers.ts';
import { MAX_BATCH_ITEMS, PageQueryShape, ResultCodeSchema, UnixSeconds, Uuid, pageOf } from './common.ts';

export const IdentifierTypeSchema = z.enum(IDENTIFIER_TYPE_NAMES as [IdentifierType, ...IdentifierType[]]).meta({
  id: 'IdentifierType',
  description: 'Identifier type',
});

export const IdentifierNumberSchema = z
  .union([z.string().min(1).max(128), z.number().int().min(0)])
  .meta({
    id: 'IdentifierNumber',
    description:
      'Identifier number. card/ukey/face_id: in the representation mode set via POST /api/v1/access/general/wiegand/type ' +
      '(decimal: up to 10 digits; hex: bytes such as `1c-3b-4a`, or bare hex digits). Warning: `44` is 44 in decimal mode ' +
      'but 0x44 = 68 in hex mode. inputCode: 1–16 keypad digits (leading zeros kept). qr: a UUID. license_plate: 1–100 characters.',
  });

export const OwnerSchema = z
  .object({
    type: z.enum(OWNER_TYPES).meta({ description: 'Owner entity type' }),
    name: z.string().min(1).max(256).meta({ description: 'Owner name' }),
  })
  .meta({ id: 'IdentifierOwner', description: 'Owner associated with the identifier' });

export const LockSchema = z.enum(LOCK_SCOPE_NAMES as [LockScope, ...LockScope[]]).meta({
  id: 'Lock',
  description: 'first: the first lock only; second: the second lock only; all: both locks',
});

export const TimeRuleSchema = z
  .discriminatedUnion('is_permanent', [
    z.object({ is_permanent: z.literal(true) }),
    z.object({
      is_permanent: z.literal(false),
      from: UnixSeconds,
      to: UnixSeconds.meta({ description: 'Unix seconds; must be after `from` (else invalid_time_rules_settings)' }),
    }),
  ])
  .meta({ id: 'TimeRule', description: 'Time validity: permanent, or from..to in Unix seconds' });

export const PassRuleSchema = z
  .discriminatedUnion('is_permanent', [
    z.object({ is_permanent: z.literal(true) }),
    z.object({
      is_permanent: z.literal(false),
      max_passes: z.number().int().max(0x7fff_ffff).meta({ description: 'At least 1 (else invalid_time_rules_settings)' }),
    }),
  ])
  .meta({ id: 'PassRule', description: 'Pass limit: unlimited, or max_passes' });

export const ValiditySchema = z
  .object({ time: TimeRuleSchema, passes: PassRuleSchema })
  .meta({ id: 'Validity', description: 'Time validity and pass limit' });

const updateShape = {
  identifier_type: IdentifierTypeSchema.optional().meta({ description: 'Only to change the type; face_id is refused (face_id_not_supported)' }),
  identifier_owner: OwnerSchema,
  lock: LockSchema,
  valid: ValiditySchema,
};

export const SingleUpdateSchema = z
  .object({ ...updateShape, identifier_number: IdentifierNumberSchema.optional().meta({ description: 'Ignored in single mode: the number is the query parameter' }) })
  .meta({ id: 'IdentifierUpdate' });

export const BatchItemSchema = z.object({ ...updateShape, identifier_number: IdentifierNumberSchema }).meta({ id: 'IdentifierBatchItem' });

export const BatchUpdateSchema = z
  .object({ list_items: z.array(BatchItemSchema).max(MAX_BATCH_ITEMS).meta({ description: 'Batch mode: one update per item' }) })
  .meta({ id: 'IdentifierBatchUpdate' });

export const UpdateBodySchema = z.union([BatchUpdateSchema, SingleUpdateSchema]).meta({
  description: 'Batch mode (no `number` query parameter): `{list_items:[...]}`. Single mode: one update object.',
});

export const TypeNumberQuery = z.object({
  type: IdentifierTypeSchema,
  number: z.string().min(1).max(128).optional().meta({ description: 'Given: single mode. Absent: batch mode (list_items).' }),
});

export const ItemResultSchema = z
  .object({
    identifier_type: IdentifierTypeSchema,
    identifier_number: z.string(),
    success: z.boolean(),
    extended_info: ResultCodeSchema,
  })
  .meta({ id: 'IdentifierResult' });

export const ResultListSchema = z.object({ result: z.array(ItemResultSchema) }).meta({ id: 'IdentifierResults' });

export const BatchDeleteItemSchema = z.object({ identifier_number: IdentifierNumberSchema });

export const BatchDeleteSchema = z
  .object({ list_items: z.array(BatchDeleteItemSchema).max(MAX_BATCH_ITEMS) })
  .meta({ id: 'IdentifierBatchDelete' });

export const CreateSchema = z
  .object({ ...updateShape, identifier_type: IdentifierTypeSchema, identifier_number: IdentifierNumberSchema })
  .meta({ id: 'IdentifierCreate' });

export const PatchSchema = z
  .object({
    identifier_type: IdentifierTypeSchema.optional(),
    identifier_number: IdentifierNumberSchema.optional(),
    identifier_owner: OwnerSchema.optional(),
    lock: LockSchema.optional(),
    valid: ValiditySchema.optional(),
  })
  .meta({ id: 'IdentifierPatch' });

export const IdentifierViewSchema = z
  .object({
    uid: Uuid,
    identifier_type: IdentifierTypeSchema,
    identifier_number: z.string().meta({ description: 'In the representation mode in force' }),
    identifier_owner: z.object({ type: z.enum(OWNER_TYPES), name: z.string(), link_id: z.string().nullable() }),
    lock: LockSchema,
    valid: ValiditySchema,
    passes_used: z.number().int().min(0),
    created_at: z.number().int(),
    updated_at: z.number().int(),
    last_used_at: z.number().int().nullable(),
  })
  .meta({ id: 'Identifier' });

export const UidParams = z.object({ uid: Uuid.meta({ description: 'Identifier uid' }) });

export const ListQuery = z.object({
  type: IdentifierTypeSchema.optional(),
  link_id: z.string().min(1).max(256).optional().meta({ description: 'Only identifiers of this user' }),
  ...PageQueryShape,
});

export const IdentifierPageSchema = pageOf(IdentifierViewSchema).meta({ id: 'IdentifierPage' });

// The schemas produce exactly what the service takes and returns.
type Assignable<A extends B, B> = [A, B];
export type SchemaChecks = [
  Assignable<z.infer<typeof SingleUpdateSchema>, IdentifierUpdate>,
  Assignable<z.infer<typeof BatchItemSchema>, IdentifierBatchItem>,
  Assignable<z.infer<typeof CreateSchema>, IdentifierCreate>,
  Assignable<z.infer<typeof PatchSchema>, IdentifierPatch>,
  Assignable<IdentifierItemResult, z.infer<typeof ItemResultSchema>>,
  Assignable<IdentifierView, z.infer<typeof IdentifierViewSchema>>,
];
