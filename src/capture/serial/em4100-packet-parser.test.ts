import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../core/clock.ts';
import { EM4100_MAX_VALUE, encodeEm4100Packet } from './em4100-packet.ts';
import { Em4100PacketParser, em4100Framing, type Em4100ParserEvent } from './em4100-packet-parser.ts';
import { cutAt, cutsArb, framedOffsets, interleave, runParser } from './parser-test-support.ts';

const valuesOf = (events: Em4100ParserEvent[]) =>
  events.flatMap((e) => (e.type === 'card' || e.type === 'repeat' ? [e.value] : []));

describe('Em4100PacketParser', () => {
  it('recovers every valid packet from between random noise, however chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: EM4100_MAX_VALUE }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 6 }),
        cutsArb,
        async (values, noise, cuts) => {
          const { stream, offsets } = interleave(values.map(encodeEm4100Packet), noise);
          fc.pre(framedOffsets(stream, em4100Framing).join() === offsets.join());
          const events = await runParser<Em4100ParserEvent>(
            new Em4100PacketParser({ clock: new ManualClock() }),
            cutAt(stream, cuts),
          );
          expect(valuesOf(events)).toEqual(values);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never throws on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 10 }), async (chunks) => {
        const events = await runParser<Em4100ParserEvent>(new Em4100PacketParser({ clock: new ManualClock() }), chunks);
        const consumed = events.reduce((n, e) => n + (e.type === 'skipped' ? e.bytes : 14), 0);
        expect(consumed).toBe(chunks.reduce((n, c) => n + c.length, 0));
      }),
      { numRuns: 100 },
    );
  });

  it('reports one card per presentation while the reader repeats it', async () => {
    const clock = new ManualClock();
    const parser = new Em4100PacketParser({ clock, holdOffMs: 300 });
    const events: Em4100ParserEvent[] = [];
    parser.on('data', (e: Em4100ParserEvent) => events.push(e));
    const card = encodeEm4100Packet(0x0a001a2b3cn);
    for (let i = 0; i < 5; i++) {
      parser.write(card);
      clock.advanceMs(200);
    }
    clock.advanceMs(400);
    parser.write(card);
    parser.end();
    await new Promise((r) => parser.once('end', r));
    expect(events.map((e) => e.type)).toEqual(['card', 'repeat', 'repeat', 'repeat', 'repeat', 'card']);
  });

  it('drops a packet with a stray byte inside and keeps the next one', async () => {
    const a = encodeEm4100Packet(0x1111111111n);
    const b = encodeEm4100Packet(0x2222222222n);
    const damaged = Buffer.concat([a.subarray(0, 6), Buffer.of(0x41), a.subarray(6)]);
    const events = await runParser<Em4100ParserEvent>(new Em4100PacketParser({ clock: new ManualClock() }), [damaged, b]);
    expect(valuesOf(events)).toEqual([0x2222222222n]);
  });
});
