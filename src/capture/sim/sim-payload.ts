/**
 * What the simulated reader sends, built from what a person types: a card by format and fields,
 * raw bits, keypad keys in a keypad mode, or an EM4100 id. Pure; encoding is the codec's job.
 */
import { encodeFields } from '../../wiegand/format/codec.ts';
import { findFormat } from '../../wiegand/format/formats.ts';
import { encodePinCard, encodeKey, KEYPAD_MODES, type KeypadMode } from '../../wiegand/keypad/keypad-modes.ts';
import { bitsFromString, type Bits, type Fields, type KeypadKey } from '../../wiegand/types.ts';
import { BRIDGE_MAX_BITS } from '../serial/bridge-packet.ts';
import { EM4100_MAX_VALUE } from '../serial/em4100-packet.ts';

export type SimPayloadSpec =
  | { kind: 'card'; format: string; fields: Fields }
  | { kind: 'bits'; bits: string }
  | { kind: 'keys'; keys: string; mode: string; siteCode?: number }
  | { kind: 'em4100'; hex: string };

/** Wiegand frames to send in order, or one EM4100 id. */
export type SimPayload = { kind: 'frames'; frames: Bits[] } | { kind: 'em4100'; value: bigint };

export type SimPayloadResult = { ok: true; payload: SimPayload } | { ok: false; error: string };

const KEY_CHARS = /^[0-9*#]+$/;

function frames(...list: Bits[]): SimPayloadResult {
  return { ok: true, payload: { kind: 'frames', frames: list } };
}

function keysPayload(keys: string, modeName: string, siteCode: number | undefined): SimPayloadResult {
  if (!KEYPAD_MODES.includes(modeName as KeypadMode)) {
    return { ok: false, error: `unknown keypad mode '${modeName}' (one of ${KEYPAD_MODES.join(', ')})` };
  }
  if (!KEY_CHARS.test(keys)) return { ok: false, error: 'keys may be only 0-9, * and #' };
  const mode = modeName as KeypadMode;
  if (mode === '26bit_pin_as_card') {
    if (siteCode === undefined) return { ok: false, error: '26bit_pin_as_card needs --site' };
    // The keypad sends the whole PIN as one card when # is pressed.
    return frames(encodePinCard(keys.replace(/#$/, ''), siteCode));
  }
  return frames(...[...keys].map((k) => encodeKey(mode, k as KeypadKey)));
}

export function buildSimPayload(spec: SimPayloadSpec): SimPayloadResult {
  try {
    switch (spec.kind) {
      case 'card': {
        const format = findFormat(spec.format);
        if (!format) return { ok: false, error: `unknown format '${spec.format}'` };
        return frames(encodeFields(format, spec.fields));
      }
      case 'bits': {
        if (!/^[01]+$/.test(spec.bits)) return { ok: false, error: 'bits must be a string of 0 and 1' };
        if (spec.bits.length > BRIDGE_MAX_BITS) return { ok: false, error: `at most ${BRIDGE_MAX_BITS} bits per frame` };
        return frames(bitsFromString(spec.bits));
      }
      case 'keys':
        return keysPayload(spec.keys, spec.mode, spec.siteCode);
      case 'em4100': {
        if (!/^[0-9a-fA-F]{1,10}$/.test(spec.hex)) return { ok: false, error: 'an EM4100 id is up to 10 hex digits' };
        const value = BigInt('0x' + spec.hex);
        return value <= EM4100_MAX_VALUE ? { ok: true, payload: { kind: 'em4100', value } } : { ok: false, error: 'EM4100 id over 40 bits' };
      }
    }
  } catch (err) {
    // The codec refuses values that do not fit the format (RangeError): a user error, not a crash.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
