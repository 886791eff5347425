/** Identifier routes: seed 000 (PUT by type/number, single or batch) and the BAS-IP item surface. */
import { z } from 'zod';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import { JsonBytes, parseBatchItems, RawJsonBody, type RouteRegistry } from '../route-registry.ts';
import {
  BatchDeleteItemSchema,
  BatchDeleteSchema,
  BatchItemSchema,
  CreateSchema,
  IdentifierPageSchema,
  IdentifierViewSchema,
  ListQuery,
  PatchSchema,
  ResultListSchema,
  SingleUpdateSchema,
  TypeNumberQuery,
  UidParams,
  UpdateBodySchema,
} from '../schemas/identifiers.ts';
import { envelopeOf } from '../schemas/common.ts';
import { unwrap } from './unwrap.ts';

const TAGS = ['Identifiers'];
const PER_ITEM = 'Per-identifier results, always HTTP 200: failures are reported per item in `extended_info`; the database is modified only for successful items.';

/** A valid batch item: parsed once at start so zod's first (compiling) parse is not paid inside a request. */
const SAMPLE_ITEM = {
  identifier_number: '1',
  identifier_owner: { type: 'owner', name: 'x' },
  lock: 'all',
  valid: { time: { is_permanent: false, from: 1, to: 2 }, passes: { is_permanent: false, max_passes: 1 } },
};

/**
 * Below this many items a batch is cheaper on the event loop (a few ms, chunked) than a round trip
 * to the batch worker, and it does not wait for the worker to boot: the first batch after a start
 * waited ~1 s for it, and the crash campaign, killing within 0.5 s of ready, never saw one finish.
 */
const WORKER_MIN_ITEMS = 200;

export function registerIdentifierRoutes(registry: RouteRegistry, services: Services): void {
  const ids = services.identifiers;
  BatchItemSchema.parse(SAMPLE_ITEM);

  registry.add({
    method: 'put',
    path: '/api/v1/access/identifiers',
    summary: 'Update identifiers by type (single or list)',
    description:
      'Seed 000. With `number`: single update, the body is one update and its `identifier_number` is ignored. ' +
      'Without: batch update over `list_items`, each item in its own transaction (partial success). ' +
      '`identifier_type` in an item changes the type; changing to face_id is refused (face_id_not_supported). ' +
      'A number that is not valid for its type in the current representation mode is a 400 naming the field; nothing is written.',
    tags: TAGS,
    access: 'admin',
    query: TypeNumberQuery,
    body: UpdateBodySchema,
    bodyFor: (q) => (q.number === undefined ? envelopeOf() : SingleUpdateSchema),
    // A large batch body is parsed and checked by the batch worker, not on the event loop.
    rawJsonBody: (q) => q.number === undefined && services.identifierBatches !== undefined,
    responses: { 200: { description: PER_ITEM, schema: ResultListSchema } },
    handler: async ({ query, body, principal }) => {
      if (query.number !== undefined) {
        return { body: { result: [ids.updateOne(query.type, query.number, body as z.infer<typeof SingleUpdateSchema>, principal)] } };
      }
      const batches = services.identifierBatches;
      if (body instanceof RawJsonBody) {
        const reply = await batches!.updateJson(query.type, body.bytes, principal);
        if (reply.kind === 'invalid') throw new ApiError(400, reply.error);
        return { body: new JsonBytes(reply.json) };
      }
      const listItems = (body as { list_items: unknown[] }).list_items;
      const reply = listItems.length >= WORKER_MIN_ITEMS ? await batches?.update(query.type, listItems, principal) : undefined;
      if (reply?.kind === 'done') return { body: new JsonBytes(reply.json) };
      if (reply?.kind === 'invalid') throw new ApiError(400, reply.error);
      const items = await parseBatchItems(BatchItemSchema, { list_items: listItems });
      return { body: { result: await ids.updateBatch(query.type, items, principal) } };
    },
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/access/identifiers',
    summary: 'Delete identifiers by type (single or list)',
    description: 'With `number`: delete that identifier (no body). Without: batch delete over `list_items`.',
    tags: TAGS,
    access: 'admin',
    query: TypeNumberQuery,
    body: BatchDeleteSchema,
    bodyFor: (q) => (q.number === undefined ? envelopeOf() : undefined),
    responses: { 200: { description: PER_ITEM, schema: ResultListSchema } },
    handler: async ({ query, body, principal }) => {
      if (query.number !== undefined) return { body: { result: [ids.deleteOne(query.type, query.number, principal)] } };
      const items = await parseBatchItems(BatchDeleteItemSchema, body);
      return { body: { result: await ids.deleteBatch(query.type, items.map((i) => i.identifier_number), principal) } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/access/identifiers',
    summary: 'List identifiers (paginated, filterable by type and owner)',
    tags: TAGS,
    access: 'operator',
    query: ListQuery,
    responses: { 200: { description: 'One page, ordered by uid', schema: IdentifierPageSchema } },
    handler: ({ query }) => ({ body: unwrap(ids.list(query)) }),
  });

  registry.add({
    method: 'post',
    path: '/api/v1/access/identifier/item',
    summary: 'Create one identifier',
    description: 'The owner is found by name (or created). Failures answer with the result code as `error`.',
    tags: TAGS,
    access: 'admin',
    body: CreateSchema,
    responses: {
      201: { description: 'Created', schema: IdentifierViewSchema },
      404: { description: 'entity_not_found' },
      409: { description: 'number_taken_by_another_identifier, has_dublicates, number_of_identifiers_exceeded' },
      422: { description: 'invalid_time_rules_settings, face_id_not_supported' },
    },
    handler: ({ body, principal }) => ({ status: 201, body: unwrap(ids.create(body, principal)) }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/access/identifier/item/{uid}',
    summary: 'Get one identifier',
    tags: TAGS,
    access: 'operator',
    params: UidParams,
    responses: { 200: { description: 'The identifier', schema: IdentifierViewSchema }, 404: { description: 'entity_not_found' } },
    handler: ({ params }) => {
      const v = ids.get(params.uid);
      if (!v) throw new ApiError(404, 'entity_not_found');
      return { body: v };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/access/identifier/item/{uid}',
    summary: 'Change fields of one identifier',
    tags: TAGS,
    access: 'admin',
    params: UidParams,
    body: PatchSchema,
    responses: {
      200: { description: 'The updated identifier', schema: IdentifierViewSchema },
      404: { description: 'entity_not_found' },
      409: { description: 'number_taken_by_another_identifier, has_dublicates' },
      422: { description: 'invalid_time_rules_settings, face_id_not_supported' },
    },
    handler: ({ params, body, principal }) => ({ body: unwrap(ids.patch(params.uid, body, principal)) }),
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/access/identifier/item/{uid}',
    summary: 'Delete one identifier',
    tags: TAGS,
    access: 'admin',
    params: UidParams,
    responses: {
      200: { description: 'Deleted', schema: z.object({ uid: z.string(), extended_info: z.literal('deleted') }) },
      404: { description: 'entity_not_found' },
    },
    handler: ({ params, principal }) => ({ body: { uid: unwrap(ids.remove(params.uid, principal)).uid, extended_info: 'deleted' } }),
  });

  registry.add({
    method: 'post',
    path: '/api/v1/access/identifier/item/{uid}/passes/reset',
    summary: 'Reset the pass counter of one identifier',
    tags: TAGS,
    access: 'admin',
    params: UidParams,
    responses: { 200: { description: 'The identifier, passes_used 0', schema: IdentifierViewSchema }, 404: { description: 'entity_not_found' } },
    handler: ({ params, principal }) => ({ body: unwrap(ids.resetPasses(params.uid, principal)) }),
  });
}
