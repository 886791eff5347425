/**
 * Campaign 2 — frames from hell. Random and damaged input into every pure decoding layer: the
 * frame assembler (edges with glitches, overlaps, stuck lines, broken timestamps, on a ManualClock),
 * the format codec and decoder (random bit strings; every single and double bit flip of valid
 * frames of every format with parity), the keypad layer, and both serial packet parsers.
 *
 * Oracle: a reference parity/framing check written here from formats.json alone (not the codec's
 * compiled masks). Nothing may throw, and ReaderDecoder may never hand the rules engine a card whose
 * frame the reference says fails parity or framing. The false-accept rate of double flips (a flip
 * pair that still passes parity and reads as another card) is measured and printed per format.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BridgePacketParser, bridgeFraming, type BridgeParserEvent } from '../../src/capture/serial/bridge-packet-parser.ts';
import { encodeBridgePacket } from '../../src/capture/serial/bridge-packet.ts';
import { Em4100PacketParser, em4100Framing, type Em4100ParserEvent } from '../../src/capture/serial/em4100-packet-parser.ts';
import { decodeEm4100Packet, encodeEm4100Packet } from '../../src/capture/serial/em4100-packet.ts';
import { runParser } from '../../src/capture/serial/parser-test-support.ts';
import { decodeBits, encodeFields } from '../../src/wiegand/format/codec.ts';
import { FORMATS, rawFormat, type WiegandFormat } from '../../src/wiegand/format/formats.ts';
import table from '../../src/wiegand/format/formats.json' with { type: 'json' };
import { FrameAssembler } from '../../src/wiegand/frame/frame-assembler.ts';
import { encodeKey, KEYPAD_MODES, type KeyEmissionMode } from '../../src/wiegand/keypad/keypad-modes.ts';
import { ReaderDecoder } from '../../src/wiegand/reader-decoder.ts';
import type { Bits, CardRead, EdgeEvent, FieldName, KeypadKey, RawFrame } from '../../src/wiegand/types.ts';
import { bitsToString } from '../../src/wiegand/types.ts';
import { campaignSize, timeoutFor } from './support.ts';

const CASES = campaignSize('frame_cases', 100_000, 10_000_000);
/** Share of the case budget per layer. */
const SHARE = { flips: 0.4, randomBits: 0.2, assembler: 0.15, keypad: 0.1, bridge: 0.075, em4100: 0.075 };
const budget = (k: keyof typeof SHARE) => Math.max(100, Math.round(CASES * SHARE[k]));

// ---- Reference oracle, from the JSON table only --------------------------------------------------

interface TableFormat {
  name: string;
  bits: number;
  fields: Partial<Record<FieldName, number[]>>;
  parity: Array<{ pos: number; type: 'even' | 'odd'; over: number[] }>;
  fixed?: Record<string, 0 | 1>;
  xorChecksum?: { pos: number[]; bytes: number[][] };
  requiredFields?: Partial<Record<FieldName, number>>;
  unchecked?: string[];
}
const TABLE = new Map((table as TableFormat[]).map((f) => [f.name, f]));

const valueAt = (bits: Bits, positions: readonly number[]) => positions.reduce((v, p) => v * 2 + bits[p]!, 0);

/** Whether `bits` is a frame the table accepts as `name`: length, parity, checksum, fixed bits, required fields. */
function referenceAccepts(name: string, bits: Bits): boolean {
  const f = TABLE.get(name);
  if (!f) return name === 'raw';
  if (bits.length !== f.bits) return false;
  for (const rule of f.parity) {
    const ones = [rule.pos, ...rule.over].reduce((n, p) => n + bits[p]!, 0);
    if (ones % 2 !== (rule.type === 'odd' ? 1 : 0)) return false;
  }
  const unchecked = new Set(f.unchecked ?? []);
  if (f.xorChecksum && !unchecked.has('xorChecksum')) {
    const x = f.xorChecksum.bytes.reduce((acc, b) => acc ^ valueAt(bits, b), 0);
    if (x !== valueAt(bits, f.xorChecksum.pos)) return false;
  }
  if (!unchecked.has('fixed')) for (const [p, b] of Object.entries(f.fixed ?? {})) if (bits[Number(p)] !== b) return false;
  for (const [field, want] of Object.entries(f.requiredFields ?? {})) if (valueAt(bits, f.fields[field as FieldName]!) !== want) return false;
  return true;
}

/** Formats whose frames carry a check (parity or a checked checksum): where flips can be caught. */
const CHECKED_FORMATS = FORMATS.filter((f) => f.parity.length > 0 || (f.xorChecksum && !f.unchecked?.includes('xorChecksum')));

/** A decoder over `formats` that records cards and rejections; the clock is never advanced. */
function decoderFor(formats: readonly WiegandFormat[], keypad?: KeyEmissionMode) {
  const cards: CardRead[] = [];
  let rejected = 0;
  const clock = new ManualClock();
  const decoder = new ReaderDecoder({
    reader: 'r', clock, formats,
    ...(keypad ? { keypad: { mode: keypad, siteCode: 0, pinTimeoutMs: 5000, maxLength: 8 } } : {}),
    onCard: (c) => cards.push(c),
    onPin: () => undefined,
    onReject: () => rejected++,
  });
  const frame = (bits: Bits): RawFrame => ({ reader: 'r', bits, firstEdgeUs: 0, lastEdgeUs: 0, bitPeriodUs: 0, source: 'sim' });
  return { decoder, cards, clock, frame, rejected: () => rejected };
}

/** The rules-engine gate: a card out of the decoder must be one the reference accepts as its format. */
function expectCardsPassReference(cards: readonly CardRead[], bitsOf: (c: CardRead) => Bits): void {
  for (const c of cards) {
    if (c.format === 'raw') {
      expect(FORMATS.some((f) => f.bits === c.bitLength), `raw read of ${c.bitLength} bits, a length a table format has`).toBe(false);
    } else {
      expect(referenceAccepts(c.format, bitsOf(c)), `${c.format} card ${c.rawBits} fails the reference check`).toBe(true);
    }
  }
}

const KEYS: KeypadKey[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];

const fromString = (s: string): Bits => Uint8Array.from(s, (ch) => (ch === '1' ? 1 : 0));

/** Random field values that fit (and meet a required value), via fast-check's seeded generator. */
function validFrames(format: WiegandFormat, count: number, seed: number): Bits[] {
  const fieldArbs = Object.fromEntries(
    Object.entries(format.fields).map(([name, pos]) => [
      name,
      format.requiredFields?.[name as FieldName] !== undefined
        ? fc.constant(format.requiredFields[name as FieldName]!)
        : fc.maxSafeNat().map((v) => (pos.length === 1 ? v % 2 : 1 + (v % (2 ** Math.min(pos.length, 52) - 1)))),
    ]),
  );
  return fc.sample(fc.record(fieldArbs), { numRuns: count, seed }).map((fields) => encodeFields(format, fields));
}

describe('frames from hell', () => {
  it(`flips: every single and double bit flip of valid frames of every parity format (${budget('flips')} cases)`, () => {
    const perFormat = Math.max(1, Math.floor(budget('flips') / CHECKED_FORMATS.length));
    const rows: Array<{ format: string; bits: number; frames: number; single: string; double: string; doubleCases: number }> = [];
    let cases = 0;
    for (const format of CHECKED_FORMATS) {
      const n = format.bits;
      const perFrame = n + (n * (n - 1)) / 2;
      const frames = validFrames(format, Math.max(1, Math.ceil(perFormat / perFrame)), n);
      const d = decoderFor([format]);
      let singleAccepted = 0;
      let singles = 0;
      let doubleAccepted = 0;
      let doubles = 0;
      for (const valid of frames) {
        expect(referenceAccepts(format.name, valid)).toBe(true);
        const flipped = new Uint8Array(valid);
        const tryFrame = (double: boolean) => {
          const ref = referenceAccepts(format.name, flipped);
          const out = decodeBits(format, flipped);
          expect(out.parityOk && out.fields !== null, `${format.name} codec vs reference on ${bitsToString(flipped)}`).toBe(ref);
          const before = d.cards.length;
          d.decoder.frame(d.frame(flipped.slice()));
          expect(d.cards.length - before, `${format.name} decoder vs reference on ${bitsToString(flipped)}`).toBe(ref ? 1 : 0);
          if (double) {
            doubles++;
            if (ref) doubleAccepted++;
          } else {
            singles++;
            if (ref) singleAccepted++;
          }
        };
        for (let i = 0; i < n; i++) {
          flipped[i]! ^= 1;
          tryFrame(false);
          for (let j = i + 1; j < n; j++) {
            flipped[j]! ^= 1;
            tryFrame(true);
            flipped[j]! ^= 1;
          }
          flipped[i]! ^= 1;
        }
      }
      expectCardsPassReference(d.cards, (c) => fromString(c.rawBits));
      cases += singles + doubles;
      rows.push({
        format: format.name, bits: n, frames: frames.length,
        single: `${((100 * singleAccepted) / singles).toFixed(2)} %`,
        double: `${((100 * doubleAccepted) / doubles).toFixed(2)} %`,
        doubleCases: doubles,
      });
    }
    console.info(`frames-from-hell flips: ${cases} flipped frames over ${CHECKED_FORMATS.length} formats; accepted as another card:`);
    console.table(rows);
    expect(cases).toBeGreaterThanOrEqual(budget('flips') * 0.9);
  }, timeoutFor(budget('flips'), 0.05));

  it(`random bit strings into the decoder with every format (${budget('randomBits')} cases)`, () => {
    const d = decoderFor([...FORMATS, rawFormat(0)]);
    let emitted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 130 }), fc.constantFrom(...new Set(FORMATS.map((f) => f.bits)))).chain((len) => fc.uint8Array({ minLength: len, maxLength: len, max: 1 })), (bits) => {
        const before = d.cards.length;
        d.decoder.frame(d.frame(bits));
        const candidates = FORMATS.filter((f) => f.bits === bits.length);
        const anyAccepts = candidates.some((f) => referenceAccepts(f.name, bits));
        if (d.cards.length > before) {
          emitted++;
          const c = d.cards.at(-1)!;
          expect(c.rawBits).toBe(bitsToString(bits));
          if (candidates.length > 0) expect(referenceAccepts(c.format, bits)).toBe(true);
          else expect([c.format, bits.length > 0]).toEqual(['raw', true]);
        } else if (candidates.length > 0) {
          expect(anyAccepts, `${bitsToString(bits)} accepted by the reference but refused`).toBe(false);
        } else {
          expect(bits.length).toBe(0);
        }
      }),
      { numRuns: budget('randomBits') },
    );
    console.info(`frames-from-hell random bits: ${budget('randomBits')} frames, ${emitted} read as cards, ${d.rejected()} rejected`);
  }, timeoutFor(budget('randomBits'), 0.1));

  it(`random edges into the frame assembler: glitches, overlaps, stuck lines, broken times (${budget('assembler')} streams)`, () => {
    const edgeArb = fc.record({
      line: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('D0', 'D1') }, { weight: 1, arbitrary: fc.constantFrom('D2', '', 'd0') }),
      // Mostly forward steps from legal (≥ 200 µs) to glitch-sized, sometimes backwards or broken.
      stepUs: fc.oneof(
        { weight: 10, arbitrary: fc.integer({ min: 200, max: 3000 }) },
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 199 }) },
        { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 200_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: -5000, max: -1 }) },
        { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
      ),
      widthUs: fc.option(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(Number.NaN, -1)), { nil: undefined }),
      lagUs: fc.integer({ min: 0, max: 5000 }),
    });
    const streamArb = fc.oneof(
      { weight: 8, arbitrary: fc.array(edgeArb, { maxLength: 60 }) },
      // A stuck line: hundreds of pulses on one wire.
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('D0', 'D1'), fc.integer({ min: 100, max: 400 })).map(([line, n]) => Array.from({ length: n }, () => ({ line, stepUs: 250, widthUs: undefined, lagUs: 0 }))) },
    );
    const formats = [...FORMATS, rawFormat(0)];
    let frames = 0;
    let faults = 0;
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 8, max: 128 }), (stream, maxBits) => {
        const clock = new ManualClock();
        const d = decoderFor(formats);
        const emitted: RawFrame[] = [];
        const asm = new FrameAssembler({
          reader: 'r', clock, maxBits,
          onFrame: (f) => {
            emitted.push(f);
            d.decoder.frame(f);
          },
          onFault: () => faults++,
        });
        let t = clock.monotonicUs();
        for (const e of stream) {
          t += e.stepUs;
          if (e.lagUs > 0) clock.advanceUs(e.lagUs);
          asm.edge({ line: e.line as EdgeEvent['line'], timeUs: t, ...(e.widthUs === undefined ? {} : { widthUs: e.widthUs }) });
          if (!Number.isFinite(t)) t = clock.monotonicUs();
        }
        clock.advanceUs(1_000_000);
        for (const f of emitted) {
          expect(f.bits.length).toBeGreaterThan(0);
          expect(f.bits.length).toBeLessThanOrEqual(maxBits);
          expect(f.bits.every((b) => b === 0 || b === 1)).toBe(true);
        }
        frames += emitted.length;
        const byRaw = new Map(emitted.map((f) => [bitsToString(f.bits), f.bits]));
        expectCardsPassReference(d.cards, (c) => byRaw.get(c.rawBits)!);
        asm.dispose();
      }),
      { numRuns: budget('assembler') },
    );
    console.info(`frames-from-hell assembler: ${budget('assembler')} edge streams, ${frames} frames assembled, ${faults} line faults`);
  }, timeoutFor(budget('assembler'), 1));

  it('a valid card survives random sub-threshold glitches and timing jitter inside the spec', () => {
    const format = FORMATS.find((f) => f.name === 'H10301')!;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 200, max: 2000 }),
        fc.array(fc.tuple(fc.nat(25), fc.constantFrom('D0', 'D1'), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 150 })), { maxLength: 10 }),
        (fcode, cn, periodUs, glitches) => {
          const bits = encodeFields(format, { facility_code: fcode, card_number: cn });
          const clock = new ManualClock();
          const d = decoderFor([format]);
          const asm = new FrameAssembler({ reader: 'r', clock, onFrame: (f) => d.decoder.frame(f), onFault: () => undefined });
          const start = clock.monotonicUs() + 1000;
          const edges: EdgeEvent[] = [];
          bits.forEach((b, i) => edges.push({ line: b ? 'D1' : 'D0', timeUs: start + i * periodUs, widthUs: 50 }));
          // Glitches narrower than glitchUs (10 µs), placed between real pulses.
          for (const [at, line, width, offset] of glitches) edges.push({ line: line as EdgeEvent['line'], timeUs: start + at * periodUs + Math.min(offset, periodUs - 60) + 55, widthUs: width });
          edges.sort((a, b) => a.timeUs - b.timeUs);
          for (const e of edges) {
            clock.advanceUs(Math.max(0, e.timeUs - clock.monotonicUs()));
            asm.edge(e);
          }
          clock.advanceUs(1_000_000);
          expect(d.cards.map((c) => c.fields)).toEqual([{ facility_code: fcode, card_number: cn }]);
        },
      ),
      { numRuns: Math.max(200, Math.round(budget('assembler') / 50)) },
    );
  });

  it(`keypad frames: a key only when the reference check of its mode holds (${budget('keypad')} cases)`, () => {
    const modes = KEYPAD_MODES.filter((m): m is KeyEmissionMode => m !== '26bit_pin_as_card');
    /** Per mode: the check bits and the key code, written out from the emission layouts. */
    const reference: Record<KeyEmissionMode, (b: Bits) => boolean> = {
      '4bit': (b) => b.length === 4 && valueAt(b, [0, 1, 2, 3]) <= 11,
      '8bit_complement_high': (b) => b.length === 8 && [0, 1, 2, 3].every((i) => b[i] !== b[i + 4]) && valueAt(b, [4, 5, 6, 7]) <= 11,
      '8bit_complement_low_swapped': (b) => b.length === 8 && [0, 1, 2, 3].every((i) => b[i] !== b[i + 4]) && valueAt(b, [0, 1, 2, 3]) <= 11,
      '6bit_nibble_parity': (b) => b.length === 6 && (b[0]! ^ b[1]! ^ b[2]!) === 0 && (b[5]! ^ b[3]! ^ b[4]!) === 1 && valueAt(b, [1, 2, 3, 4]) <= 11,
      '6bit_rosslare_format': (b) => b.length === 6 && (b[0]! ^ b[1]! ^ b[2]!) === 0 && (b[5]! ^ b[3]! ^ b[4]!) === 1 && valueAt(b, [1, 2, 3, 4]) >= 1 && valueAt(b, [1, 2, 3, 4]) <= 12,
    };
    const counts = Object.fromEntries(modes.map((m) => [m, { frames: 0, keys: 0 }]));
    const decoders = new Map(modes.map((m) => [m, decoderFor(FORMATS, m)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...modes).chain((mode) => fc.tuple(fc.constant(mode), fc.oneof(
          fc.integer({ min: 0, max: 10 }).chain((len) => fc.uint8Array({ minLength: len, maxLength: len, max: 1 })),
          // A real key emission with zero, one or two bits flipped.
          fc.tuple(fc.constantFrom(...KEYS), fc.array(fc.nat(7), { maxLength: 2 })).map(([key, flips]) => {
            const b = encodeKey(mode, key);
            for (const i of flips) b[i % b.length]! ^= 1;
            return b;
          }),
        ))),
        ([mode, bits]) => {
        const d = decoders.get(mode)!;
        const keysBefore = d.decoder.counters.keys;
        const cardsBefore = d.cards.length;
        d.decoder.frame(d.frame(bits));
        const isKey = d.decoder.counters.keys - keysBefore === 1;
        expect(isKey, `${mode} ${bitsToString(bits)}`).toBe(reference[mode](bits));
        // A short frame that is no key is never a card either.
        expect(d.cards.length).toBe(cardsBefore);
        counts[mode]!.frames++;
        if (isKey) counts[mode]!.keys++;
      },
      ),
      { numRuns: budget('keypad') },
    );
    console.info(`frames-from-hell keypad: ${JSON.stringify(counts)}`);
  }, timeoutFor(budget('keypad'), 0.1));

  it(`bridge parser: random bytes and damaged packet streams (${budget('bridge')} streams)`, async () => {
    const packetArb = fc.oneof(
      fc.record({ kind: fc.constant('frame' as const), channel: fc.integer({ min: 0, max: 3 }), bits: fc.uint8Array({ minLength: 1, maxLength: 88, max: 1 }) }),
      fc.record({ kind: fc.constant('heartbeat' as const), channel: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('fault' as const), channel: fc.integer({ min: 0, max: 3 }), fault: fc.constantFrom(1, 2, 3, 4) as fc.Arbitrary<1 | 2 | 3 | 4> }),
    );
    const streamArb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.oneof(packetArb.map((p) => encodeBridgePacket(p)), fc.uint8Array({ maxLength: 20 }), fc.constant(Uint8Array.of(0xa5))), { maxLength: 8 }).map((parts) => Buffer.concat(parts)),
    );
    let packets = 0;
    await fc.assert(
      fc.asyncProperty(streamArb, fc.array(fc.nat(300), { maxLength: 6 }), async (stream, cuts) => {
        const buf = Buffer.from(stream);
        const chunks = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b).concat(buf.length)
          .reduce<{ from: number; out: Buffer[] }>((acc, p) => ({ from: p, out: [...acc.out, buf.subarray(acc.from, p)] }), { from: 0, out: [] }).out;
        const events = await runParser<BridgeParserEvent>(new BridgePacketParser(), chunks);
        let consumed = 0;
        for (const e of events) {
          if (e.type === 'skipped') consumed += e.bytes;
          else {
            consumed += 16;
            if (e.type === 'packet') {
              packets++;
              // Whatever came out was on the wire, framed, at some offset.
              const bytes = encodeBridgePacket(e.packet);
              const at = buf.indexOf(bytes);
              expect(at).toBeGreaterThanOrEqual(0);
              expect(bridgeFraming.isFramed(buf, at)).toBe(true);
            }
          }
        }
        expect(consumed).toBe(buf.length);
      }),
      { numRuns: budget('bridge') },
    );
    console.info(`frames-from-hell bridge parser: ${budget('bridge')} streams, ${packets} packets out`);
  }, timeoutFor(budget('bridge'), 1));

  it(`EM4100 parser: random bytes and damaged packet streams (${budget('em4100')} streams)`, async () => {
    const hexish = fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(Array.from(b, (x) => '0123456789ABCDEFabcdef\x02\x03'.charCodeAt(x % 24))));
    const streamArb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((v) => encodeEm4100Packet(v)), hexish), { maxLength: 8 }).map((parts) => Buffer.concat(parts)),
    );
    let cards = 0;
    await fc.assert(
      fc.asyncProperty(streamArb, async (stream) => {
        const buf = Buffer.from(stream);
        const events = await runParser<Em4100ParserEvent>(new Em4100PacketParser({ clock: new ManualClock(), holdOffMs: 0 }), [buf]);
        const framed = new Set<bigint>();
        for (let i = 0; i + em4100Framing.length <= buf.length; i++) {
          if (em4100Framing.isFramed(buf, i)) {
            const r = decodeEm4100Packet(buf.subarray(i, i + em4100Framing.length));
            if (r.ok) framed.add(r.value);
          }
        }
        for (const e of events) {
          if (e.type === 'skipped') continue;
          cards++;
          expect(framed.has(e.value), `value ${e.value} not framed anywhere in the input`).toBe(true);
        }
      }),
      { numRuns: budget('em4100') },
    );
    console.info(`frames-from-hell EM4100 parser: ${budget('em4100')} streams, ${cards} cards out`);
  }, timeoutFor(budget('em4100'), 1));
});
