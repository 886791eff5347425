/**
 * Admission control over real HTTP on loopback, with event-loop turns stepped by hand: the test
 * holds every turn the admission asks for and runs them one at a time.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.ts';
import { createAdmission, SERVER_BUSY, type Admission } from './admission.ts';
import { ApiError } from './errors.ts';

interface Rig {
  readonly admission: Admission;
  /** Names of requests whose handler has started, in order. */
  readonly started: string[];
  /** Answers a held (`/hold/:name`) request. */
  answer(name: string): void;
  /** Runs the one pending admission turn; false when none was asked for. */
  turn(): boolean;
  pendingTurns(): number;
  get(path: string): { done: Promise<{ status: number; headers: Record<string, unknown>; body: string }>; abort(): void };
  close(): Promise<void>;
}

async function rig(opts: { maxActive?: number; maxQueued?: number }): Promise<Rig> {
  const turns: Array<() => void> = [];
  const admission = createAdmission({ ...opts, nextTurn: (fn) => turns.push(fn) });
  const started: string[] = [];
  const held = new Map<string, Response>();
  const app = express();
  app.use(admission.middleware);
  app.get('/now/:name', (req, res) => {
    started.push(req.params.name!);
    res.send('ok');
  });
  app.get('/hold/:name', (req, res) => {
    started.push(req.params.name!);
    held.set(req.params.name!, res);
  });
  app.get('/stream/:name', (req, res) => {
    started.push(req.params.name!);
    res.setHeader('Content-Type', 'text/event-stream');
    res.flushHeaders();
    res.write(': open\n\n');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof ApiError ? err : new ApiError(500, 'unexpected');
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    res.status(e.status).json({ error: e.error });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    admission,
    started,
    answer(name) {
      held.get(name)!.send('held');
    },
    turn() {
      const fn = turns.shift();
      fn?.();
      return fn !== undefined;
    },
    pendingTurns: () => turns.length,
    get(path) {
      let abort = () => {};
      const done = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          // A stream never ends: its first bytes are the answer.
          if (String(res.headers['content-type']).startsWith('text/event-stream')) {
            res.once('data', (c: string) => resolve({ status: res.statusCode!, headers: res.headers, body: c }));
            return;
          }
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
        abort = () => req.destroy();
      });
      done.catch(() => undefined);
      return { done, abort };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('admission control', () => {
  let current: Rig | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it('never runs a request in the turn that read it, and starts one per turn', async () => {
    const r = (current = await rig({ maxActive: 4 }));
    const answers = ['a', 'b', 'c'].map((n) => r.get(`/now/${n}`).done);
    await waitFor('three requests queued', () => r.admission.stats().queued === 3);
    expect(r.started).toEqual([]);
    for (let i = 1; i <= 3; i++) {
      expect(r.turn()).toBe(true);
      expect(r.started).toHaveLength(i);
    }
    expect(r.pendingTurns()).toBe(0);
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(r.admission.stats()).toMatchObject({ queued: 0, active: 0, admitted: 3 });
  });

  it('keeps at most maxActive admitted requests unanswered; an answer lets the next one in', async () => {
    const r = (current = await rig({ maxActive: 2 }));
    r.get('/hold/a');
    await waitFor('a queued', () => r.admission.stats().queued === 1);
    r.get('/hold/b');
    await waitFor('b queued', () => r.admission.stats().queued === 2);
    const c = r.get('/now/c').done;
    await waitFor('c queued', () => r.admission.stats().queued === 3);
    r.turn();
    r.turn();
    expect(r.started).toEqual(['a', 'b']);
    // Both slots taken: no turn is even asked for until one answers.
    expect(r.pendingTurns()).toBe(0);
    expect(r.admission.stats()).toMatchObject({ active: 2, queued: 1 });
    r.answer('a');
    expect(r.pendingTurns()).toBe(1);
    r.turn();
    expect(r.started).toEqual(['a', 'b', 'c']);
    expect((await c).status).toBe(200);
  });

  it('frees the slot of an event stream once its headers are out', async () => {
    const r = (current = await rig({ maxActive: 1 }));
    const stream = r.get('/stream/s');
    await waitFor('stream queued', () => r.admission.stats().queued === 1);
    const after = r.get('/now/x').done;
    await waitFor('x queued', () => r.admission.stats().queued === 2);
    r.turn();
    expect(r.started).toEqual(['s']);
    expect(r.admission.stats().active).toBe(0);
    r.turn();
    expect(r.started).toEqual(['s', 'x']);
    expect((await stream.done).body).toBe(': open\n\n');
    expect((await after).status).toBe(200);
    stream.abort();
  });

  it('drops a queued request whose client has gone, without running it', async () => {
    const r = (current = await rig({ maxActive: 1 }));
    r.get('/hold/a');
    await waitFor('a queued', () => r.admission.stats().queued === 1);
    r.turn();
    const gone = r.get('/now/gone');
    await waitFor('gone queued', () => r.admission.stats().queued === 1);
    gone.abort();
    await expect(gone.done).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server sees the close
    const last = r.get('/now/last').done;
    await waitFor('last queued', () => r.admission.stats().queued === 2);
    r.answer('a');
    r.turn();
    expect(r.started).toEqual(['a', 'last']);
    expect(r.admission.stats()).toMatchObject({ abandoned: 1, admitted: 2 });
    expect((await last).status).toBe(200);
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    const r = (current = await rig({ maxActive: 1, maxQueued: 1 }));
    r.get('/hold/a');
    await waitFor('a queued', () => r.admission.stats().queued === 1);
    r.turn();
    r.get('/now/b');
    await waitFor('b queued', () => r.admission.stats().queued === 1);
    const refused = await r.get('/now/c').done;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({ error: SERVER_BUSY });
    expect(r.started).toEqual(['a']);
    expect(r.admission.stats().refused).toBe(1);
  });
});
