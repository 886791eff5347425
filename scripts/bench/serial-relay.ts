/**
 * Last bit → relay command on the serial path: the real daemon as a child process reading a
 * wiegand-bridge on a socat pty; the simulated bridge writes a 26-bit frame's packet when the
 * frame's last bit would have ended (26 bits at 2 ms/bit), and the time runs from just before that
 * write to the relay's 'unlocked' transition seen from outside (events stream, or the log line).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openSimSerialWriter } from '../../src/capture/sim/sim-serial-writer.ts';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { openPtyPair } from '../../test/support/pty.ts';
import { seedIdentifiers, tempDir, writeConfig } from '../../test/support/daemon-harness.ts';
import { monotonicMs, startChildDaemon, watchRelay } from './child-daemon.ts';
import { AS_INSTALLED } from './process-priority.ts';
import type { Figure } from './figure.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_P99_MS = 10;
const BIT_MS = 2;
const FACILITY = 123;
const CARD = 4567;

/** A door that relocks quickly (so every grant is a new transition) with no inputs to react to. */
export const BENCH_DOOR = { id: 1, pulseMs: 20, contact: false, rex: 'none' } as const;

/**
 * Config of a simulated controller scheduled as installed (AS_INSTALLED): BENCH_DOOR with one
 * simulated reader on it (`reader` adds to its settings); `extra` replaces top-level keys.
 */
export function writeSimDoorConfig(dir: string, extra: Record<string, unknown> = {}, reader: Record<string, unknown> = {}): string {
  return writeConfig(dir, { ...AS_INSTALLED, gpio: { backend: 'sim' }, doors: [BENCH_DOOR], readers: [{ id: 'door1', door: 1, ...reader }], ...extra });
}

/** One enrolled H10301 card (facility 123, card 4567), permanent and unlimited. */
export const BENCH_CARD = {
  bits: encodeFields(findFormat('H10301')!, { facility_code: FACILITY, card_number: CARD }),
  identifier: {
    identifier_type: 'card' as const,
    identifier_number: String((BigInt(FACILITY) << 16n) | BigInt(CARD)),
    identifier_owner: { type: 'owner' as const, name: 'Bench' },
    lock: 'all' as const,
    valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
  },
};

export const serialRelay: Figure = {
  name: 'serial',
  description: 'last bit → relay unlocked, child daemon, wiegand-bridge on a socat pty',
  async run(ctx) {
    const dir = tempDir('doorctl-bench-serial-');
    const pty = await openPtyPair();
    const cleanups: Array<() => Promise<void> | void> = [dir.remove, () => pty.close()];
    try {
      const configPath = writeSimDoorConfig(dir.path, {}, { holdOffMs: 0, capture: { type: 'serial', path: pty.a, kind: 'wiegand-bridge', channel: 0 } });
      seedIdentifiers(configPath, [BENCH_CARD.identifier as never]);
      const daemon = await startChildDaemon(configPath);
      cleanups.unshift(() => daemon.stop());
      const relay = await watchRelay(daemon);
      cleanups.unshift(() => relay.close());
      const writer = await openSimSerialWriter({ path: pty.b, kind: 'wiegand-bridge' });
      cleanups.unshift(() => writer.close());

      const presentations = ctx.smoke ? 30 : 1000;
      const latencies: number[] = [];
      for (let i = 0; i < presentations; i++) {
        // The frame occupies the line for 26 × 2 ms; the bridge sends once its last bit has ended.
        await sleep(BENCH_CARD.bits.length * BIT_MS);
        const unlocked = relay.next('unlocked');
        const locked = relay.next('locked');
        const t0 = monotonicMs();
        await writer.writeBridge({ kind: 'frame', channel: 0, bits: BENCH_CARD.bits });
        latencies.push((await unlocked) - t0);
        await locked;
        if (i % 200 === 199) ctx.log(`serial: ${i + 1}/${presentations}`);
      }
      const s = summarize(latencies);
      const via = relay.source === 'sse' ? 'events stream (SSE)' : 'stdout log line "msg":"relay" (interim: no events stream yet)';
      return {
        rows: [{
          figure: `last bit → relay unlocked, serial path, child daemon (seen via ${relay.source === 'sse' ? 'SSE' : 'log line'})`,
          measured: formatSummary(s, 'ms'),
          target: `p99 ≤ ${TARGET_P99_MS} ms`,
          met: s.p99 <= TARGET_P99_MS,
        }],
        data: { presentations, observedVia: relay.source, daemonNice: daemon.nice, daemonRealtimePriority: daemon.realtimePriority, summary: s },
        notes: [
          `relay transition observed on the ${via}; clock starts just before the 16-byte packet is written to the pty, so it includes the write, the pty, parsing, decode, decision, sim relay (which rewrites sim-gpio.json) and delivery to the observer; the daemon at ${daemon.scheduling}.`,
        ],
      };
    } finally {
      for (const c of cleanups) await c();
    }
  },
};
