/**
 * One declaration per route: its zod schemas both validate requests and generate the OpenAPI 3.1
 * document, so the document cannot drift from what the server accepts.
 *
 * Order of checks for every route: authentication (401), role (403), path, query, body (400),
 * then the handler. Handlers return `{status?, body}`; thrown ApiError / InvalidInputError become
 * JSON errors in the error handler.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AdminRole } from '../storage/admin-accounts.ts';
import type { Principal } from '../service/auth.ts';
import { mapInSlices } from '../service/chunked-batch.ts';
import { ADMIN_REQUIRED, ApiError, LOG_IN } from './errors.ts';
import { ErrorSchema } from './schemas/common.ts';
import { InvalidInputError } from '../service/invalid-input.ts';
import { WRONG_JSON_BODY, wrongInputMessage, wrongTypeOf } from './wrong-body.ts';
import { checkBatchItem, parseJsonBytes } from './batch-items.ts';

/** public: anyone; operator: admin or operator accounts/keys; admin: admin only. */
export type Access = 'public' | 'operator' | 'admin';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Default application/json. */
  readonly contentType?: string;
  /** Further content types of the same answer, documented with the same schema (e.g. XML). */
  readonly extraContentTypes?: readonly string[];
}

export interface Reply {
  readonly status?: number;
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A reply that stays open (server-sent events): the route has passed authentication, role and
 * input checks; `stream` takes over the response and must end or watch it itself.
 */
export interface StreamReply {
  readonly stream: (res: Response, req: Request) => void;
}

const isStream = (r: Reply | StreamReply): r is StreamReply => 'stream' in r;

export interface RouteContext<Q, P, B> {
  readonly query: Q;
  readonly params: P;
  readonly body: B;
  /** Undefined only on public routes. */
  readonly principal: Principal | undefined;
  readonly req: Request;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteSpec<Q extends AnyObject, P extends AnyObject, B extends z.ZodType> {
  readonly method: Method;
  /** OpenAPI form: `/api/v1/access/identifier/item/{uid}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly query?: Q;
  readonly params?: P;
  /** The body schema as documented. */
  readonly body?: B;
  /**
   * When the body's shape depends on the query (seed 000: single vs batch mode), the schema to
   * validate with (undefined: no body expected); `body` then documents the union of the shapes.
   * The handler must then narrow `body` by the same query test.
   */
  readonly bodyFor?: (query: z.infer<Q>) => z.ZodType | undefined;
  /** Extra request content types documented besides JSON (e.g. XML). */
  readonly extraBodyTypes?: readonly string[];
  /** Turns a non-JSON body (e.g. XML text) into the object to validate; default: the parsed JSON. */
  readonly decodeBody?: (req: Request) => unknown;
  /**
   * The app reads this route's JSON bodies as bytes (parsing 2 MB blocks the event loop ~30 ms).
   * Bodies under RAW_JSON_PARSE_BELOW bytes, and any body when this says false for the query, are
   * parsed and validated here as usual. Otherwise the handler gets a `RawJsonBody` as `body`,
   * unvalidated, and must parse and check it with `bodyFor`'s schema (off the event loop, or with
   * `RawJsonBody.parse`).
   */
  readonly rawJsonBody?: (query: z.infer<Q>) => boolean;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly handler: (ctx: RouteContext<z.infer<Q>, z.infer<P>, z.infer<B>>) => Promise<Reply | StreamReply> | Reply | StreamReply;
  /**
   * The body of an error raised once the caller is authorized (input, business): for vendor
   * dialects with their own error envelope (Seam). 401/403 keep the API-wide shape.
   */
  readonly errorBody?: (e: ApiError) => unknown;
}

export type Authenticate = (bearer: string) => Principal | undefined;

export interface MountOptions {
  readonly authenticate: Authenticate;
  /** Check every reply against its declared schema (tests): a mismatch is a 500. */
  readonly validateResponses?: boolean;
}

/** The vendor extension naming the least role an operation needs (absent on public routes). */
export const ROLE_EXTENSION = 'x-required-role';
export const BEARER_SCHEME = 'bearerAuth';

const ROLE_RANK: Record<AdminRole, number> = { operator: 1, admin: 2 };

function bearerOf(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** An input or business failure as an ApiError (InvalidInputError names its field); others pass through. */
export function asApiError(err: unknown): unknown {
  return err instanceof InvalidInputError ? new ApiError(400, wrongTypeOf(err.path, err.location)) : err;
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown, location: 'body' | 'query' | 'params'): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new ApiError(400, wrongInputMessage(location, input, r.error.issues));
  return r.data;
}

/**
 * Validates a batch body's `list_items` in slices, yielding to the event loop between them:
 * checking 10,000 items at once stalls the loop (which also serves the door readers) for
 * 50–200 ms. Same answers as validating the whole body: the first bad item, in order, is reported
 * with its full path. Routes validate only the envelope (`envelopeOf`) and then call this.
 */
export function parseBatchItems<T>(item: z.ZodType<T>, body: { list_items: readonly unknown[] }): Promise<T[]> {
  return mapInSlices(body.list_items, (_raw, i) => {
    const r = checkBatchItem(item, body, i);
    if (!r.ok) throw new ApiError(400, r.error);
    return r.value;
  });
}

/** Smaller JSON bodies of `rawJsonBody` routes are parsed on the event loop: it costs less than 1 ms. */
export const RAW_JSON_PARSE_BELOW = 64 * 1024;

/** A JSON body left as bytes for its handler (RouteSpec.rawJsonBody). */
export class RawJsonBody {
  constructor(readonly bytes: Uint8Array) {}

  /** Parsed and validated on the event loop, with the 400 texts any other body gets. */
  parse<T>(schema: z.ZodType<T>): T {
    const parsed = parseJsonBytes(this.bytes);
    if (!parsed.ok) throw new ApiError(400, parsed.error);
    return parseInput(schema, parsed.value, 'body');
  }
}

/** `/api/v1/x/{id}` → a pattern matching request paths as the router does (any case, optional trailing slash). */
function pathPattern(path: string): RegExp {
  const literal = path.split(/\{[A-Za-z0-9_]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('[^/]+')}/?$`, 'i');
}

/**
 * A reply body already serialized as JSON, as UTF-8 bytes (e.g. by a worker thread: stringifying a
 * 10,000-item result list would block the event loop for ~10 ms, and making bytes of the string
 * ~3 ms more).
 */
export class JsonBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** The errors every route of a kind can answer, added to its documented responses. */
function standardErrors(spec: RouteSpec<AnyObject, AnyObject, z.ZodType>): Record<number, ResponseSpec> {
  const errors: Record<number, ResponseSpec> = {};
  if (spec.query || spec.params || spec.body) errors[400] = { description: 'Wrong JSON body (or wrong query/path parameters); the text names the field', schema: ErrorSchema };
  if (spec.access !== 'public') errors[401] = { description: 'Unauthorized request: `{"error":"Log In"}`', schema: ErrorSchema };
  if (spec.access === 'admin') errors[403] = { description: 'Administrator rights required', schema: ErrorSchema };
  if (spec.body) errors[413] = { description: 'Request body too large', schema: ErrorSchema };
  return errors;
}

export function createRouteRegistry() {
  const openapi = new OpenAPIRegistry();
  openapi.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'A login token from POST /api/v1/login, or an API key (`seam_...`).',
  });
  const routes: Array<RouteSpec<AnyObject, AnyObject, z.ZodType>> = [];
  const rawJsonRoutes: Array<{ readonly method: string; readonly path: RegExp }> = [];

  function add<Q extends AnyObject, P extends AnyObject, B extends z.ZodType>(spec: RouteSpec<Q, P, B>): void {
    const s = spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>;
    routes.push(s);
    if (s.rawJsonBody) rawJsonRoutes.push({ method: s.method.toUpperCase(), path: pathPattern(s.path) });
    const responses = { ...standardErrors(s), ...s.responses };
    openapi.registerPath({
      method: s.method,
      path: s.path,
      summary: s.summary,
      description: s.description,
      tags: [...s.tags],
      ...(s.access === 'public' ? {} : { security: [{ [BEARER_SCHEME]: [] }], [ROLE_EXTENSION]: s.access }),
      request: {
        query: s.query,
        params: s.params,
        body: s.body
          ? {
              required: true,
              content: Object.fromEntries(
                ['application/json', ...(s.extraBodyTypes ?? [])].map((t) => [t, { schema: s.body! }]),
              ),
            }
          : undefined,
      },
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? {
                  content: Object.fromEntries(
                    [r.contentType ?? 'application/json', ...(r.extraContentTypes ?? [])].map((t) => [t, { schema: r.schema! }]),
                  ),
                }
              : {}),
          },
        ]),
      ),
    });
  }

  function authorize(spec: RouteSpec<AnyObject, AnyObject, z.ZodType>, req: Request, authenticate: Authenticate): Principal | undefined {
    if (spec.access === 'public') return undefined;
    const bearer = bearerOf(req);
    const principal = bearer === undefined ? undefined : authenticate(bearer);
    if (!principal) throw new ApiError(401, LOG_IN, { 'WWW-Authenticate': 'Bearer' });
    if (ROLE_RANK[principal.role] < ROLE_RANK[spec.access]) throw new ApiError(403, ADMIN_REQUIRED);
    return principal;
  }

  function checkReply(spec: RouteSpec<AnyObject, AnyObject, z.ZodType>, reply: Reply, status: number): void {
    const declared = spec.responses[status];
    // Replies in another content type than the schema's (XML renderings) are not JSON to check.
    if (reply.contentType !== undefined && reply.contentType !== (declared?.contentType ?? 'application/json')) return;
    const schema = declared?.schema;
    if (!schema) throw new Error(`${spec.method.toUpperCase()} ${spec.path}: undeclared response status ${status}`);
    const r = schema.safeParse(reply.body instanceof JsonBytes ? JSON.parse(new TextDecoder().decode(reply.body.bytes)) : reply.body);
    if (!r.success) throw new Error(`${spec.method.toUpperCase()} ${spec.path}: reply does not match its schema: ${r.error.message}`);
  }

  function mount(router: Router, opts: MountOptions): void {
    for (const spec of routes) {
      router[spec.method](expressPath(spec.path), async (req: Request, res: Response, next: NextFunction) => {
        // A JSON body the app left as bytes: a small one is parsed now, where the app's parser would have.
        let unparsed: Uint8Array | undefined;
        if (spec.rawJsonBody && req.body instanceof Uint8Array) {
          if (req.body.length >= RAW_JSON_PARSE_BELOW) unparsed = req.body;
          else {
            const parsed = parseJsonBytes(req.body);
            if (!parsed.ok) {
              next(new ApiError(400, parsed.error));
              return;
            }
            req.body = parsed.value;
          }
        }
        // The app parses bodies before any route check: a malformed body still answers first.
        const malformedFirst = (err: unknown): unknown => (unparsed && !parseJsonBytes(unparsed).ok ? new ApiError(400, WRONG_JSON_BODY) : err);
        let principal: Principal | undefined;
        let params: unknown;
        let query: unknown;
        try {
          principal = authorize(spec, req, opts.authenticate);
          params = spec.params ? parseInput(spec.params, req.params, 'params') : {};
          query = spec.query ? parseInput(spec.query, req.query, 'query') : {};
        } catch (err) {
          next(malformedFirst(err));
          return;
        }
        try {
          const bodySchema = spec.bodyFor ? spec.bodyFor(query as never) : spec.body;
          let body: unknown;
          if (unparsed && spec.rawJsonBody?.(query as never)) body = new RawJsonBody(unparsed);
          else {
            if (unparsed) req.body = new RawJsonBody(unparsed).parse(z.unknown());
            const raw = spec.decodeBody ? spec.decodeBody(req) : req.body;
            body = bodySchema ? parseInput(bodySchema, raw, 'body') : undefined;
          }
          const reply = await spec.handler({ query: query as never, params: params as never, body, principal, req });
          if (isStream(reply)) {
            reply.stream(res, req);
            return;
          }
          const status = reply.status ?? 200;
          if (opts.validateResponses) checkReply(spec, reply, status);
          for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
          if (reply.body instanceof JsonBytes) {
            const { bytes } = reply.body;
            // A Buffer view (express sends a Uint8Array as JSON of its numbers), not a copy.
            res.status(status).type('application/json').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          } else if (reply.contentType && typeof reply.body === 'string') res.status(status).type(reply.contentType).send(reply.body);
          else res.status(status).json(reply.body);
        } catch (err) {
          const e = asApiError(err);
          if (spec.errorBody && e instanceof ApiError && !res.headersSent) res.status(e.status).json(spec.errorBody(e));
          else next(e);
        }
      });
    }
  }

  function document(info: { title: string; version: string; description?: string }) {
    return new OpenApiGeneratorV31(openapi.definitions).generateDocument({
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
    });
  }

  /** Whether the request is for a route that reads its JSON body as bytes (the app then uses express.raw for it). */
  function takesRawJson(req: { readonly method: string; readonly path: string }): boolean {
    return rawJsonRoutes.some((r) => r.method === req.method && r.path.test(req.path));
  }

  return { add, mount, document, takesRawJson, routes: routes as ReadonlyArray<RouteSpec<AnyObject, AnyObject, z.ZodType>> };
}

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;

/** A fresh express Router for the registry's routes (JSON bodies are parsed by the app). */
export function routerFor(registry: RouteRegistry, opts: MountOptions): Router {
  const router = express.Router();
  registry.mount(router, opts);
  return router;
}
