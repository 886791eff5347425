/**
 * Campaign 5 — load. Concurrent admin clients (a separate process: load-clients.ts) read and write
 * over the real daemon's API for the campaign's duration while a card is presented every 100 ms.
 * Every request must succeed, every presentation must open the door, and the daemon's RSS (from
 * /proc) must stay flat.
 *
 * Card latency is measured in the benchmark's terms (scripts/bench, issue #5). The presentations
 * alternate between two simulated readers on the same door:
 * - serial: the simulated wiegand-bridge on a socat pty writes the 26-bit frame's packet when its
 *   last bit would have ended; last byte written → relay 'unlocked' on the events stream. This is
 *   the benchmark's card-to-relay figure (serial-relay.ts) and its bound, p99 ≤ 10 ms: the full
 *   run is judged on it. The p99 under load minus the unloaded p99 is reported too (issue #5 asks
 *   for that within 2 ms under an import, a figure of its own in the benchmark).
 * - gpio: the card's edges sent in real time (26 bits, 2 ms apart) to the simulated GPIO; last
 *   edge → relay 'unlocked'. It includes the end-of-frame silence (2.5 bit periods), so it has no
 *   10 ms bound; it is reported, and every such card must be decided.
 * The admin clients run at a lower CPU priority (nice +10, which needs no privilege): they stand
 * for consoles on other machines, and on a 2-core test machine they would otherwise take the CPU
 * from the simulated reader and the observer, whose delays are not the daemon's. The daemon gets
 * as much work from them either way (they keep it saturated). For the same reason, as in the
 * import benchmark, the reader's side (this process, which writes the packets and edges and
 * watches the stream, and socat, which carries the bytes) runs at nice -10 where the test may
 * raise priorities (root or CAP_SYS_NICE); the figures say whether it could.
 * The daemon runs from the bundle, as the benchmark runs it, at its systemd unit's priority
 * (Nice=-5, where the test may raise it; its event loop keeps it, its other threads go back to
 * normal). After a warm-up of 20 presentations,
 * unloaded first (baseline), then under the admin load. The bounded run inside `npm test` shares a
 * loaded CI machine, where it reports the figures and checks no errors and every card decided
 * (granted, or, on the GPIO path, split by a starved sender and denied).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { edgeTrain } from '../../src/capture/sim/edge-train.ts';
import { paceEdges, type SimEdgeClient } from '../../src/capture/sim/sim-edge-client.ts';
import { openSimSerialWriter, type SimSerialWriter } from '../../src/capture/sim/sim-serial-writer.ts';
import { systemClock } from '../../src/core/clock.ts';
import { builtCli, monotonicMs, watchRelay, type BenchDaemon, type RelayWatch } from '../../scripts/bench/child-daemon.ts';
import { DAEMON_NICE, deprioritizeClient, prioritizeReader, READER_NICE, runAsInstalled } from '../../scripts/bench/process-priority.ts';
import { BENCH_CARD, BENCH_DOOR } from '../../scripts/bench/serial-relay.ts';
import { formatSummary, summarize } from '../../scripts/bench/stats.ts';
import { connectSimEdgeClient, REPO_ROOT, seedIdentifiers } from '../support/daemon-harness.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import type { LoadReport } from './load-clients.ts';
import {
  ADMIN_PASSWORD,
  campaignSize,
  FULL,
  login,
  logRecords,
  prepareSite,
  rssMb,
  SecretRegistry,
  sleep,
  startDaemon,
  stopDaemon,
} from './support.ts';

const DURATION_MS = campaignSize('load_ms', 5000, 60_000);
const BASELINE_CARDS = campaignSize('load_baseline_cards', 20, 200);
/** Presentations before the baseline, not counted: the first ones pay for JIT compilation and lazy start-up. */
const WARMUP_CARDS = 20;
const CLIENTS = 8;
const CARD_EVERY_MS = 100;
const SEEDED = 300;
/** Issue #5's bound for a card on the serial path: last bit → relay p99. */
const BOUND_P99_MS = 10;

/** A presentation whose relay has not moved after this long was not decided. */
const LOST_AFTER_MS = 2000;
const BIT_MS = 2;

const TRAIN = edgeTrain(BENCH_CARD.bits, { pulseUs: 50, intervalUs: BIT_MS * 1000 });

type Path = 'serial' | 'gpio';

interface Readers {
  readonly edges: SimEdgeClient;
  readonly bridge: SimSerialWriter;
}

/** Presents the card once on `path`; resolves with last bit → relay unlocked (ms), or null if the relay never moved. */
async function presentOnce(path: Path, readers: Readers, relay: RelayWatch): Promise<number | null> {
  const unlocked = relay.next('unlocked', LOST_AFTER_MS);
  const locked = relay.next('locked', LOST_AFTER_MS);
  let lastBitAt: number;
  if (path === 'gpio') {
    const sent = await paceEdges(TRAIN, systemClock, (edges) => readers.edges.send('door1g', edges));
    lastBitAt = sent[sent.length - 1]!.timeUs / 1000;
  } else {
    // The bridge sends once the frame's last bit has ended, as in the serial benchmark.
    await sleep(BENCH_CARD.bits.length * BIT_MS);
    lastBitAt = monotonicMs();
    await readers.bridge.writeBridge({ kind: 'frame', channel: 0, bits: BENCH_CARD.bits });
  }
  const latency = await unlocked.then((at) => at - lastBitAt, () => null);
  await locked.catch(() => undefined);
  return latency;
}

interface Presented {
  readonly latencies: Record<Path, number[]>;
  readonly lost: Record<Path, number>;
}

/** Presents every CARD_EVERY_MS, alternating serial and GPIO, while `more()`. */
async function presentWhile(readers: Readers, relay: RelayWatch, more: () => boolean): Promise<Presented> {
  const out: Presented = { latencies: { serial: [], gpio: [] }, lost: { serial: 0, gpio: 0 } };
  let next = monotonicMs();
  for (let i = 0; more(); i++) {
    const path: Path = i % 2 === 0 ? 'serial' : 'gpio';
    const ms = await presentOnce(path, readers, relay);
    if (ms === null) out.lost[path]++;
    else out.latencies[path].push(ms);
    next = Math.max(next + CARD_EVERY_MS, monotonicMs());
    await sleep(next - monotonicMs());
  }
  return out;
}

const count = (p: Presented): number => p.latencies.serial.length + p.latencies.gpio.length + p.lost.serial + p.lost.gpio;

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function runLoadClients(env: Record<string, string>): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/reliability/load-clients.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) deprioritizeClient(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`load clients exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadReport);
    });
  });
}

describe('load on the admin API while cards are presented', () => {
  const secrets = new SecretRegistry();
  const ptyDir = mkdtempSync(join(tmpdir(), 'rel-load-pty-'));
  const bridgeLinks = { a: join(ptyDir, 'daemon'), b: join(ptyDir, 'bridge') };
  const site = prepareSite('rel-load-', {
    gpio: { backend: 'sim' },
    readers: [
      { id: 'door1', door: 1, holdOffMs: 0, capture: { type: 'serial', path: bridgeLinks.a, kind: 'wiegand-bridge', channel: 0 } },
      { id: 'door1g', door: 1, holdOffMs: 0 },
    ],
    doors: [BENCH_DOOR],
  }, secrets);
  let pty: PtyPair | undefined;
  const ownNice = getPriority();
  // Also when the test fails before its own cleanup: socat would otherwise outlive the run.
  afterAll(async () => {
    setPriority(ownNice);
    await pty?.close();
    site.remove();
    rmSync(ptyDir, { recursive: true, force: true });
  });

  it(`serves ${CLIENTS} clients for ${DURATION_MS} ms with no errors and every card decided`, async () => {
    const permanent = { time: { is_permanent: true }, passes: { is_permanent: true } };
    seedIdentifiers(site.configPath, [
      BENCH_CARD.identifier as never,
      ...Array.from({ length: SEEDED }, (_, i) => ({ identifier_type: 'card', identifier_number: String(3_000_000 + i), identifier_owner: { type: 'owner', name: `load-${i % 20}` }, lock: 'all', valid: permanent }) as never),
    ]);
    pty = await openPtyPair({ links: bridgeLinks });
    // The bundle, as it ships and as the benchmark runs it (built from the current sources).
    const d = await startDaemon(site.configPath, {}, builtCli());
    // As installed (systemd/doorctl.service's Nice=), where this machine allows raising it.
    const daemonNice = runAsInstalled(d.pid) ? DAEMON_NICE : 0;
    // After the daemon is spawned, which would otherwise inherit this process's priority.
    const readerFirst = prioritizeReader([process.pid, pty.pid]);
    const token = await login(d.baseUrl, 'admin', ADMIN_PASSWORD);
    secrets.add(token);
    // watchRelay reads only the daemon's address, a token and (without a stream) its log.
    const relay = await watchRelay({ child: d.child, base: d.baseUrl, token } as BenchDaemon);
    expect(relay.source).toBe('sse');
    const readers: Readers = {
      edges: await connectSimEdgeClient(`${site.dataDir}/sim-reader.sock`),
      bridge: await openSimSerialWriter({ path: bridgeLinks.b, kind: 'wiegand-bridge' }),
    };

    let warmupLeft = WARMUP_CARDS;
    const warmup = await presentWhile(readers, relay, () => warmupLeft-- > 0);
    let baselineLeft = BASELINE_CARDS;
    const idle = await presentWhile(readers, relay, () => baselineLeft-- > 0);

    const rss: number[] = [];
    const cpuBefore = cpuMs(d.pid);
    let loading = true;
    const load = runLoadClients({
      LOAD_BASE_URL: d.baseUrl,
      LOAD_TOKEN: token,
      LOAD_DURATION_MS: String(DURATION_MS),
      LOAD_CLIENTS: String(CLIENTS),
      LOAD_SEEDED: String(SEEDED),
    }).finally(() => (loading = false));
    const sampler = async () => {
      while (loading) {
        rss.push(rssMb(d.pid));
        await sleep(250);
      }
    };
    const [report, loaded] = await Promise.all([load, presentWhile(readers, relay, () => loading), sampler()]);
    const daemonCpuMs = cpuMs(d.pid) - cpuBefore;
    await readers.edges.close();
    await readers.bridge.close();
    relay.close();
    await stopDaemon(d);
    await pty.close();

    const decisions = logRecords(d.child.lines, 'access decision');
    const presented = count(warmup) + count(idle) + count(loaded);
    const card = (path: Path) => {
      const base = summarize(idle.latencies[path]);
      const under = summarize(loaded.latencies[path]);
      return { base, under, figures: { unloaded: formatSummary(base, 'ms'), loaded: formatSummary(under, 'ms'), p99DeltaMs: Number((under.p99 - base.p99).toFixed(2)) } };
    };
    const serial = card('serial');
    const gpio = card('gpio');
    const http = summarize(report.durationsMs);
    const half = Math.floor(rss.length / 2);
    const figures = {
      requests: report.requests,
      requestsPerS: Math.round(report.requests / (report.elapsedMs / 1000)),
      errors: report.errors,
      readerNice: readerFirst ? READER_NICE : 'unchanged (not permitted)',
      daemonNice,
      // The steadiest cost figure on a shared machine: includes the cards' own work (~10/s).
      daemonCpuMsPerRequest: Number((daemonCpuMs / report.requests).toFixed(2)),
      http: formatSummary(http, 'ms', 1),
      cardSerial: serial.figures,
      cardGpio: gpio.figures,
      lost: { unloaded: idle.lost, loaded: loaded.lost },
      streamEvents: relay.counts(),
      rssStartMb: Math.round(rss[0]!),
      rssFirstHalfMaxMb: Math.round(Math.max(...rss.slice(0, half))),
      rssSecondHalfMaxMb: Math.round(Math.max(...rss.slice(half))),
      rssEndMb: Math.round(rss.at(-1)!),
    };
    console.info(`load (${DURATION_MS} ms${FULL ? ', full' : ''}): ${JSON.stringify(figures)}`);

    expect(report.firstErrors).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(loaded.latencies.serial.length).toBeGreaterThan(0);
    expect(loaded.latencies.gpio.length).toBeGreaterThan(0);
    // A bridge packet is one write: it is never split, so every serial card opens the door.
    expect(warmup.lost.serial + idle.lost.serial + loaded.lost.serial).toBe(0);
    // Every presentation decided: a grant each, except that on a starved machine the GPIO sender
    // can pause mid-frame long enough to split it (the stream then shows access_denied:unknown).
    const grants = decisions.filter((r) => r.outcome === 'grant').length;
    expect(grants).toBe(presented - warmup.lost.gpio - idle.lost.gpio - loaded.lost.gpio);
    expect(decisions.length).toBeGreaterThanOrEqual(presented);
    // The relay cannot move before the frame's last bit was sent.
    expect(Math.min(serial.base.min, serial.under.min, gpio.base.min, gpio.under.min)).toBeGreaterThan(0);
    // Stable memory: the second half of the run does not climb far above the first.
    expect(figures.rssSecondHalfMaxMb).toBeLessThan(figures.rssFirstHalfMaxMb * 1.5 + 50);
    expect(secrets.leaks(d.child.lines)).toEqual([]);
    if (FULL) expect(serial.under.p99).toBeLessThanOrEqual(BOUND_P99_MS);
  }, DURATION_MS + 120_000);
});
