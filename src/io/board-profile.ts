/**
 * Board profiles: which BCM pins of the 40-pin header carry each reader's D0/D1/LED/beeper, each
 * door's relay, contact and REX, and the tamper switch. Files live in hardware/boards/<name>.json
 * and are validated here (zod) so a typo cannot put a relay on the serial bridge's UART pins.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KNOWN_PI_PINCTRL_LABELS } from './gpio/chip-resolver.ts';

/** BCM GPIO → physical pin of the 40-pin header (identical on Pi 2/3/4/5/Zero). */
export const HEADER_40_PIN_BCM_TO_PHYSICAL: Readonly<Record<number, number>> = {
  0: 27, 1: 28, 2: 3, 3: 5, 4: 7, 5: 29, 6: 31, 7: 26, 8: 24, 9: 21, 10: 19, 11: 23, 12: 32, 13: 33,
  14: 8, 15: 10, 16: 36, 17: 11, 18: 12, 19: 35, 20: 38, 21: 40, 22: 15, 23: 16, 24: 18, 25: 22, 26: 37, 27: 13,
};

const bcmPin = z
  .int()
  .refine((p) => p in HEADER_40_PIN_BCM_TO_PHYSICAL, { message: 'not a BCM GPIO on the 40-pin header (0..27)' });

const ReaderPins = z.strictObject({
  channel: z.int().min(1),
  d0: bcmPin,
  d1: bcmPin,
  led: bcmPin.optional(),
  beeper: bcmPin.optional(),
});

const DoorPins = z.strictObject({
  door: z.int().min(1),
  relay: bcmPin,
  contact: bcmPin.optional(),
  rex: bcmPin.optional(),
});

export const BoardProfileSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9-]+$/),
    model: z.string().min(1),
    /** Label of the header's pin controller (see chip-resolver KNOWN_PI_PINCTRL_LABELS). */
    pinctrlLabel: z.string().refine((l) => KNOWN_PI_PINCTRL_LABELS.some((k) => k.label === l), {
      message: 'not a known Raspberry Pi pin controller label',
    }),
    readers: z.array(ReaderPins).min(1),
    doors: z.array(DoorPins).min(1),
    tamper: bcmPin.optional(),
    /** Pins that must stay free, with the reason (I2C, UART for the serial bridge, ID EEPROM). */
    reserved: z.record(z.string().regex(/^\d+$/), z.string()),
  })
  .superRefine((board, ctx) => {
    const seen = new Map<number, string>();
    for (const { role, pin } of boardPins(board)) {
      const clash = seen.get(pin) ?? board.reserved[String(pin)];
      if (clash !== undefined) {
        ctx.addIssue({ code: 'custom', message: `BCM ${pin} for ${role} is already used by ${clash}` });
      }
      seen.set(pin, role);
    }
    const unique = (label: string, ids: number[]) => {
      if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: `duplicate ${label} numbers` });
    };
    unique('reader channel', board.readers.map((r) => r.channel));
    unique('door', board.doors.map((d) => d.door));
  });

export type BoardProfile = z.infer<typeof BoardProfileSchema>;

export interface AssignedPin {
  readonly role: string;
  readonly pin: number;
}

/** Every assigned pin with a readable role, e.g. "reader1.d0", "door2.relay", "tamper". */
export function boardPins(board: Pick<BoardProfile, 'readers' | 'doors' | 'tamper'>): AssignedPin[] {
  const pins: AssignedPin[] = [];
  const add = (role: string, pin: number | undefined) => {
    if (pin !== undefined) pins.push({ role, pin });
  };
  for (const r of board.readers) {
    add(`reader${r.channel}.d0`, r.d0);
    add(`reader${r.channel}.d1`, r.d1);
    add(`reader${r.channel}.led`, r.led);
    add(`reader${r.channel}.beeper`, r.beeper);
  }
  for (const d of board.doors) {
    add(`door${d.door}.relay`, d.relay);
    add(`door${d.door}.contact`, d.contact);
    add(`door${d.door}.rex`, d.rex);
  }
  add('tamper', board.tamper);
  return pins;
}

export const DEFAULT_BOARDS_DIR = fileURLToPath(new URL('../../hardware/boards/', import.meta.url));

export class BoardProfileError extends Error {
  override name = 'BoardProfileError';
}

export function parseBoardProfile(json: unknown, source = 'board profile'): BoardProfile {
  const result = BoardProfileSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BoardProfileError(`${source} is invalid: ${issues}`);
  }
  return result.data;
}

export function listBoardProfiles(dir: string = DEFAULT_BOARDS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Loads hardware/boards/<name>.json; names are plain identifiers, so no path tricks. */
export function loadBoardProfile(name: string, opts: { dir?: string } = {}): BoardProfile {
  const dir = opts.dir ?? DEFAULT_BOARDS_DIR;
  if (!/^[a-z0-9-]+$/.test(name)) throw new BoardProfileError(`invalid board name "${name}"`);
  if (!listBoardProfiles(dir).includes(name)) {
    throw new BoardProfileError(`unknown board "${name}"; available: ${listBoardProfiles(dir).join(', ')}`);
  }
  const file = join(dir, `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BoardProfileError(`${file}: ${(err as Error).message}`);
  }
  const profile = parseBoardProfile(json, file);
  if (profile.name !== name) throw new BoardProfileError(`${file} declares name "${profile.name}"`);
  return profile;
}
