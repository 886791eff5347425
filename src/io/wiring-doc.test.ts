/** Keeps hardware/WIRING.md's pin table in step with the shipped board profiles. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boardPins, HEADER_40_PIN_BCM_TO_PHYSICAL, loadBoardProfile } from './board-profile.ts';

const doc = readFileSync(new URL('../../hardware/WIRING.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| BCM (\d+) \| pin (\d+) \| ([\w.]+) \|/gm)].map((m) => ({
  bcm: Number(m[1]),
  physical: Number(m[2]),
  role: m[3],
}));

describe('hardware/WIRING.md pin table', () => {
  it.each(['pi3', 'pi4', 'pi5'])('lists exactly the pins of %s with correct header positions', (name) => {
    const expected = boardPins(loadBoardProfile(name))
      .map((p) => ({ bcm: p.pin, physical: HEADER_40_PIN_BCM_TO_PHYSICAL[p.pin], role: p.role }))
      .sort((a, b) => a.role.localeCompare(b.role));
    expect([...rows].sort((a, b) => (a.role ?? '').localeCompare(b.role ?? ''))).toEqual(expected);
  });
});
