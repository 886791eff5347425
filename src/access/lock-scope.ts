/**
 * Which doors an identifier opens (seed 000 `lock`): first = door/relay 1, second = door/relay 2,
 * all = both. Stored as a bit mask, bit (n-1) for door n, so the rules engine intersects it with a
 * reader's doors in one AND.
 */
export const LOCK_SCOPES = {
  first: 0b01,
  second: 0b10,
  all: 0b11,
} as const;

export type LockScope = keyof typeof LOCK_SCOPES;

export const LOCK_SCOPE_NAMES = Object.keys(LOCK_SCOPES) as LockScope[];

export function isLockScope(s: string): s is LockScope {
  return Object.hasOwn(LOCK_SCOPES, s);
}

export function lockScopeOfMask(mask: number): LockScope | undefined {
  return LOCK_SCOPE_NAMES.find((s) => LOCK_SCOPES[s] === mask);
}

/** Door numbers (1-based) in a mask, ascending. */
export function doorsOfMask(mask: number): number[] {
  const doors: number[] = [];
  for (let door = 1; mask >> (door - 1) !== 0; door++) if (mask & (1 << (door - 1))) doors.push(door);
  return doors;
}

/** Mask of a list of door numbers; doors outside 1..30 are ignored. */
export function maskOfDoors(doors: readonly number[]): number {
  let mask = 0;
  for (const d of doors) if (Number.isInteger(d) && d >= 1 && d <= 30) mask |= 1 << (d - 1);
  return mask;
}
