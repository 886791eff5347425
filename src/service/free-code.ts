/**
 * A random keypad code not used by any access code or inputCode identifier (one digit space).
 * Called inside the write transaction that stores it, so the check and the insert see the same
 * database.
 */
import { randomInt } from 'node:crypto';
import type { createCodeSpace } from '../storage/code-space.ts';

const ATTEMPTS = 50;

export function generateFreeCode(codeSpace: ReturnType<typeof createCodeSpace>, length: number): string | undefined {
  for (let i = 0; i < ATTEMPTS; i++) {
    const code = String(randomInt(0, 10 ** length)).padStart(length, '0');
    if (!codeSpace.takenByAccessCode(code) && !codeSpace.takenByInputCode(code)) return code;
  }
  return undefined;
}
