/** Builds fake /sys/class/gpio trees in temp dirs for tests (no GPIO hardware on CI). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip {
  readonly base: number;
  readonly label: string;
  readonly ngpio: number;
}

const created: string[] = [];

/** Returns a sysfs root; pass `null` chips to build a root with no class/gpio at all. */
export function makeFakeSysfs(chips: readonly FakeChip[] | null): string {
  const root = mkdtempSync(join(tmpdir(), 'doorctl-sysfs-'));
  created.push(root);
  if (chips === null) return root;
  const dir = join(root, 'class', 'gpio');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'export'), '');
  writeFileSync(join(dir, 'unexport'), '');
  for (const c of chips) {
    const chipDir = join(dir, `gpiochip${c.base}`);
    mkdirSync(chipDir);
    writeFileSync(join(chipDir, 'base'), `${c.base}\n`);
    writeFileSync(join(chipDir, 'label'), `${c.label}\n`);
    writeFileSync(join(chipDir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

/** Chip layouts as seen on real boards (Pi 5 on 6.6+ also lists the SoC's brcmstb chips first). */
export const FAKE_BOARDS = {
  pi3Legacy: [{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }],
  pi4Kernel66: [
    { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
    { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
  ],
  pi5Kernel66: [
    { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
    { base: 544, label: 'gpio-brcmstb@107d508520', ngpio: 4 },
    { base: 548, label: 'gpio-brcmstb@107d517c00', ngpio: 17 },
    { base: 565, label: 'gpio-brcmstb@107d517c20', ngpio: 6 },
    { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
  ],
} as const satisfies Record<string, readonly FakeChip[]>;

/** Removes every tree made by makeFakeSysfs (call from afterAll). */
export function removeFakeSysfsTrees(): void {
  for (const root of created.splice(0)) rmSync(root, { recursive: true, force: true });
}
