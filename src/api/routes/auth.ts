/** Login/logout, administrator accounts and API keys. */
import { z } from 'zod';
import { ADMIN_ROLES } from '../../storage/admin-accounts.ts';
import { MIN_PASSWORD_LENGTH } from '../../service/auth.ts';
import type { Services } from '../../service/services.ts';
import { ApiError } from '../errors.ts';
import type { RouteRegistry } from '../route-registry.ts';
import { ErrorSchema, Uuid } from '../schemas/common.ts';
import { unwrap } from './unwrap.ts';

const TAGS = ['Authentication'];
export const WRONG_CREDENTIALS = 'Wrong username or password';
export const TOO_MANY_LOGINS = 'Too many failed logins, retry later';

const Role = z.enum(ADMIN_ROLES).meta({ id: 'AccountType', description: 'admin: everything; operator: read and remote open' });
const Username = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/);

const LoginSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).meta({ id: 'Login' });
const TokenSchema = z
  .object({
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`' }),
    expires_at: z.number().int().meta({ description: 'Unix seconds' }),
    account_type: Role,
  })
  .meta({ id: 'LoginToken' });
const AccountSchema = z.object({ username: z.string(), role: Role }).meta({ id: 'Account' });
const ApiKeySchema = z
  .object({ id: z.string(), name: z.string(), role: Role, created_at: z.number().int(), revoked_at: z.number().int().nullable() })
  .meta({ id: 'ApiKey' });

export function registerAuthRoutes(registry: RouteRegistry, services: Services): void {
  const auth = services.auth;

  registry.add({
    method: 'post',
    path: '/api/v1/login',
    summary: 'Log in: username and password for a bearer token (valid 2 h by default)',
    description: 'Failed attempts are journaled and throttled per client address (429 with Retry-After).',
    tags: TAGS,
    access: 'public',
    body: LoginSchema,
    responses: {
      200: { description: 'Token', schema: TokenSchema },
      401: { description: WRONG_CREDENTIALS, schema: ErrorSchema },
      429: { description: TOO_MANY_LOGINS, schema: ErrorSchema },
    },
    handler: async ({ body, req }) => {
      const r = await auth.login(body.username, body.password, req.ip ?? 'unknown');
      if (r.ok) return { body: { token: r.token, expires_at: Math.floor(r.expiresAt / 1000), account_type: r.role } };
      if (r.reason === 'throttled') {
        throw new ApiError(429, TOO_MANY_LOGINS, { 'Retry-After': String(Math.ceil(r.retryAfterMs / 1000)) });
      }
      throw new ApiError(401, WRONG_CREDENTIALS);
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/logout',
    summary: 'End the session of the bearer token',
    tags: TAGS,
    access: 'operator',
    responses: { 200: { description: 'Logged out', schema: z.object({ success: z.boolean() }) } },
    handler: ({ req }) => {
      const token = /^Bearer\s+(\S+)/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
      return { body: { success: auth.logout(token) } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/admin/accounts',
    summary: 'List administrator and operator accounts',
    tags: TAGS,
    access: 'admin',
    responses: { 200: { description: 'Accounts', schema: z.object({ items: z.array(AccountSchema) }) } },
    handler: () => ({ body: { items: auth.listAccounts() } }),
  });

  registry.add({
    method: 'put',
    path: '/api/v1/admin/accounts/{username}',
    summary: 'Create an account or set its password and role',
    tags: TAGS,
    access: 'admin',
    params: z.object({ username: Username }),
    body: z.object({ password: z.string().min(MIN_PASSWORD_LENGTH).max(1024), role: Role.optional() }).meta({ id: 'AccountChange' }),
    responses: { 200: { description: 'The account', schema: AccountSchema } },
    handler: async ({ params, body }) => ({ body: unwrap(await auth.setPassword(params.username, body.password, body.role)) }),
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/admin/accounts/{username}',
    summary: 'Delete an account (its sessions end)',
    tags: TAGS,
    access: 'admin',
    params: z.object({ username: Username }),
    responses: { 200: { description: 'Deleted', schema: z.object({ username: z.string() }) }, 404: { description: 'entity_not_found' } },
    handler: ({ params }) => ({ body: unwrap(auth.deleteAccount(params.username)) }),
  });

  registry.add({
    method: 'get',
    path: '/api/v1/admin/api-keys',
    summary: 'List API keys (never the keys themselves)',
    tags: TAGS,
    access: 'admin',
    responses: { 200: { description: 'API keys', schema: z.object({ items: z.array(ApiKeySchema) }) } },
    handler: () => ({ body: { items: auth.listApiKeys() } }),
  });

  registry.add({
    method: 'post',
    path: '/api/v1/admin/api-keys',
    summary: 'Create an API key (`seam_...`); the key is shown in this answer only',
    tags: TAGS,
    access: 'admin',
    body: z.object({ name: z.string().min(1).max(128), role: Role }).meta({ id: 'ApiKeyCreate' }),
    responses: { 201: { description: 'The new key', schema: ApiKeySchema.extend({ key: z.string() }) } },
    handler: ({ body }) => ({ status: 201, body: unwrap(auth.createApiKey(body.name, body.role)) }),
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/admin/api-keys/{id}',
    summary: 'Revoke an API key',
    tags: TAGS,
    access: 'admin',
    params: z.object({ id: Uuid }),
    responses: { 200: { description: 'Revoked', schema: ApiKeySchema }, 404: { description: 'entity_not_found' } },
    handler: ({ params }) => ({ body: unwrap(auth.revokeApiKey(params.id)) }),
  });
}
