import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBridgePacket } from './bridge-packet.ts';
import { bridgeFraming } from './bridge-packet-parser.ts';
import { PacketScanner } from './packet-scanner.ts';

const heartbeat = (channel: number) => encodeBridgePacket({ kind: 'heartbeat', channel });

describe('PacketScanner', () => {
  it('holds back an incomplete packet until the rest arrives', () => {
    const s = new PacketScanner(bridgeFraming);
    const p = heartbeat(1);
    expect(s.push(p.subarray(0, 10))).toEqual({ packets: [], skipped: 0, rejected: 0 });
    expect(s.pendingBytes).toBe(10);
    expect(s.push(p.subarray(10))).toEqual({ packets: [p], skipped: 0, rejected: 0 });
    expect(s.pendingBytes).toBe(0);
  });

  it('drops only the bytes of a damaged packet: the next one survives', () => {
    const s = new PacketScanner(bridgeFraming);
    const damaged = Buffer.from(heartbeat(0));
    damaged[7] = 0x55;
    const good = heartbeat(2);
    expect(s.push(Buffer.concat([damaged, good]))).toEqual({ packets: [good], skipped: 16, rejected: 1 });
  });

  it('recovers after a lost byte inside a packet', () => {
    const s = new PacketScanner(bridgeFraming);
    const a = heartbeat(0);
    const b = heartbeat(3);
    const truncated = Buffer.concat([a.subarray(0, 5), a.subarray(6)]);
    expect(s.push(Buffer.concat([truncated, b]))).toEqual({ packets: [b], skipped: 15, rejected: 1 });
  });

  it('drain() gives up the pending tail', () => {
    const s = new PacketScanner(bridgeFraming);
    s.push(Buffer.from([0xa5, 1, 2]));
    expect(s.drain()).toBe(3);
    expect(s.pendingBytes).toBe(0);
  });

  it('never holds more than one packet minus a byte, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const s = new PacketScanner(bridgeFraming);
        for (const c of chunks) {
          s.push(c);
          expect(s.pendingBytes).toBeLessThan(bridgeFraming.length);
        }
      }),
    );
  });
});
