/**
 * Audit trail of administrative changes to identifiers and users: one `admin_change` journal event
 * per committed change, appended after the commit (a rolled-back item leaves no trace). The sink is
 * the daemon's journal writer, which only queues in memory and writes batches later, so journaling
 * adds no SQLite write to the request path.
 *
 * One event per item, batches included: the journal is queried by identifier (`identifierUid` is
 * indexed), and "who changed this card, when" must find the batch change too. A batch summary
 * with the ids in `details` would save rows but not be findable that way.
 *
 * Details name the entity, its id, the action and the caller: never a PIN, password or the number
 * itself (an inputCode identifier's number is a keypad code).
 */
import type { Clock } from '../core/clock.ts';
import type { JournalSink, Principal } from './auth.ts';

export const ADMIN_CHANGE = 'admin_change';

export type AdminEntity = 'identifier' | 'user';
export type AdminAction = 'created' | 'updated' | 'deleted' | 'passes_reset';

export interface AdminChange {
  readonly entity: AdminEntity;
  /** Identifier uid, or the user's link_id. */
  readonly id: string;
  readonly action: AdminAction;
  /** Extra facts that are not secret, e.g. the identifier type or `batch: true`. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export type AdminJournal = (change: AdminChange, caller: Principal | undefined) => void;

export function createAdminJournal(journal: JournalSink, clock: Clock): AdminJournal {
  return (change, caller) => {
    journal.append({
      ts: clock.now(),
      type: ADMIN_CHANGE,
      identifierUid: change.entity === 'identifier' ? change.id : null,
      details: {
        entity: change.entity,
        id: change.id,
        action: change.action,
        ...change.extra,
        ...(caller ? { caller: caller.name, caller_kind: caller.kind, role: caller.role } : {}),
      },
    });
  };
}
