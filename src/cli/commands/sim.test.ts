import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { systemClock } from '../../core/clock.ts';
import { createSerialReader } from '../../capture/serial/serial-reader.ts';
import { createSimEdgeServer } from '../../capture/sim/sim-edge-server.ts';
import { decodeKey } from '../../wiegand/keypad/keypad-modes.ts';
import type { CardRead, EdgeEvent, RawFrame } from '../../wiegand/types.ts';
import { openPtyPair, type PtyPair } from '../../../test/support/pty.ts';
import { runCli } from '../../../test/support/cli.ts';
import { waitFor } from '../../../test/support/wait.ts';

const doorctl = (args: string[]) => runCli(['sim', ...args]);
const until = (cond: () => boolean) => waitFor('the condition', cond);

describe('doorctl sim: options', () => {
  it('--help lists payloads, targets and timing options', async () => {
    const r = await doorctl(['--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--format', '--bits', '--keys', '--keypad-mode', '--em4100', '--serial', '--kind', '--channel', '--socket', '--reader', '--pulse-us', '--interval-us', '--jitter-us', '--glitches', '--repeat', '--gap-ms']) {
      expect(r.out).toContain(opt);
    }
  });

  it.each([
    [['--bits', '101'], /exactly one target/],
    [['--serial', '/dev/null', '--kind', 'wiegand-bridge'], /exactly one payload/],
    [['--bits', '101', '--keys', '1', '--serial', 'x', '--kind', 'wiegand-bridge'], /exactly one payload/],
    [['--bits', '101', '--serial', 'x'], /--kind/],
    [['--bits', '101', '--serial', 'x', '--kind', 'em4100-ascii'], /em4100/],
    [['--em4100', '0A001A2B3C', '--socket', 's', '--reader', 'r'], /not to a socket/],
    [['--bits', '101', '--socket', 's'], /--reader/],
    [['--bits', '101', '--socket', 's', '--reader', 'r', '--channel', '1'], /--channel applies to --serial only/],
    [['--bits', '101', '--serial', 'x', '--kind', 'wiegand-bridge', '--pulse-us', '40'], /--pulse-us applies to --socket only/],
    [['--bits', '101', '--serial', 'x', '--kind', 'wiegand-bridge', '--channel', '4'], /--channel must be an integer from 0 to 3/],
    [['--format', 'H10301', '--facility', 'abc', '--card', '1', '--socket', 's', '--reader', 'r'], /--facility must be an integer/],
    [['--format', 'H10301', '--facility', '300', '--card', '1', '--socket', 's', '--reader', 'r'], /./],
    [['--keys', '12', '--socket', 's', '--reader', 'r'], /--keypad-mode/],
    [['--bits', '101', '--socket', 's', '--reader', 'r', '--repeat', '0'], /--repeat/],
    [['--bits', '101', '--nope'], /Unknown option '--nope'/],
  ])('%j → exit 2 with a clear error', async (args, message) => {
    const r = await doorctl(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('usage: doorctl sim');
    expect(r.out).toBe('');
  });

  it('runs as a real command and exits 2 on a bad option', async () => {
    const script = fileURLToPath(new URL('../../../scripts/doorctl.mjs', import.meta.url));
    const err = await promisify(execFile)(process.execPath, [script, 'sim', '--kind', 'wiegand-bridge']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/exactly one payload/);
  });
});

describe('doorctl sim: serial targets over a real pty pair', () => {
  let pair: PtyPair;
  beforeEach(async () => {
    pair = await openPtyPair();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('sends the contract packet for H10301 FC 123 CN 4567 on the chosen channel', async () => {
    const port = new SerialPort({ path: pair.a, baudRate: 115200 });
    const received: Buffer[] = [];
    port.on('data', (d: Buffer) => received.push(d));
    await new Promise((r) => port.once('open', r));
    const r = await doorctl(['--format', 'H10301', '--facility', '123', '--card', '4567', '--serial', pair.b, '--kind', 'wiegand-bridge', '--channel', '2']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(r.out)).toEqual({ target: 'serial', path: pair.b, kind: 'wiegand-bridge', packets: 1 });
    await until(() => Buffer.concat(received).length >= 16);
    await new Promise((res) => port.close(res));
    const expected = Buffer.from('A501021ABD88EB80000000000000', 'hex');
    const got = Buffer.concat(received);
    expect(got.subarray(0, 14)).toEqual(expected); // channel 2 changes only byte 2 and the CRC
    expect(got).toHaveLength(16);
  });

  it('sends keypad keys as frames the keypad decoder reads back, without printing them', async () => {
    const frames: RawFrame[] = [];
    const reader = createSerialReader({ kind: 'wiegand-bridge', path: pair.a, channels: { 0: 'pad' } }, { clock: systemClock, sink: { frame: (f) => frames.push(f) } });
    reader.start();
    await until(() => reader.health().open);
    const r = await doorctl(['--keys', '4711#', '--keypad-mode', '8bit_complement_high', '--serial', pair.b, '--kind', 'wiegand-bridge', '--gap-ms', '5']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/4711/);
    await until(() => frames.length === 5);
    await reader.stop();
    expect(frames.map((f) => decodeKey('8bit_complement_high', f.bits)).join('')).toBe('4711#');
  });

  it('repeats an EM4100 id like a module with a card in its field', async () => {
    const reads: CardRead[] = [];
    const reader = createSerialReader({ kind: 'em4100-ascii', path: pair.a, reader: 'gate', holdOffMs: 500 }, { clock: systemClock, sink: { card: (c) => reads.push(c) } });
    reader.start();
    await until(() => reader.health().open);
    const r = await doorctl(['--em4100', '0a001a2b3c', '--serial', pair.b, '--kind', 'em4100-ascii', '--repeat', '3', '--gap-ms', '50']);
    expect(r.code).toBe(0);
    await until(() => reader.health().counters.repeats === 2);
    await reader.stop();
    expect(reads.map((c) => c.number)).toEqual([0x0a001a2b3cn]);
  });

  it('exits 1 with a message when the device cannot be opened', async () => {
    const r = await doorctl(['--bits', '1', '--serial', join(tmpdir(), 'no-such-tty'), '--kind', 'wiegand-bridge']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no-such-tty/);
  });
});

describe('doorctl sim: socket target', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-simcmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('plays edges with the requested timing and glitches to the named reader', async () => {
    const socketPath = join(dir, 'sim-reader.sock');
    const got: { reader: string; edges: EdgeEvent[] }[] = [];
    const server = await createSimEdgeServer({ socketPath, onEdges: (reader, edges) => got.push({ reader, edges }) });
    const r = await doorctl(['--bits', '1011', '--socket', socketPath, '--reader', 'front', '--interval-us', '1500', '--pulse-us', '40', '--glitches', '2', '--repeat', '2', '--gap-ms', '20']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(r.out)).toEqual({ target: 'socket', path: socketPath, reader: 'front', frames: 2, edges: 12 });
    await until(() => got.flatMap((g) => g.edges).length === 12);
    await server.close();
    const edges = got.flatMap((g) => g.edges);
    expect(new Set(got.map((g) => g.reader))).toEqual(new Set(['front']));
    const bitsEdges = edges.filter((e) => e.widthUs === 40);
    expect(bitsEdges.map((e) => e.line).join()).toBe('D1,D0,D1,D1,D1,D0,D1,D1');
    expect(bitsEdges[1]!.timeUs - bitsEdges[0]!.timeUs).toBe(1500);
    // The second frame starts after the gap: at least 20 ms after the first one ended.
    expect(bitsEdges[4]!.timeUs - bitsEdges[3]!.timeUs).toBeGreaterThanOrEqual(20_000);
    expect(edges.filter((e) => e.widthUs !== 40)).toHaveLength(4);
  });
});
