/**
 * The admin HTTP API as an express app (the daemon listens on it; default 127.0.0.1:8080).
 *
 * Cross-cutting behaviour: JSON bodies up to `bodyLimit` (10 MB default, enough for a
 * 10,000-identifier batch several times over); malformed JSON is a 400 "Wrong JSON body", never a
 * 500; every error is `{"error": ...}` JSON without stack traces; security headers on every
 * answer; no x-powered-by; request counts and durations in the shared prom-client registry;
 * admission control (admission.ts) so admin load cannot crowd the card path out of the event loop.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { DoorStatus } from '../service/doors.ts';
import type { Services } from '../service/services.ts';
import { createAdmission } from './admission.ts';
import { DOCS_CSP, renderDocsPage } from './docs-page.ts';
import { ApiError } from './errors.ts';
import { asApiError, createRouteRegistry, routerFor } from './route-registry.ts';
import { registerAccessCodeRoutes } from './routes/access-codes.ts';
import { registerAccessKeyRoutes } from './routes/access-keys.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerIdentifierRoutes } from './routes/identifiers.ts';
import { registerSettingsRoutes } from './routes/settings.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerUserCardRoutes } from './routes/user-cards.ts';
import { registerUserRoutes } from './routes/users.ts';
import { WRONG_JSON_BODY, wrongInputMessage } from './wrong-body.ts';

export const DEFAULT_BODY_LIMIT = '10mb';
export const BODY_TOO_LARGE = 'Request body too large';
export const NOT_FOUND = 'Not found';
export const INTERNAL_ERROR = 'Internal server error';

export interface AppOptions {
  readonly services: Services;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The daemon's registry, so its metrics and the API's are served together. Default: a new one. */
  readonly metrics?: Registry;
  /** Largest accepted request body (bytes or an express size string). Default 10 MB. */
  readonly bodyLimit?: string | number;
  /** express `trust proxy` (the client address used for login throttling). Default false. */
  readonly trustProxy?: boolean | number | string;
  /** Check each reply against its declared schema; for tests. */
  readonly validateResponses?: boolean;
  readonly health?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  readonly version?: string;
  /** The daemon's event emitter (`journal` events feed GET /api/v1/events/stream). */
  readonly events?: EventEmitter;
  /** The daemon's door states for GET /api/v1/doors. */
  readonly doors?: () => readonly DoorStatus[];
  /** Where the Seam-compatible routes live (seed 004). Default `/seam`. */
  readonly seamPrefix?: string;
}

export const DEFAULT_SEAM_PREFIX = '/seam';

const JSON_TYPES = ['application/json', 'application/*+json', 'text/json'];
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** Absent or UTF-8: another charset is left to express.json (which decodes UTF-16/32 and answers 415 to the rest). */
function utf8Body(req: IncomingMessage): boolean {
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

const JSON_CSP = "default-src 'none'; frame-ancestors 'none'";

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', JSON_CSP);
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** The metric of that name if already registered (the daemon may build the app twice), else a new one. */
function metricsFor(registry: Registry) {
  const requests =
    (registry.getSingleMetric('doorctl_http_requests_total') as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: 'doorctl_http_requests_total',
      help: 'Admin API requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('doorctl_http_request_duration_seconds') as Histogram<'method' | 'route'> | undefined) ??
    new Histogram({
      name: 'doorctl_http_request_duration_seconds',
      help: 'Admin API request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    });
  return { requests, duration };
}

/** Body-parser failures (they carry `type`) → client errors; anything else is ours. */
function bodyParserError(err: unknown): ApiError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, WRONG_JSON_BODY);
    case 'entity.too.large':
      return new ApiError(413, BODY_TOO_LARGE);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiError(415, 'Unsupported content encoding');
    default:
      return undefined;
  }
}

/** The router could not percent-decode a path parameter (it marks that URIError 400): the client's error. */
function undecodableParam(err: unknown): ApiError | undefined {
  return err instanceof URIError && (err as { status?: unknown }).status === 400 ? new ApiError(400, wrongInputMessage('params', undefined, [])) : undefined;
}

export function createApp(opts: AppOptions) {
  const { services, logger, clock } = opts;
  const metrics = opts.metrics ?? new Registry();
  const { requests, duration } = metricsFor(metrics);
  const registry = createRouteRegistry();
  registerAuthRoutes(registry, services);
  registerIdentifierRoutes(registry, services);
  registerUserRoutes(registry, services);
  registerSettingsRoutes(registry, services);
  registerAccessCodeRoutes(registry, services, opts.seamPrefix ?? DEFAULT_SEAM_PREFIX);
  registerUserCardRoutes(registry, services);
  registerAccessKeyRoutes(registry, services);
  registerSystemRoutes(registry, services, { metrics, health: opts.health, clock, events: opts.events, doors: opts.doors });
  // Built on first use: generating it from the schemas takes ~70 ms, a fifth of an empty daemon's
  // start-up, and most daemons never serve it.
  let document: ReturnType<typeof registry.document> | undefined;
  const openapi = () =>
    (document ??= registry.document({
      title: 'doorctl admin API',
      version: opts.version ?? '1',
      description:
        'Wiegand door controller administration. Batch routes answer HTTP 200 with per-item `extended_info` results; ' +
        'single-entity routes answer failures as `{"error": <extended_info code>}`.',
    }));
  let docsHtml: string | undefined;

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', opts.trustProxy ?? false);
  app.use(securityHeaders);
  app.use((req, res, next) => {
    const startUs = clock.monotonicUs();
    res.on('finish', () => {
      const route = typeof req.route?.path === 'string' ? req.baseUrl + req.route.path : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, (clock.monotonicUs() - startUs) / 1e6);
    });
    next();
  });
  const limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const isJson = (req: IncomingMessage): boolean => Boolean((req as Request).is(JSON_TYPES));
  // Routes that take large JSON bodies off the event loop get the bytes (route-registry rawJsonBody);
  // same limit, content types and errors as express.json.
  const rawJson = (req: IncomingMessage): boolean => isJson(req) && utf8Body(req) && registry.takesRawJson(req as Request);
  app.use(express.json({ limit, type: (req) => isJson(req) && !rawJson(req) }));
  app.use(express.raw({ limit, type: rawJson }));
  // XML bodies (seed 003) arrive as text; the routes that accept XML decode it.
  app.use(express.text({ limit, type: ['application/xml', 'text/xml'] }));
  // After the body is read (a slow upload must not hold a slot), before any route runs.
  app.use(createAdmission({}).middleware);

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi());
  });
  app.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.type('html').send((docsHtml ??= renderDocsPage(openapi() as unknown as Record<string, unknown>)));
  });
  app.use(routerFor(registry, { authenticate: services.auth.authenticate, validateResponses: opts.validateResponses }));

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: NOT_FOUND });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const converted = asApiError(err);
    let e = converted instanceof ApiError ? converted : (bodyParserError(err) ?? undecodableParam(err));
    if (!e) {
      logger.error({ err, method: req.method, path: req.path }, 'admin API request failed');
      e = new ApiError(500, INTERNAL_ERROR);
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    res.status(e.status).json({ error: e.error });
  });

  return Object.assign(app, { openapi, routeSpecs: registry.routes });
}

export type App = ReturnType<typeof createApp>;
