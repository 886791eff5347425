/**
 * Admin API load for campaign 5, run as its own process (`node --import tsx load-clients.ts`) so
 * the clients' CPU and event loop never delay the campaign's card timing in the test process. A
 * real admin console is another process too.
 *
 * Input (env): LOAD_BASE_URL, LOAD_TOKEN (bearer), LOAD_DURATION_MS, LOAD_CLIENTS, LOAD_SEEDED
 * (identifiers 3,000,000 + i exist for i < LOAD_SEEDED). Output: one JSON line on stdout
 * (`LoadReport`). Each client sends one request at a time over a keep-alive connection, choosing
 * uniformly among reads, a health check, a metrics scrape and a 20-item batch update.
 */
import { Agent, request } from 'node:http';

export interface LoadReport {
  readonly requests: number;
  readonly errors: number;
  /** The first few failures, `status text`. */
  readonly firstErrors: string[];
  /** Request durations as the clients saw them (ms). */
  readonly durationsMs: number[];
  readonly elapsedMs: number;
}

const PERMANENT = { time: { is_permanent: true }, passes: { is_permanent: true } };

interface Call {
  readonly method: 'GET' | 'PUT';
  readonly path: string;
  readonly auth: boolean;
  readonly body?: () => string;
}

function calls(seeded: number): Call[] {
  const pick = (n: number) => Math.floor(Math.random() * n);
  return [
    { method: 'GET', path: '/api/v1/access/identifiers?limit=50', auth: true },
    { method: 'GET', path: '/api/v1/events?limit=50', auth: true },
    { method: 'GET', path: '/api/v1/users', auth: true },
    { method: 'GET', path: '/api/v1/health', auth: false },
    { method: 'GET', path: '/metrics', auth: true },
    {
      method: 'PUT',
      path: '/api/v1/access/identifiers?type=card',
      auth: true,
      body: () =>
        JSON.stringify({
          list_items: Array.from({ length: 20 }, () => ({
            identifier_number: String(3_000_000 + pick(seeded)),
            identifier_owner: { type: 'owner', name: `load-${pick(20)}` },
            lock: 'all',
            valid: PERMANENT,
          })),
        }),
    },
  ];
}

function send(agent: Agent, base: URL, token: string, call: Call): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const body = call.body?.();
    const headers: Record<string, string> = {};
    if (call.auth) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = request(new URL(call.path, base), { method: call.method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => resolve({ status: -1, text: err.message }));
    });
    req.on('error', (err) => resolve({ status: -1, text: err.message }));
    req.end(body);
  });
}

export async function runLoad(o: { baseUrl: string; token: string; durationMs: number; clients: number; seeded: number }): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.clients });
  const base = new URL(o.baseUrl);
  const mix = calls(o.seeded);
  const durationsMs: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + o.durationMs;
  const client = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const r = await send(agent, base, o.token, mix[Math.floor(Math.random() * mix.length)]!);
      durationsMs.push(performance.now() - t);
      if (r.status < 200 || r.status >= 300) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(`${r.status} ${r.text.slice(0, 120)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  agent.destroy();
  return { requests: durationsMs.length, errors, firstErrors, durationsMs, elapsedMs: performance.now() - start };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (name: string): string => {
    const v = process.env[name];
    if (v === undefined) throw new Error(`${name} is required`);
    return v;
  };
  const report = await runLoad({
    baseUrl: env('LOAD_BASE_URL'),
    token: env('LOAD_TOKEN'),
    durationMs: Number(env('LOAD_DURATION_MS')),
    clients: Number(env('LOAD_CLIENTS')),
    seeded: Number(env('LOAD_SEEDED')),
  });
  process.stdout.write(JSON.stringify(report) + '\n');
}
