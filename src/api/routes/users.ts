/** User routes: seed 002 batch create/update by link_id, and single-user operations. */
import { z } from 'zod';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import { parseBatchItems, type RouteRegistry } from '../route-registry.ts';
import { envelopeOf } from '../schemas/common.ts';
import { LinkIdParams, UserBatchSchema, UserItemSchema, UserListQuery, UserPageSchema, UserPatchSchema, UserResultsSchema, UserViewSchema } from '../schemas/users.ts';
import { unwrap } from './unwrap.ts';

const TAGS = ['Users'];

export function registerUserRoutes(registry: RouteRegistry, services: Services): void {
  const users = services.users;

  registry.add({
    method: 'put',
    path: '/api/v1/users',
    summary: 'Create/update multiple users with link_id',
    description:
      'Seed 002. An item whose link_id (else whose name) matches an existing user updates it; otherwise a user is created ' +
      'and the server assigns its link_id. `has_dublicates` is true when another user has the same name; several users ' +
      'sharing the name of an item without link_id cannot be told apart (success false, has_dublicates). Each item is its ' +
      'own transaction; always HTTP 200.',
    tags: TAGS,
    access: 'admin',
    body: UserBatchSchema,
    bodyFor: () => envelopeOf(),
    responses: { 200: { description: 'Per-user results', schema: UserResultsSchema } },
    handler: async ({ body, principal }) => ({ body: { result: await users.upsertBatch(await parseBatchItems(UserItemSchema, body), principal) } }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/users',
    summary: 'List users (paginated)',
    tags: TAGS,
    access: 'operator',
    query: UserListQuery,
    responses: { 200: { description: 'One page', schema: UserPageSchema } },
    handler: ({ query }) => ({ body: users.list(query) }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/users/{link_id}',
    summary: 'Get one user',
    tags: TAGS,
    access: 'operator',
    params: LinkIdParams,
    responses: { 200: { description: 'The user', schema: UserViewSchema }, 404: { description: 'entity_not_found' } },
    handler: ({ params }) => {
      const u = users.get(params.link_id);
      if (!u) throw new ApiError(404, 'entity_not_found');
      return { body: u };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/users/{link_id}',
    summary: 'Change fields of one user',
    tags: TAGS,
    access: 'admin',
    params: LinkIdParams,
    body: UserPatchSchema,
    responses: {
      200: { description: 'The updated user', schema: UserViewSchema },
      404: { description: 'entity_not_found' },
      409: { description: 'has_dublicates (phone taken by another user)' },
    },
    handler: ({ params, body, principal }) => ({ body: unwrap(users.patch(params.link_id, body, principal)) }),
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/users/{link_id}',
    summary: 'Delete one user and their identifiers',
    tags: TAGS,
    access: 'admin',
    params: LinkIdParams,
    responses: {
      200: { description: 'Deleted', schema: z.object({ link_id: z.string(), extended_info: z.literal('deleted') }) },
      404: { description: 'entity_not_found' },
    },
    handler: ({ params, principal }) => ({ body: { link_id: unwrap(users.remove(params.link_id, principal)).link_id, extended_info: 'deleted' } }),
  });
}
