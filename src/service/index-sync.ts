/**
 * Keeps the in-memory credential index in step with committed storage.
 *
 * The index addresses records by a safe integer; identifiers are keyed by a text uid in SQLite.
 * The bridge is the identifiers table's rowid (and the rowids of the owner and time profile for
 * the index's ownerId/timeProfileId): stable for a row's life, free to look up, no extra memory.
 * The start-up load (`loadAll`) and every later change go through this one module so the two
 * can never disagree about ids. Calls happen only after the write transaction has committed.
 */
import type { Logger } from '../core/logger.ts';
import type { BulkLoadResult, CredentialIndex, IdentifierRow as IndexRow } from '../access/credential-index.ts';
import type { IdentifierType } from '../access/identifier-key.ts';
import type { LockScope } from '../access/lock-scope.ts';
import type { Db } from '../storage/database.ts';
import { valueFromStored } from '../storage/number-key.ts';

interface JoinedRow {
  id: number;
  type: IdentifierType;
  number: string;
  lock: LockScope;
  valid_from: number | null;
  valid_to: number | null;
  max_passes: number | null;
  passes_used: number;
  enabled: 0 | 1;
  has_pin: 0 | 1;
  owner_id: number;
  profile_id: number | null;
}

const SELECT = `SELECT i.rowid AS id, i.type, i.number, i.lock, i.valid_from, i.valid_to, i.max_passes, i.passes_used,
  i.enabled, i.pin_hash IS NOT NULL AS has_pin, u.rowid AS owner_id, tp.rowid AS profile_id
  FROM identifiers i JOIN users u ON u.uuid = i.user_uuid LEFT JOIN time_profiles tp ON tp.id = i.time_profile_id`;

/** Storage validity is in Unix seconds; the index takes wall-clock ms. */
function toIndexRow(r: JoinedRow): IndexRow {
  return {
    id: r.id,
    type: r.type,
    value: valueFromStored(r.type, r.number),
    lock: r.lock,
    validFrom: r.valid_from === null ? null : r.valid_from * 1000,
    validTo: r.valid_to === null ? null : r.valid_to * 1000,
    maxPasses: r.max_passes,
    passesUsed: r.passes_used,
    enabled: r.enabled === 1,
    hasPin: r.has_pin === 1,
    ownerId: r.owner_id,
    timeProfileId: r.profile_id,
  };
}

export interface IndexSync {
  /** The index id of an identifier; read it inside the transaction that is about to delete it. */
  idOf(uid: string): number | undefined;
  /** The uid behind an index id (for the journal of an access decision). */
  uidOf(id: number): string | undefined;
  /** After commit: re-read the identifier and put it into the index (insert or replace). */
  saved(uid: string): void;
  /** After commit: the identifier with this index id is gone. */
  removed(id: number): void;
  /** Start-up or restore: replace the index content with every stored identifier. */
  loadAll(): BulkLoadResult;
}

export function createIndexSync(db: Db, index: CredentialIndex, logger: Logger): IndexSync {
  const s = db.sqlite;
  const idByUid = s.prepare<[string], { id: number }>('SELECT rowid AS id FROM identifiers WHERE uid = ?');
  const uidById = s.prepare<[number], { uid: string }>('SELECT uid FROM identifiers WHERE rowid = ?');
  const one = s.prepare<[string], JoinedRow>(`${SELECT} WHERE i.uid = ?`);
  const all = s.prepare<[], JoinedRow>(SELECT);
  const counts = s.prepare<[], { type: IdentifierType; n: number }>('SELECT type, n FROM identifier_counts');

  return {
    idOf: (uid) => idByUid.get(uid)?.id,
    uidOf: (id) => uidById.get(id)?.uid,
    saved(uid) {
      const row = one.get(uid);
      if (!row) return;
      const r = index.upsert(toIndexRow(row));
      // A refusal means index and storage disagree; the next loadAll repairs it.
      if (!r.ok) logger.warn({ uid, reason: r.reason }, 'credential index refused a committed identifier');
    },
    removed(id) {
      index.remove(id);
    },
    loadAll() {
      const rows = (function* () {
        for (const r of all.iterate()) yield toIndexRow(r);
      })();
      const expected = Object.fromEntries(counts.all().map((c) => [c.type, c.n]));
      const result = index.loadBulk(rows, expected);
      if (result.rejected.length > 0) {
        logger.warn({ rejected: result.rejected.length }, 'credential index rejected stored identifiers');
      }
      return result;
    },
  };
}
