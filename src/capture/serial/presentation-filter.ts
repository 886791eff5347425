/**
 * One read per presentation: a reader that repeats a card while it stays in the field must not
 * open the door again for each repeat. A repeat of the same card within `holdOffMs` of its last
 * sighting is the same presentation; the window slides, so a card held still stays one read.
 */
import type { Clock } from '../../core/clock.ts';

export class PresentationFilter<K> {
  private last: { key: K; atUs: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly holdOffMs: number,
  ) {}

  /** True when `key` starts a new presentation; false for a repeat. */
  accept(key: K): boolean {
    const nowUs = this.clock.monotonicUs();
    const repeat = this.last !== undefined && this.last.key === key && nowUs - this.last.atUs <= this.holdOffMs * 1000;
    this.last = { key, atUs: nowUs };
    return !repeat;
  }
}
