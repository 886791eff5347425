/**
 * Seam answers some writes with an "action attempt" that a client may poll until it succeeds.
 * This controller applies every change before it answers, so each attempt is born `success`;
 * the recent ones are kept (in memory, bounded) so that `action_attempts/get` can serve them.
 */
import { randomUUID } from 'node:crypto';

export interface ActionAttempt {
  readonly action_attempt_id: string;
  readonly action_type: string;
  readonly status: 'success';
  readonly result: Record<string, unknown>;
  readonly error: null;
}

export const MAX_KEPT_ATTEMPTS = 1000;

export function createActionAttempts(maxKept = MAX_KEPT_ATTEMPTS) {
  const kept = new Map<string, ActionAttempt>();
  return {
    /** A completed attempt of `actionType`, remembered for `get`. */
    succeeded(actionType: string, result: Record<string, unknown> = {}): ActionAttempt {
      const attempt: ActionAttempt = { action_attempt_id: randomUUID(), action_type: actionType, status: 'success', result, error: null };
      kept.set(attempt.action_attempt_id, attempt);
      // Maps iterate in insertion order: the first key is the oldest.
      if (kept.size > maxKept) kept.delete(kept.keys().next().value!);
      return attempt;
    },
    get: (id: string): ActionAttempt | undefined => kept.get(id),
  };
}

export type ActionAttempts = ReturnType<typeof createActionAttempts>;
