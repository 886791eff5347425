/**
 * Shared by the emulated-bridge HIL tests: builds the serial-bridge firmware and its simavr harness
 * (hardware/bridge/build/bridge-sim), runs the harness with a stimulus script on stdin, parses what
 * it prints (PTY, FRAME_END, PKT, ISR) and, optionally, reads its pty with serialport and the
 * project's packet parser.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { expect } from 'vitest';
import { BridgePacketParser, type BridgeParserEvent } from '../../src/capture/serial/bridge-packet-parser.ts';
import type { BridgePacket } from '../../src/capture/serial/bridge-packet.ts';
import { systemClock } from '../../src/core/clock.ts';
import { bitsToString } from '../../src/wiegand/types.ts';
import { waitFor } from './serial-hil-support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BRIDGE_DIR = path.join(ROOT, 'hardware/bridge');
const SIM = path.join(BRIDGE_DIR, 'build/bridge-sim');
export const CYCLES_PER_US = 16;
export const CYCLES_PER_MS = 16_000;

/**
 * Builds the firmware and the harness (no-op when up to date). Test files run in parallel workers,
 * so the build is serialised with flock: two makes writing the same objects could corrupt them.
 */
export function buildBridgeSim(): void {
  execFileSync('flock', [path.join(tmpdir(), 'doorctl-bridge-build.lock'), 'make', '-s', '-C', BRIDGE_DIR, 'sim'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}

interface FrameFixture {
  format: string;
  case: string;
  bitstring: string;
}
interface KeyFixture {
  mode: string;
  key: string;
  bitstring: string;
}
const frameFixtures = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/wiegand-frames.json'), 'utf8')) as FrameFixture[];
const keyFixtures = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/wiegand-keypad.json'), 'utf8')) as KeyFixture[];

/** The reference vectors' typical frame of a format, as a bit string. */
export function typical(format: string): string {
  const f = frameFixtures.find((x) => x.format === format && x.case === 'typical');
  if (!f) throw new Error(`no typical ${format} frame in the fixtures`);
  return f.bitstring;
}

/** The reference vectors' frame for one keypad key, as a bit string. */
export function key(mode: string, name: string): string {
  const k = keyFixtures.find((x) => x.mode === mode && x.key === name);
  if (!k) throw new Error(`no ${mode} key ${name} in the fixtures`);
  return k.bitstring;
}

const monotonicUs = () => systemClock.monotonicUs();

/** What the harness printed about one packet it saw leave the UART (cycles of first and last byte). */
export interface HarnessPacket {
  firstCycle: number;
  lastCycle: number;
  hex: string;
}
/** The last pulse of a `frame` command ended: emulated cycle and CLOCK_MONOTONIC µs (process.hrtime's clock). */
export interface FrameEnd {
  channel: number;
  cycle: number;
  monoUs: number;
}
export interface Received {
  packet: BridgePacket;
  atUs: number;
}

/** One run of the emulated bridge: the harness child process and, unless told otherwise, a port on its pty. */
export class BridgeRun {
  readonly harnessPackets: HarnessPacket[] = [];
  readonly frameEnds: FrameEnd[] = [];
  readonly received: Received[] = [];
  readonly isrMaxCycles = new Map<number, number>();
  raw = Buffer.alloc(0);
  /**
   * Bytes the parser skipped after the first whole packet. Bytes skipped before it are the tail of
   * a packet already under way when the port opened (the boot heartbeat leaves ~3 ms after start,
   * racing the open), which a host attaching to a running bridge loses just the same.
   */
  skippedBytes = 0;
  lineErrors = 0;
  ptyPath = '';
  private port: SerialPort | undefined;
  private readonly exited: Promise<unknown>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.exited = once(child, 'exit');
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
  }

  /** `openPort: false` leaves the pty to someone else (the daemon's serial reader). */
  static async start(options: { openPort?: boolean } = {}): Promise<BridgeRun> {
    const run = new BridgeRun(spawn(SIM, ['--tail-ms', '100'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    await waitFor('the harness to print its pty', () => run.ptyPath !== '', 5000);
    if (options.openPort !== false) await run.openPort();
    return run;
  }

  private onLine(line: string): void {
    const [tag, ...f] = line.split(' ');
    if (tag === 'PTY') this.ptyPath = f[0]!;
    else if (tag === 'PKT') this.harnessPackets.push({ firstCycle: Number(f[0]), lastCycle: Number(f[1]), hex: f[3]! });
    else if (tag === 'FRAME_END') this.frameEnds.push({ channel: Number(f[0]), cycle: Number(f[1]), monoUs: Number(f[2]) });
    else if (tag === 'ISR') this.isrMaxCycles.set(Number(f[0]), Number(/max=(\d+)/.exec(line)![1]));
  }

  private async openPort(): Promise<void> {
    const port = new SerialPort({ path: this.ptyPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const parser = new BridgePacketParser();
    port.on('data', (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk]);
      parser.write(chunk);
    });
    parser.on('data', (e: BridgeParserEvent) => {
      if (e.type === 'packet') this.received.push({ packet: e.packet, atUs: monotonicUs() });
      else if (e.type === 'skipped') this.skippedBytes += this.received.length > 0 ? e.bytes : 0;
      else this.lineErrors += 1;
    });
    this.port = port;
  }

  /** Sends script lines; the harness schedules them from its script cursor (syntax: hardware/bridge/sim/stimulus.h). */
  script(lines: string[]): void {
    this.child.stdin.write(lines.map((l) => `${l}\n`).join(''));
  }

  frames(channel?: number): string[] {
    return this.received.flatMap(({ packet: p }) =>
      p.kind === 'frame' && (channel === undefined || p.channel === channel) ? [bitsToString(p.bits)] : [],
    );
  }

  faults(): Array<{ channel: number; fault: number }> {
    return this.received.flatMap(({ packet: p }) => (p.kind === 'fault' ? [{ channel: p.channel, fault: p.fault }] : []));
  }

  heartbeats(): Received[] {
    return this.received.filter((r) => r.packet.kind === 'heartbeat');
  }

  /**
   * Closes the port while the pty still exists, then ends the script and waits for the harness to
   * exit (it prints its ISR figures then).
   */
  async finish(): Promise<void> {
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.child.stdin.end('end\n');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    expect(this.child.exitCode).toBe(0);
  }
}
