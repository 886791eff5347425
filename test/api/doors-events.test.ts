/**
 * Remote open, door states, the journal as paged events and as a live server-sent stream, over a
 * real SQLite file (and, for the stream, a real HTTP server on loopback).
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { LockScope } from '../../src/access/lock-scope.ts';
import type { Principal } from '../../src/service/auth.ts';
import type { DoorStatus } from '../../src/service/doors.ts';
import { createJournal, type JournalEvent } from '../../src/storage/journal.ts';
import { bearer, startHarness, type Harness } from './harness.ts';
import { openEventStream } from './sse-client.ts';
import { MAX_EVENT_STREAMS, streamsWant } from '../../src/api/event-stream.ts';

let h: Harness;
afterEach(() => h.close());

const OPEN = '/api/v1/access/general/lock/open/remote/accepted';

describe('remote open', () => {
  it('calls the daemon with the lock and the caller, and journals who opened', async () => {
    const calls: Array<[LockScope, Principal]> = [];
    h = await startHarness({
      openDoor: (lock, caller) => {
        calls.push([lock, caller]);
        return { ok: true };
      },
    });
    const res = await h.http.post(`${OPEN}/second`).set(bearer(h.operatorToken));
    expect([res.status, res.body]).toEqual([200, { success: true }]);
    expect(calls).toEqual([['second', { kind: 'session', name: 'operator', role: 'operator' }]]);
    expect(h.journal).toEqual([expect.objectContaining({ type: 'remote_open', door: 'second', reason: 'granted', details: expect.objectContaining({ caller: 'operator' }) })]);
    const bad = await h.http.post(`${OPEN}/third`).set(bearer(h.operatorToken));
    expect([bad.status, bad.body]).toEqual([400, { error: 'Wrong path parameters: value `lock` was of the wrong type' }]);
    expect((await h.http.post(`${OPEN}/first`)).status).toBe(401);
    expect(calls).toHaveLength(1);
  });

  it('answers 503 with the reason when the controller refuses or none is attached, and journals the refusal', async () => {
    h = await startHarness({ openDoor: () => ({ ok: false, reason: "no door for lock 'second'" }) });
    const refused = await h.http.post(`${OPEN}/second`).set(bearer(h.adminToken));
    expect([refused.status, refused.body]).toEqual([503, { error: "no door for lock 'second'" }]);
    expect(h.journal).toEqual([expect.objectContaining({ type: 'remote_open', reason: "no door for lock 'second'" })]);
    h.close();
    h = await startHarness();
    const none = await h.http.post(`${OPEN}/first`).set(bearer(h.adminToken));
    expect([none.status, none.body]).toEqual([503, { error: 'no door controller attached' }]);
  });
});

describe('GET /api/v1/doors', () => {
  it("reports each door's lock, contact and alarm state from the daemon", async () => {
    const states: DoorStatus[] = [
      { door: 1, lock: 'unlocked', contact: 'open', alarm: 'none', tamper: false },
      { door: 2, lock: 'locked', contact: 'unknown', alarm: 'forced', tamper: true },
    ];
    h = await startHarness({ doors: () => states });
    const res = await h.http.get('/api/v1/doors').set(bearer(h.operatorToken));
    expect([res.status, res.body]).toEqual([200, { doors: states }]);
    expect((await h.http.get('/api/v1/doors')).status).toBe(401);
  });

  it('answers 503 without a door controller', async () => {
    h = await startHarness();
    const res = await h.http.get('/api/v1/doors').set(bearer(h.operatorToken));
    expect([res.status, res.body]).toEqual([503, { error: 'no door controller attached' }]);
  });
});

describe('GET /api/v1/events', () => {
  const seed = (events: JournalEvent[]) => createJournal(h.db).insertBatch(events, h.clock.now());
  const get = (query: string) => h.http.get(`/api/v1/events?${query}`).set(bearer(h.operatorToken));
  const types = (body: { entries: Array<{ type: string }> }) => body.entries.map((e) => e.type);

  it('pages the journal and filters by time window, type, reader, door, credential and identifier', async () => {
    h = await startHarness();
    seed([
      { ts: 1000, type: 'access_granted', reader: 'door1', door: '1', credential: '12345', identifierUid: 'u1' },
      { ts: 2000, type: 'access_denied', reader: 'door2', door: '2', credential: '999', reason: 'unknown_credential' },
      { ts: 3000, type: 'relay', door: '1', details: { state: 'unlocked' } },
      { ts: 4000, type: 'access_granted', reader: 'door1', door: '1', credential: '12345', identifierUid: 'u1' },
      { ts: 5000, type: 'relay', door: '1', details: { state: 'locked' } },
    ]);
    const all = await get('');
    expect(all.status).toBe(200);
    expect(types(all.body)).toEqual(['relay', 'access_granted', 'relay', 'access_denied', 'access_granted']);
    expect(all.body.entries[0]).toMatchObject({ ts: 5000, door: '1', details: { state: 'locked' }, seq: expect.any(Number) });

    const page1 = await get('order=asc&limit=2');
    expect([types(page1.body), typeof page1.body.next]).toEqual([['access_granted', 'access_denied'], 'string']);
    const page2 = await get(`order=asc&limit=2&cursor=${page1.body.next}`);
    const page3 = await get(`order=asc&limit=2&cursor=${page2.body.next}`);
    expect([...types(page2.body), ...types(page3.body)]).toEqual(['relay', 'access_granted', 'relay']);
    expect(page3.body.next).toBeUndefined();

    expect(types((await get('from=2000&to=4000&order=asc')).body)).toEqual(['access_denied', 'relay']);
    expect((await get('type=relay')).body.entries).toHaveLength(2);
    expect(types((await get('reader=door2')).body)).toEqual(['access_denied']);
    expect((await get('door=1')).body.entries).toHaveLength(4);
    expect((await get('credential=12345')).body.entries.map((e: { ts: number }) => e.ts)).toEqual([4000, 1000]);
    expect((await get('identifier_uid=u1&from=3000')).body.entries.map((e: { ts: number }) => e.ts)).toEqual([4000]);
  });

  it('refuses bad query parameters and callers without a token', async () => {
    h = await startHarness();
    const zero = await get('limit=0');
    expect([zero.status, zero.body]).toEqual([400, { error: 'Wrong query parameters: value `limit` was of the wrong type' }]);
    const from = await get('from=yesterday');
    expect(from.body).toEqual({ error: 'Wrong query parameters: value `from` was of the wrong type' });
    const order = await get('order=sideways');
    expect(order.status).toBe(400);
    expect((await h.http.get('/api/v1/events')).body).toEqual({ error: 'Log In' });
  });
});

describe('GET /api/v1/events/stream', () => {
  it('streams each journal event as it is appended, framed as SSE, to an operator', async () => {
    const events = new EventEmitter();
    h = await startHarness({ events, openDoor: () => ({ ok: true }) });
    const base = await h.serve();
    const stream = await openEventStream(`${base}/api/v1/events/stream`, h.operatorToken);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers['cache-control']).toBe('no-store, no-transform');
    expect(stream.response.headers['content-encoding']).toBeUndefined();
    await stream.comment('connected');

    const opened = await h.http.post(`${OPEN}/first`).set(bearer(h.adminToken));
    expect(opened.status).toBe(200);
    const remote = await stream.next((m) => m.event === 'remote_open');
    expect(JSON.parse(remote.data)).toMatchObject({ type: 'remote_open', door: 'first', reason: 'granted', details: { caller: 'admin' } });

    // Events the daemon appends (relay transitions) arrive the same way; secrets never do.
    events.emit('journal', { ts: h.clock.now(), type: 'relay', door: '1', details: { state: 'unlocked', pin: '1234', big: 12n } } satisfies JournalEvent);
    const relay = await stream.next((m) => m.event === 'relay');
    expect(JSON.parse(relay.data)).toEqual({ ts: h.clock.now(), type: 'relay', door: '1', details: { state: 'unlocked', pin: '[redacted]', big: '12' } });
    stream.close();
  });

  it('sends only the journal types named in ?types=, in order', async () => {
    const events = new EventEmitter();
    h = await startHarness({ events });
    const base = await h.serve();
    const stream = await openEventStream(`${base}/api/v1/events/stream?types=relay,%20access_granted`, h.operatorToken);
    await stream.comment('connected');
    const emit = (type: string, door: string) => events.emit('journal', { ts: h.clock.now(), type, door, details: {} } as JournalEvent);
    emit('admin_change', '1');
    emit('relay', '1');
    emit('access_denied', '1');
    emit('access_granted', '2');
    emit('admin_change', '2');
    emit('relay', '2');
    const last = await stream.next((m) => m.event === 'relay' && JSON.parse(m.data).door === '2');
    expect(last.event).toBe('relay');
    expect(stream.messages.map((m) => `${m.event}:${JSON.parse(m.data).door}`)).toEqual(['relay:1', 'access_granted:2', 'relay:2']);
    stream.close();
  });

  it('tells which journal types the open streams want: none without a stream, the named ones, all with an unfiltered stream', async () => {
    const events = new EventEmitter();
    h = await startHarness({ events });
    const base = await h.serve();
    expect(streamsWant(events, 'admin_change')).toBe(false);
    const relays = await openEventStream(`${base}/api/v1/events/stream?types=relay`, h.operatorToken);
    await relays.comment('connected');
    expect([streamsWant(events, 'relay'), streamsWant(events, 'admin_change')]).toEqual([true, false]);
    const all = await openEventStream(`${base}/api/v1/events/stream`, h.operatorToken);
    await all.comment('connected');
    expect(streamsWant(events, 'admin_change')).toBe(true);
    all.close();
    await expect.poll(() => streamsWant(events, 'admin_change'), { timeout: 2000 }).toBe(false);
    expect(streamsWant(events, 'relay')).toBe(true);
    relays.close();
    await expect.poll(() => streamsWant(events, 'relay'), { timeout: 2000 }).toBe(false);
  });

  it('sends a heartbeat comment every 15 s and drops its listener when the client goes', async () => {
    const events = new EventEmitter();
    h = await startHarness({ events });
    const base = await h.serve();
    const stream = await openEventStream(`${base}/api/v1/events/stream`, h.operatorToken);
    await stream.comment('connected');
    expect(events.listenerCount('journal')).toBe(1);
    h.clock.advanceMs(14_999);
    h.clock.advanceMs(1);
    await stream.comment('heartbeat');
    expect(stream.comments.filter((c) => c === 'heartbeat')).toHaveLength(1);
    stream.close();
    await expect.poll(() => events.listenerCount('journal'), { timeout: 2000 }).toBe(0);
    h.clock.advanceMs(60_000); // no write to a closed response
  });

  it('serves a bounded number of streams at once and frees a place when one closes', async () => {
    const events = new EventEmitter();
    h = await startHarness({ events });
    const base = await h.serve();
    const streams = [];
    for (let i = 0; i < MAX_EVENT_STREAMS; i++) streams.push(await openEventStream(`${base}/api/v1/events/stream`, h.operatorToken));
    const refused = await fetch(`${base}/api/v1/events/stream`, { headers: { authorization: `Bearer ${h.operatorToken}` } });
    expect([refused.status, await refused.json()]).toEqual([503, { error: `too many event streams (at most ${MAX_EVENT_STREAMS})` }]);
    streams.pop()!.close();
    await expect.poll(() => events.listenerCount('journal'), { timeout: 2000 }).toBe(MAX_EVENT_STREAMS - 1);
    const again = await openEventStream(`${base}/api/v1/events/stream`, h.operatorToken);
    expect(again.response.statusCode).toBe(200);
    for (const s of [...streams, again]) s.close();
  });

  it('answers 401 without a token and 503 without a daemon event source', async () => {
    h = await startHarness();
    expect((await h.http.get('/api/v1/events/stream')).body).toEqual({ error: 'Log In' });
    const none = await h.http.get('/api/v1/events/stream').set(bearer(h.operatorToken));
    expect([none.status, none.body]).toEqual([503, { error: 'no door controller attached' }]);
  });
});
