import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BoardProfileError,
  boardPins,
  HEADER_40_PIN_BCM_TO_PHYSICAL,
  listBoardProfiles,
  loadBoardProfile,
  parseBoardProfile,
  type BoardProfile,
} from './board-profile.ts';

const tmp = mkdtempSync(join(tmpdir(), 'doorctl-boards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shipped board profiles', () => {
  it('has pi3, pi4 and pi5', () => {
    expect(listBoardProfiles()).toEqual(['pi3', 'pi4', 'pi5']);
  });

  it.each([
    ['pi3', 'pinctrl-bcm2835'],
    ['pi4', 'pinctrl-bcm2711'],
    ['pi5', 'pinctrl-rp1'],
  ])('%s: two full readers, two full doors, tamper, no reserved pin used', (name, label) => {
    const b = loadBoardProfile(name);
    expect(b.pinctrlLabel).toBe(label);
    expect(b.readers.map((r) => r.channel)).toEqual([1, 2]);
    expect(b.readers.every((r) => r.led !== undefined && r.beeper !== undefined)).toBe(true);
    expect(b.doors.map((d) => d.door)).toEqual([1, 2]);
    expect(b.doors.every((d) => d.contact !== undefined && d.rex !== undefined)).toBe(true);
    expect(b.tamper).toBeDefined();
    const pins = boardPins(b).map((p) => p.pin);
    expect(pins).toHaveLength(15);
    expect(new Set(pins).size).toBe(15);
    for (const p of pins) expect(b.reserved[String(p)]).toBeUndefined();
    expect(b.reserved['14']).toMatch(/UART/);
  });
});

describe('board profile validation', () => {
  const valid = (): BoardProfile => structuredClone(loadBoardProfile('pi4'));

  it.each<[string, (b: BoardProfile) => unknown, RegExp]>([
    ['a pin used twice', (b) => ({ ...b, tamper: b.doors[0]!.relay }), /BCM 17 for tamper is already used by door1.relay/],
    ['a reserved pin', (b) => ({ ...b, tamper: 14 }), /BCM 14 for tamper is already used by UART TXD/],
    ['a pin off the header', (b) => ({ ...b, tamper: 30 }), /tamper: not a BCM GPIO/],
    ['an unknown key', (b) => ({ ...b, relays: [] }), /Unrecognized key/i],
    ['an unknown pin controller', (b) => ({ ...b, pinctrlLabel: 'pinctrl-foo' }), /pinctrlLabel/],
    ['duplicate door numbers', (b) => ({ ...b, doors: [b.doors[0], { ...b.doors[1], door: 1 }] }), /duplicate door/],
  ])('rejects %s', (_what, mutate, message) => {
    expect(() => parseBoardProfile(mutate(valid()))).toThrow(message);
  });

  it('maps every header BCM pin to a distinct physical pin', () => {
    const physical = Object.values(HEADER_40_PIN_BCM_TO_PHYSICAL);
    expect(physical).toHaveLength(28);
    expect(new Set(physical).size).toBe(28);
    expect(HEADER_40_PIN_BCM_TO_PHYSICAL[17]).toBe(11);
  });
});

describe('loadBoardProfile', () => {
  it('rejects unknown and path-like names', () => {
    expect(() => loadBoardProfile('pi9')).toThrow(/unknown board "pi9"; available: pi3, pi4, pi5/);
    expect(() => loadBoardProfile('../etc/passwd')).toThrow(BoardProfileError);
  });

  it('loads from another directory and checks the declared name and JSON', () => {
    writeFileSync(join(tmp, 'custom.json'), JSON.stringify({ ...loadBoardProfile('pi4'), name: 'custom' }));
    writeFileSync(join(tmp, 'liar.json'), JSON.stringify(loadBoardProfile('pi4')));
    writeFileSync(join(tmp, 'broken.json'), '{ nope');
    expect(loadBoardProfile('custom', { dir: tmp }).name).toBe('custom');
    expect(() => loadBoardProfile('liar', { dir: tmp })).toThrow(/declares name "pi4"/);
    expect(() => loadBoardProfile('broken', { dir: tmp })).toThrow(BoardProfileError);
  });
});
