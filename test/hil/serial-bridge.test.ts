/**
 * Hardware-in-the-loop for the wiegand-bridge serial kind: a real socat pty pair, the real serial
 * reader (serialport) on one end and the simulated bridge writer (serialport) on the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { crc8, encodeBridgePacket, type BridgePacket } from '../../src/capture/serial/bridge-packet.ts';
import { createSerialReader, type SerialReader } from '../../src/capture/serial/serial-reader.ts';
import { openSimSerialWriter, type SimSerialWriter } from '../../src/capture/sim/sim-serial-writer.ts';
import { bitsFromString, bitsToString, type LineFault, type RawFrame } from '../../src/wiegand/types.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { sleep, waitFor } from './serial-hil-support.ts';

const H10301_FC123_CN4567 = '10111101100010001110101110';

/** A distinct 26-bit frame per index, so lost or duplicated packets show up by number. */
const frameBits = (n: number) => n.toString(2).padStart(26, '0');
const frameN = (n: number): BridgePacket => ({ kind: 'frame', channel: 0, bits: bitsFromString(frameBits(n)) });

describe('wiegand-bridge over a real pty pair', () => {
  let dir: string;
  let pair: PtyPair;
  let reader: SerialReader;
  let writer: SimSerialWriter | undefined;
  let frames: RawFrame[];
  let faults: LineFault[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-hil-'));
    pair = await openPtyPair({ links: { a: join(dir, 'ttyReader'), b: join(dir, 'ttyBridge') } });
    frames = [];
    faults = [];
    reader = createSerialReader(
      { kind: 'wiegand-bridge', path: pair.a, channels: { 0: 'front', 2: 'back' } },
      { clock: systemClock, sink: { frame: (f) => frames.push(f), fault: (f) => faults.push(f) } },
    );
    reader.start();
    await waitFor('reader open', () => reader.health().open);
    writer = await openSimSerialWriter({ path: pair.b, kind: 'wiegand-bridge' });
  });

  afterEach(async () => {
    await writer?.close().catch(() => undefined);
    await reader.stop();
    await pair.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers frames with their bits, mapped to readers by channel', async () => {
    await writer!.writeBridge({ kind: 'frame', channel: 0, bits: bitsFromString(H10301_FC123_CN4567) });
    await writer!.writeBridge({ kind: 'frame', channel: 2, bits: bitsFromString('1'.repeat(35)) });
    await writer!.writeBridge({ kind: 'frame', channel: 3, bits: bitsFromString('1') });
    await writer!.writeBridge({ kind: 'heartbeat', channel: 1 });
    await writer!.writeBridge({ kind: 'fault', channel: 2, fault: 2 });
    await waitFor('fault', () => faults.length === 1);
    expect(frames.map((f) => [f.reader, bitsToString(f.bits), f.source, f.bitPeriodUs])).toEqual([
      ['front', H10301_FC123_CN4567, 'serial', 0],
      ['back', '1'.repeat(35), 'serial', 0],
    ]);
    expect(frames[0]!.firstEdgeUs).toBe(frames[0]!.lastEdgeUs);
    expect(faults).toMatchObject([{ reader: 'back', kind: 'd1_stuck_low' }]);
    const h = reader.health();
    expect(Object.keys(h.lastHeartbeatUs)).toEqual(['1']);
    expect(h.counters).toMatchObject({ packetsOk: 5, unmappedChannel: 1, crcErrors: 0, lineErrors: 0 });
  });

  it('re-aligns after garbage, a stray byte and a lost byte, losing only the damaged packets', async () => {
    const p = (n: number) => encodeBridgePacket(frameN(n));
    const stray = Buffer.concat([p(3).subarray(0, 7), Buffer.of(0xa5), p(3).subarray(7)]);
    const lost = Buffer.concat([p(6).subarray(0, 9), p(6).subarray(10)]);
    const garbage = Buffer.from('a5a5ff00a5135a0001a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5', 'hex');
    await writer!.writeRaw(Buffer.concat([p(1), garbage, p(2), stray, p(4)]));
    await writer!.writeRaw(Buffer.concat([p(5), lost]));
    await writer!.writeRaw(p(7));
    await writer!.writeRaw(Buffer.concat([garbage, p(8), garbage]));
    await writer!.writeRaw(p(9));
    await waitFor('frame 9', () => frames.some((f) => parseInt(bitsToString(f.bits), 2) === 9));
    expect(frames.map((f) => parseInt(bitsToString(f.bits), 2))).toEqual([1, 2, 4, 5, 7, 8, 9]);
    const c = reader.health().counters;
    expect(c.packetsOk).toBe(7);
    expect(c.realignDrops).toBe(3 * garbage.length + stray.length + lost.length);
    expect(c.crcErrors).toBeGreaterThan(0);
  });

  it('counts a framed packet with data past its bit count as a line error', async () => {
    const bad = encodeBridgePacket({ kind: 'frame', channel: 0, bits: bitsFromString('1'.repeat(8)) });
    bad[3] = 4; // claims 4 bits, but 8 data bits are set
    bad[15] = crc8(bad, 15);
    await writer!.writeRaw(Buffer.concat([bad, encodeBridgePacket(frameN(1))]));
    await waitFor('frame after the bad packet', () => frames.length === 1);
    expect(faults).toMatchObject([{ reader: 'front', kind: 'bad_packet', detail: 'trailing_data' }]);
    expect(reader.health().counters.lineErrors).toBe(1);
  });

  it('reopens the same path within 2 s when the device disappears and comes back', async () => {
    await writer!.writeBridge(frameN(1));
    await waitFor('first frame', () => frames.length === 1);
    await writer!.close();
    writer = undefined;
    await pair.close();
    await waitFor('reader notices the loss', () => !reader.health().open);
    await sleep(600); // let the backoff grow while the device is absent
    expect(reader.health().counters.openFailures).toBeGreaterThan(0);

    pair = await openPtyPair({ links: { a: join(dir, 'ttyReader'), b: join(dir, 'ttyBridge') } });
    const recovered = await waitFor('reader reopened', () => reader.health().open, 2000);
    writer = await openSimSerialWriter({ path: pair.b, kind: 'wiegand-bridge' });
    await writer.writeBridge(frameN(2));
    await waitFor('frame after reopen', () => frames.length === 2);
    expect(bitsToString(frames[1]!.bits)).toBe(frameBits(2));
    expect(reader.health().counters.reopens).toBe(1);
    expect(recovered).toBeLessThan(2000);
  });
});
