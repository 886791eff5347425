/**
 * Parses gpiomon's stdout (see gpiomon-syntax.ts for the two dialects) into edge events. Pure and
 * incremental: chunks from a pipe may end mid-line. Lines that are not events are counted and
 * skipped, never thrown.
 */
import type { GpiomonDialect } from './gpiomon-syntax.ts';

export interface GpiomonEvent {
  readonly offset: number;
  readonly edge: 'falling' | 'rising';
  /** Kernel timestamp in µs. */
  readonly timeUs: number;
}

const V1_LINE = /^(\d{1,4}) ([01]) (\d{1,12}) (\d{1,9})$/;
const V2_LINE = /^(\d{1,4}) (falling|rising) (\d{1,12})\.(\d{9})$/;

function toUs(sec: string, nsec: string): number | null {
  const us = Number(sec) * 1_000_000 + Math.floor(Number(nsec) / 1000);
  return Number.isSafeInteger(us) ? us : null;
}

/** Parses one output line of the given dialect; null when it is not an event line. */
export function parseGpiomonLine(dialect: GpiomonDialect, line: string): GpiomonEvent | null {
  const m = (dialect === 'v1' ? V1_LINE : V2_LINE).exec(line.trim());
  if (m === null) return null;
  const timeUs = toUs(m[3]!, m[4]!);
  if (timeUs === null) return null;
  const edge = dialect === 'v1' ? (m[2] === '0' ? 'falling' : 'rising') : (m[2] as GpiomonEvent['edge']);
  return { offset: Number(m[1]), edge, timeUs };
}

/** An event line is under 40 characters; anything far longer is garbage and is not buffered. */
const MAX_LINE_CHARS = 256;

export class GpiomonOutputParser {
  private partial = '';
  private malformedCount = 0;

  constructor(private readonly dialect: GpiomonDialect) {}

  /** Lines seen that were not events (including over-long ones). */
  get malformed(): number {
    return this.malformedCount;
  }

  /** Feeds a chunk of stdout; returns the events completed by it, in order. */
  push(chunk: string): GpiomonEvent[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    if (this.partial.length > MAX_LINE_CHARS) {
      this.malformedCount++;
      this.partial = '';
    }
    const events: GpiomonEvent[] = [];
    for (const line of parts) {
      if (line.trim() === '') continue;
      const ev = line.length <= MAX_LINE_CHARS ? parseGpiomonLine(this.dialect, line) : null;
      if (ev === null) this.malformedCount++;
      else events.push(ev);
    }
    return events;
  }

  /** Starts afresh (a new child process): a half line from the old one is dropped. */
  reset(): void {
    this.partial = '';
  }
}
