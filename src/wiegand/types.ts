/**
 * The data that flows one way through the Wiegand stack:
 * edges (GPIO) or packets (serial) → RawFrame → decoded CardRead / KeypadKey → PinEntry.
 * Pure data: nothing here knows about GPIO, serial, HTTP or SQLite.
 */
import type { CredentialNumber } from './credential-number.ts';

export type ReaderId = string;

/** One falling edge on a data line, timestamped by the capture backend (monotonic µs). */
export interface EdgeEvent {
  readonly line: 'D0' | 'D1';
  readonly timeUs: number;
  /** Pulse width in µs where the backend measures it (the bridge MCU, the simulator); else undefined. */
  readonly widthUs?: number;
  /**
   * When the capture layer took the edge in (same clock), where it stamps that: a capture thread
   * does (capture/thread). Delivery from there on is the event loop's own lateness.
   */
  readonly arrivedUs?: number;
}

/** A frame of bits: index 0 is the first bit transmitted. Each element is 0 or 1. */
export type Bits = Uint8Array;

export interface RawFrame {
  readonly reader: ReaderId;
  readonly bits: Bits;
  /** Monotonic µs of the first and last edge; equal for frames that arrive whole (serial). */
  readonly firstEdgeUs: number;
  readonly lastEdgeUs: number;
  /** Median interval between bits in µs (0 when unknown, e.g. serial packets). */
  readonly bitPeriodUs: number;
  readonly source: 'gpio' | 'serial' | 'sim';
}

export type LineFaultKind =
  | 'd0_stuck_low'
  | 'd1_stuck_low'
  | 'both_low'
  | 'glitch'
  | 'overlap'
  | 'too_long'
  | 'bad_packet';

export interface LineFault {
  readonly reader: ReaderId;
  readonly kind: LineFaultKind;
  readonly atUs: number;
  readonly detail?: string;
}

export type FieldName = 'facility_code' | 'card_number' | 'issue_level' | 'oem';
export type Fields = Partial<Record<FieldName, number>>;

/** A card presentation that passed framing and parity. */
export interface CardRead {
  readonly kind: 'card';
  readonly reader: ReaderId;
  /** Wall-clock ms of the read (from the injected clock). */
  readonly at: number;
  /** Format name from the table, `raw` for any other length, `em4100` for 125 kHz ASCII readers. */
  readonly format: string;
  readonly bitLength: number;
  /** The frame as transmitted, as a 0/1 string (for the journal). */
  readonly rawBits: string;
  /** Canonical number: the payload (bits that are not parity, fixed or checksum) as an integer. */
  readonly number: CredentialNumber;
  /** Further numbers a reader of this kind is known to print (e.g. EM4100 32-bit id, FC/CN of 24 bits). */
  readonly alternates: readonly CredentialNumber[];
  readonly fields: Fields;
}

/** A PIN collected from a keypad: digits only. Never logged in clear. */
export interface PinEntry {
  readonly kind: 'pin';
  readonly reader: ReaderId;
  readonly at: number;
  readonly pin: string;
}

export type KeypadKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#';

export type CredentialRead = CardRead | PinEntry;

export function bitsToString(bits: Bits): string {
  let s = '';
  for (const b of bits) s += b ? '1' : '0';
  return s;
}

export function bitsFromString(s: string): Bits {
  if (!/^[01]*$/.test(s)) throw new RangeError('bit string may contain only 0 and 1');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) - 48;
  return out;
}
