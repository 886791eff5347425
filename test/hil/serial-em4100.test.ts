/**
 * Hardware-in-the-loop for the em4100-ascii serial kind: a real socat pty pair, the real serial
 * reader on one end and the simulated RDM6300 writer on the other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { encodeEm4100Packet } from '../../src/capture/serial/em4100-packet.ts';
import { createSerialReader, type SerialReader } from '../../src/capture/serial/serial-reader.ts';
import { openSimSerialWriter, type SimSerialWriter } from '../../src/capture/sim/sim-serial-writer.ts';
import type { CardRead } from '../../src/wiegand/types.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { sleep, waitFor } from './serial-hil-support.ts';

const CARD_A = 0x0a001a2b3cn;
const CARD_B = 0x0b00ffeeddn;

describe('em4100-ascii over a real pty pair', () => {
  let pair: PtyPair;
  let reader: SerialReader;
  let writer: SimSerialWriter;
  let reads: CardRead[];

  beforeEach(async () => {
    pair = await openPtyPair();
    reads = [];
    reader = createSerialReader(
      { kind: 'em4100-ascii', path: pair.a, reader: 'gate', holdOffMs: 300 },
      { clock: systemClock, sink: { card: (r) => reads.push(r) } },
    );
    reader.start();
    await waitFor('reader open', () => reader.health().open);
    writer = await openSimSerialWriter({ path: pair.b, kind: 'em4100-ascii' });
  });

  afterEach(async () => {
    await writer.close();
    await reader.stop();
    await pair.close();
  });

  it('reports one read per presentation while the module repeats the card', async () => {
    for (let i = 0; i < 5; i++) {
      await writer.writeEm4100(CARD_A);
      await sleep(100);
    }
    await waitFor('repeats counted', () => reader.health().counters.repeats === 4);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      reader: 'gate',
      format: 'em4100',
      number: CARD_A,
      alternates: [0x001a2b3cn, 0x1a2b3cn],
      fields: { facility_code: 0x1a, card_number: 0x2b3c },
    });

    await writer.writeEm4100(CARD_B); // another card: a new presentation at once
    await waitFor('card B', () => reads.length === 2);
    await sleep(400); // past the hold-off: the same card again is a new presentation
    await writer.writeEm4100(CARD_B);
    await waitFor('card B again', () => reads.length === 3);
    expect(reads.map((r) => r.number)).toEqual([CARD_A, CARD_B, CARD_B]);
  });

  it('re-aligns after noise and a broken packet without losing the next card', async () => {
    const a = encodeEm4100Packet(CARD_A);
    const broken = Buffer.concat([a.subarray(0, 4), a.subarray(5)]);
    const noise = Buffer.from('\x02\x02AB\x03\r\n\x0200', 'latin1');
    await writer.writeRaw(Buffer.concat([noise, broken, encodeEm4100Packet(CARD_B), noise]));
    await writer.writeRaw(encodeEm4100Packet(CARD_A));
    await waitFor('two reads', () => reads.length === 2);
    expect(reads.map((r) => r.number)).toEqual([CARD_B, CARD_A]);
    const c = reader.health().counters;
    expect(c.realignDrops).toBe(2 * noise.length + broken.length);
    expect(c.packetsOk).toBe(2);
  });
});
