/** Small shared checks for repository inputs (values the API should already have validated). */
export function isOptionalInt(v: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): boolean {
  return v === null || v === undefined || (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);
}

export function isOptionalText(v: unknown, maxLength: number): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.length <= maxLength);
}

/** `from`/`to` as stored: either open end may be null; a closed window must not run backwards. */
export function isWindowOrdered(from: number | null, to: number | null): boolean {
  return from === null || to === null || from <= to;
}

/** A patch leaves a field unchanged when it is absent or undefined (null clears it). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Page sizes: default 100, never below 1 or above `max`. */
export function clampLimit(limit: number | undefined, max = 1000): number {
  return Math.min(Math.max(Math.trunc(limit ?? 100), 1), max);
}
