/**
 * The libgpiod tools (gpioset, gpiomon, ...) changed their command-line syntax between 1.x and
 * 2.x; both the relay port and the Wiegand capture read `--version` to pick the dialect. A major
 * version we do not know is unsupported rather than guessed.
 */
export interface LibgpiodVersion {
  readonly major: 1 | 2;
  /** e.g. "1.6.3". */
  readonly version: string;
}

/** "gpiomon (libgpiod) v1.6.3" → { major: 1, version: "1.6.3" }; null when unrecognised. */
export function parseLibgpiodVersion(text: string): LibgpiodVersion | null {
  const m = /\bv(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null) return null;
  const major = Number(m[1]);
  return major === 1 || major === 2 ? { major, version: m[0].slice(1) } : null;
}
