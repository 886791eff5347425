import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc8, encodeBridgePacket, type BridgePacket } from './bridge-packet.ts';
import { BridgePacketParser, bridgeFraming, type BridgeParserEvent } from './bridge-packet-parser.ts';
import { cutAt, cutsArb, framedOffsets, interleave, runParser } from './parser-test-support.ts';

const parse = (chunks: Uint8Array[]) => runParser<BridgeParserEvent>(new BridgePacketParser(), chunks);
const packetsOf = (events: BridgeParserEvent[]) =>
  events.flatMap((e) => (e.type === 'packet' ? [e.packet] : []));
const skippedOf = (events: BridgeParserEvent[]) =>
  events.reduce((n, e) => n + (e.type === 'skipped' ? e.bytes : 0), 0);

const frameArb: fc.Arbitrary<BridgePacket> = fc.record({
  kind: fc.constant('frame' as const),
  channel: fc.integer({ min: 0, max: 3 }),
  bits: fc.uint8Array({ min: 0, max: 1, minLength: 1, maxLength: 88 }),
});

describe('BridgePacketParser', () => {
  it('emits each packet of a clean stream, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 8 }), cutsArb, async (packets, cuts) => {
        const stream = Buffer.concat(packets.map(encodeBridgePacket));
        const events = await parse(cutAt(stream, cuts));
        expect(packetsOf(events)).toEqual(packets);
        expect(skippedOf(events)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('recovers every valid packet from between random noise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        cutsArb,
        async (packets, noise, cuts) => {
          const { stream, offsets } = interleave(packets.map(encodeBridgePacket), noise);
          fc.pre(framedOffsets(stream, bridgeFraming).join() === offsets.join());
          const events = await parse(cutAt(stream, cuts));
          expect(packetsOf(events)).toEqual(packets);
          expect(skippedOf(events)).toBe(stream.length - 16 * packets.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('noise made of sync bytes costs no packet', async () => {
    const good = encodeBridgePacket({ kind: 'heartbeat', channel: 1 });
    const events = await parse([Buffer.alloc(40, 0xa5), good, Buffer.alloc(3, 0xa5), good]);
    expect(packetsOf(events)).toEqual([
      { kind: 'heartbeat', channel: 1 },
      { kind: 'heartbeat', channel: 1 },
    ]);
  });

  it('never throws on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), async (chunks) => {
        const events = await parse(chunks);
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const consumed = events.reduce((n, e) => n + (e.type === 'skipped' ? e.bytes : 16), 0);
        expect(consumed).toBe(total);
      }),
      { numRuns: 100 },
    );
  });

  it('turns a framed but invalid packet into a line error and keeps going', async () => {
    const bad = Buffer.alloc(16);
    bad.set([0xa5, 1, 2, 0]);
    bad[15] = crc8(bad, 15);
    const good = encodeBridgePacket({ kind: 'fault', channel: 2, fault: 4 });
    const events = await parse([bad, good]);
    expect(events).toEqual([
      { type: 'line_error', error: { class: 'line', reason: 'bit_count', channel: 2 } },
      { type: 'packet', packet: { kind: 'fault', channel: 2, fault: 4 } },
    ]);
  });
});
