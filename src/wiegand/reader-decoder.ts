/**
 * One reader's last Wiegand stage: raw frames → card reads, keypad keys → PIN entries, and every
 * refused frame reported with its raw bits (so the journal can log it) and counted. A frame that
 * fails parity or framing never reaches the credential stage.
 */
import type { Clock } from '../core/clock.ts';
import { decodeFrame, type DecodeFailure } from './format/decode-frame.ts';
import type { WiegandFormat } from './format/formats.ts';
import { decodeKey, decodePinCard, type KeypadMode } from './keypad/keypad-modes.ts';
import { PinCollector, type PinClearReason } from './keypad/pin-collector.ts';
import { bitsToString, type CardRead, type PinEntry, type RawFrame, type ReaderId } from './types.ts';

export type RejectReason = DecodeFailure | 'keypad_error';

export interface FrameRejection {
  readonly reader: ReaderId;
  readonly at: number;
  readonly reason: RejectReason;
  readonly rawBits: string;
  readonly bitLength: number;
}

export interface KeypadSettings {
  readonly mode: KeypadMode;
  readonly siteCode: number;
  readonly pinTimeoutMs: number;
  readonly maxLength: number;
}

export interface ReaderDecoderOptions {
  readonly reader: ReaderId;
  readonly clock: Clock;
  readonly formats: readonly WiegandFormat[];
  readonly keypad?: KeypadSettings;
  readonly onCard: (read: CardRead) => void;
  readonly onPin: (entry: PinEntry) => void;
  readonly onReject: (rejection: FrameRejection) => void;
  readonly onPinCleared?: (reason: PinClearReason) => void;
}

export interface ReaderDecoderCounters {
  cards: number;
  keys: number;
  pins: number;
  rejected: Record<RejectReason, number>;
}

/** Single-key keypad frames are at most 8 bits; anything that long or shorter is never a card. */
const MAX_KEY_BITS = 8;

export class ReaderDecoder {
  readonly counters: ReaderDecoderCounters = {
    cards: 0,
    keys: 0,
    pins: 0,
    rejected: { parity_error: 0, refused: 0, no_format: 0, keypad_error: 0 },
  };
  private readonly collector: PinCollector | null;

  constructor(private readonly options: ReaderDecoderOptions) {
    const kp = options.keypad;
    this.collector =
      kp && kp.mode !== '26bit_pin_as_card'
        ? new PinCollector({
            reader: options.reader,
            clock: options.clock,
            timeoutMs: kp.pinTimeoutMs,
            maxLength: kp.maxLength,
            onPin: (entry) => this.emitPin(entry),
            onCleared: options.onPinCleared,
          })
        : null;
  }

  frame(frame: RawFrame): void {
    const at = this.options.clock.now();
    const kp = this.options.keypad;
    if (kp && this.collector) {
      const key = decodeKey(kp.mode, frame.bits);
      if (key !== null) {
        this.counters.keys++;
        this.collector.key(key);
        return;
      }
      if (frame.bits.length <= MAX_KEY_BITS) return this.reject(frame, at, 'keypad_error');
    } else if (kp?.mode === '26bit_pin_as_card' && frame.bits.length === 26) {
      const pin = decodePinCard(frame.bits, kp.siteCode);
      if (pin.ok) return this.emitPin({ kind: 'pin', reader: this.options.reader, at, pin: pin.pin });
      // Another site code is a real card on a combined reader; parity failures fall through to be
      // reported by the card decoder with the reader's formats.
      if (pin.reason === 'pin_error') return this.reject(frame, at, 'keypad_error');
    }
    const out = decodeFrame(frame, this.options.formats, at);
    if (!out.ok) return this.reject(frame, at, out.reason);
    this.counters.cards++;
    this.options.onCard(out.read);
  }

  /** Abandon a partial PIN (e.g. when a card-then-PIN window closes). */
  resetPin(): void {
    this.collector?.reset();
  }

  private emitPin(entry: PinEntry): void {
    this.counters.pins++;
    this.options.onPin(entry);
  }

  private reject(frame: RawFrame, at: number, reason: RejectReason): void {
    this.counters.rejected[reason]++;
    this.options.onReject({ reader: this.options.reader, at, reason, rawBits: bitsToString(frame.bits), bitLength: frame.bits.length });
  }
}
