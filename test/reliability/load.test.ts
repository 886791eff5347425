/**
 * Campaign 5 — load. Concurrent admin clients (plain fetch, bounded concurrency) read and write
 * over the real daemon's API while the simulated reader presents a known card every 100 ms. Every
 * request must succeed, every presentation must be decided (granted), and the card decision
 * latency (presentation → the daemon's "access decision" log timestamp) and the daemon's RSS (from
 * /proc) are reported.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { connectSimEdgeClient, presentFrame, seedIdentifiers } from '../support/daemon-harness.ts';
import {
  ADMIN_PASSWORD,
  campaignSize,
  FULL,
  http,
  login,
  logRecords,
  percentile,
  prepareSite,
  rssMb,
  SecretRegistry,
  sleep,
  startDaemon,
  stopDaemon,
} from './support.ts';

const DURATION_MS = campaignSize('load_ms', 5000, 60_000);
const CLIENTS = 8;
const CARD_EVERY_MS = 100;
const SEEDED = 300;

describe('load on the admin API while cards are presented', () => {
  const secrets = new SecretRegistry();
  const site = prepareSite('rel-load-', { readers: [{ id: 'door1', door: 1, holdOffMs: 0 }], doors: [{ id: 1, pulseMs: 20 }] }, secrets);
  afterAll(() => site.remove());

  it(`serves ${CLIENTS} clients for ${DURATION_MS} ms with no errors and every card decided`, async () => {
    const permanent = { time: { is_permanent: true }, passes: { is_permanent: true } };
    seedIdentifiers(site.configPath, [
      { identifier_type: 'card', identifier_number: String((9n << 16n) | 99n), identifier_owner: { type: 'owner', name: 'Load card' }, lock: 'first', valid: permanent } as never,
      ...Array.from({ length: SEEDED }, (_, i) => ({ identifier_type: 'card', identifier_number: String(3_000_000 + i), identifier_owner: { type: 'owner', name: `load-${i % 20}` }, lock: 'all', valid: permanent }) as never),
    ]);
    const d = await startDaemon(site.configPath);
    const token = await login(d.baseUrl, 'admin', ADMIN_PASSWORD);
    secrets.add(token);
    const client = await connectSimEdgeClient(`${site.dataDir}/sim-reader.sock`);
    const frame = encodeFields(findFormat('H10301')!, { facility_code: 9, card_number: 99 });

    const requests = [
      () => http(d.baseUrl, 'get', '/api/v1/access/identifiers?limit=50', { token }),
      () => http(d.baseUrl, 'get', '/api/v1/events?limit=50', { token }),
      () => http(d.baseUrl, 'get', '/api/v1/users', { token }),
      () => http(d.baseUrl, 'get', '/api/v1/health'),
      () => http(d.baseUrl, 'get', '/metrics', { token }),
      () => http(d.baseUrl, 'put', '/api/v1/access/identifiers?type=card', {
        token,
        body: { list_items: Array.from({ length: 20 }, () => ({ identifier_number: String(3_000_000 + Math.floor(Math.random() * SEEDED)), identifier_owner: { type: 'owner', name: `load-${Math.floor(Math.random() * 20)}` }, lock: 'all', valid: permanent })) },
      }),
    ];
    // Baseline: the same card on an idle daemon, so the loaded figures have something to compare with.
    const idleSent: number[] = [];
    for (let i = 0; i < 15; i++) {
      await presentFrame(client, 'door1', frame, 500);
      idleSent.push(Date.now());
      await sleep(CARD_EVERY_MS);
    }
    await sleep(200);
    const idleDecisions = logRecords(d.child.lines, 'access decision');
    expect(idleDecisions.length).toBe(idleSent.length);
    const idleLatencies = idleDecisions.map((rec, i) => (rec.time as number) - idleSent[i]!);

    const end = performance.now() + DURATION_MS;
    const errors: string[] = [];
    const durations: number[] = [];
    const rss: number[] = [];
    const sentAt: number[] = [];

    const worker = async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await requests[Math.floor(Math.random() * requests.length)]!().catch((err: Error) => ({ status: -1, text: err.message }));
        durations.push(performance.now() - t);
        if (r.status < 200 || r.status >= 300) errors.push(`${r.status} ${r.text.slice(0, 120)}`);
      }
    };
    const cards = async () => {
      while (performance.now() < end) {
        const next = performance.now() + CARD_EVERY_MS;
        await presentFrame(client, 'door1', frame, 500);
        sentAt.push(Date.now());
        await sleep(Math.max(0, next - performance.now()));
      }
    };
    const sampler = async () => {
      while (performance.now() < end) {
        rss.push(rssMb(d.pid));
        await sleep(250);
      }
    };
    await Promise.all([...Array.from({ length: CLIENTS }, worker), cards(), sampler()]);
    await sleep(300); // the last presentation's decision
    await client.close();
    await stopDaemon(d);

    const decisions = logRecords(d.child.lines, 'access decision').slice(idleSent.length);
    const latencies = decisions.map((rec, i) => (rec.time as number) - sentAt[i]!);
    const half = Math.floor(rss.length / 2);
    const report = {
      requests: durations.length,
      errors: errors.length,
      httpP50Ms: Math.round(percentile(durations, 50)),
      httpP99Ms: Math.round(percentile(durations, 99)),
      idleDecisionP50Ms: percentile(idleLatencies, 50),
      idleDecisionMaxMs: Math.max(...idleLatencies),
      presentations: sentAt.length,
      decisions: decisions.length,
      decisionP50Ms: percentile(latencies, 50),
      decisionP99Ms: percentile(latencies, 99),
      decisionMaxMs: Math.max(...latencies),
      rssStartMb: Math.round(rss[0]!),
      rssFirstHalfMaxMb: Math.round(Math.max(...rss.slice(0, half))),
      rssSecondHalfMaxMb: Math.round(Math.max(...rss.slice(half))),
      rssEndMb: Math.round(rss.at(-1)!),
    };
    console.info(`load (${DURATION_MS} ms${FULL ? ', full' : ''}): ${JSON.stringify(report)}`);
    expect(errors.slice(0, 5)).toEqual([]);
    expect(decisions.length).toBe(sentAt.length);
    expect(decisions.every((r) => r.outcome === 'grant')).toBe(true);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(0);
    // Stable memory: the second half of the run does not climb far above the first.
    expect(report.rssSecondHalfMaxMb).toBeLessThan(report.rssFirstHalfMaxMb * 1.5 + 50);
    expect(secrets.leaks(d.child.lines)).toEqual([]);
  }, DURATION_MS + 90_000);
});
