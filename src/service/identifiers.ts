/**
 * Identifier operations (seed 000 and the BAS-IP item routes), independent of HTTP.
 *
 * Numbers arrive as text in the representation mode in force and are all parsed before any write
 * (a bad one raises InvalidInputError: nothing is written). Business failures are per item, as
 * result codes. Every item is its own savepoint inside chunk transactions (chunked-batch.ts), or a
 * single statement when that is all it writes; the credential index is updated and the change
 * journaled (admin-journal.ts) after the commit.
 */
import type { IdentifierType, IdentifierValue } from '../access/identifier-key.ts';
import type { LockScope } from '../access/lock-scope.ts';
import type { Clock } from '../core/clock.ts';
import type { IdentifierIndexEntry } from '../storage/identifier-index-reader.ts';
import type { Db } from '../storage/database.ts';
import type {
  IdentifierPatch as RepoPatch,
  IdentifierRef,
  IdentifierRow,
  IdentifierSettingsWrite,
  IdentifiersRepository,
} from '../storage/identifiers.ts';
import { failure, success, type RepoResult, type ResultCode } from '../storage/result-codes.ts';
import type { OwnerType, UserRef, UsersRepository } from '../storage/users.ts';
import type { RepresentationMode } from '../wiegand/credential-number.ts';
import { createAdminJournal, type AdminAction } from './admin-journal.ts';
import type { JournalSink, Principal } from './auth.ts';
import { mapInSlices, runInChunks, runOne, type AfterCommit, type ChunkOptions } from './chunked-batch.ts';
import { formatIdentifierNumber, parseIdentifierNumber } from './identifier-number.ts';
import type { IndexSync } from './index-sync.ts';
import { InvalidInputError } from './invalid-input.ts';
import { createOwnerLookups, findOwner, resolveOwner, writeOwner, type IdentifierOwner, type OwnerSource } from './owners.ts';

export type TimeRule = { readonly is_permanent: true } | { readonly is_permanent: false; readonly from: number; readonly to: number };
export type PassRule = { readonly is_permanent: true } | { readonly is_permanent: false; readonly max_passes: number };

export interface Validity {
  readonly time: TimeRule;
  readonly passes: PassRule;
}

/** The settings every full update or creation carries (seed 000 required fields). */
export interface IdentifierSettings {
  readonly identifier_owner: IdentifierOwner;
  readonly lock: LockScope;
  readonly valid: Validity;
}

export type NumberText = string | number;

export interface IdentifierUpdate extends IdentifierSettings {
  /** Only to change the type. */
  readonly identifier_type?: IdentifierType;
}

export interface IdentifierBatchItem extends IdentifierUpdate {
  readonly identifier_number: NumberText;
}

export interface IdentifierCreate extends IdentifierSettings {
  readonly identifier_type: IdentifierType;
  readonly identifier_number: NumberText;
}

export interface IdentifierPatch {
  readonly identifier_type?: IdentifierType;
  readonly identifier_number?: NumberText;
  readonly identifier_owner?: IdentifierOwner;
  readonly lock?: LockScope;
  readonly valid?: Validity;
}

export interface IdentifierItemResult {
  readonly identifier_type: IdentifierType;
  readonly identifier_number: string;
  readonly success: boolean;
  readonly extended_info: ResultCode;
}

export interface IdentifierView {
  readonly uid: string;
  readonly identifier_type: IdentifierType;
  readonly identifier_number: string;
  readonly identifier_owner: { readonly type: OwnerType; readonly name: string; readonly link_id: string | null };
  readonly lock: LockScope;
  readonly valid: Validity;
  readonly passes_used: number;
  /** Unix seconds. */
  readonly created_at: number;
  readonly updated_at: number;
  readonly last_used_at: number | null;
}

export interface IdentifierListQuery {
  readonly type?: IdentifierType;
  /** Only identifiers of the user with this link_id. */
  readonly link_id?: string;
  readonly after?: string;
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next_after: string | null;
}

export interface IdentifiersServiceDeps {
  readonly db: Db;
  readonly identifiers: IdentifiersRepository;
  readonly users: UsersRepository;
  /** What the service tells the credential index (the batch worker records it for the main thread instead). */
  readonly indexSync: Pick<IndexSync, 'idOf' | 'saved' | 'savedEntry' | 'removed'>;
  readonly clock: Clock;
  readonly mode: () => RepresentationMode;
  /** Where admin changes are journaled (the daemon's batching journal writer). */
  readonly journal: JournalSink;
  readonly chunk?: Omit<ChunkOptions, 'clock'>;
  /**
   * Whether another connection may have written since the last call (SQLite's data_version);
   * without it, owners read in one batch chunk are read again in the next.
   */
  readonly othersWrote?: () => boolean;
}

type Path = readonly PropertyKey[];

/** A request item with its numbers already parsed. */
interface Prepared<T> {
  readonly item: T;
  readonly type: IdentifierType;
  readonly value: IdentifierValue;
  /** Canonical text of the addressed number, for the result. */
  readonly text: string;
  /** The number under the new type when identifier_type changes it. */
  readonly newValue?: IdentifierValue;
}

const toSeconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The result code of a write. `invalid_input` means storage refused a value the request schemas
 * should already have refused: a bug, not a client error, so it is not dressed up as a result code.
 */
export function resultCode(r: RepoResult<unknown>): ResultCode {
  if (r.code === 'invalid_input') throw new Error(`storage refused a validated value (${r.ok ? '' : (r.detail ?? '')})`);
  return r.code;
}

/** Seed 000 rules → storage columns, or invalid_time_rules_settings. */
function validityColumns(valid: Validity): RepoResult<Pick<RepoPatch, 'validFrom' | 'validTo' | 'maxPasses'>> {
  const t = valid.time;
  const p = valid.passes;
  if (!t.is_permanent && !(t.from < t.to)) return failure('invalid_time_rules_settings', 'valid.time: from must be before to');
  if (!p.is_permanent && !(p.max_passes >= 1)) return failure('invalid_time_rules_settings', 'valid.passes: max_passes must be at least 1');
  return success('updated', {
    validFrom: t.is_permanent ? null : t.from,
    validTo: t.is_permanent ? null : t.to,
    maxPasses: p.is_permanent ? null : p.max_passes,
  });
}

function validityOf(row: IdentifierRow): Validity {
  return {
    time: row.validFrom === null && row.validTo === null
      ? { is_permanent: true }
      : { is_permanent: false, from: row.validFrom ?? 0, to: row.validTo ?? Number.MAX_SAFE_INTEGER },
    passes: row.maxPasses === null ? { is_permanent: true } : { is_permanent: false, max_passes: row.maxPasses },
  };
}

export type IdentifiersService = ReturnType<typeof createIdentifiersService>;

export function createIdentifiersService(deps: IdentifiersServiceDeps) {
  const { db, identifiers, users, indexSync, clock } = deps;
  const chunkOptions: ChunkOptions = { clock, ...deps.chunk };
  const adminJournal = createAdminJournal(deps.journal, clock);

  /** After the commit: the index learns the change, then the journal records it. */
  function committed(afterCommit: AfterCommit, uid: string, action: AdminAction, caller: Principal | undefined, index: () => void): void {
    afterCommit(() => {
      index();
      adminJournal({ entity: 'identifier', id: uid, action }, caller);
    });
  }

  function parse(type: IdentifierType, input: NumberText, location: 'body' | 'query', path: Path): { value: IdentifierValue; text: string } {
    const r = parseIdentifierNumber(type, input, deps.mode());
    if (!r.ok) throw new InvalidInputError(location, path, r.reason);
    return { value: r.value, text: canonicalText(type, r.value) };
  }

  function canonicalText(type: IdentifierType, value: IdentifierValue): string {
    return typeof value === 'bigint' ? formatIdentifierNumber(type, value.toString(10), deps.mode()) : String(value);
  }

  /** Parses the addressed number and, for a type change, the same text under the new type. */
  function prepare<T extends { identifier_type?: IdentifierType }>(
    type: IdentifierType,
    item: T,
    number: NumberText,
    location: 'body' | 'query',
    path: Path,
  ): Prepared<T> {
    const { value, text } = parse(type, number, location, path);
    const newType = item.identifier_type;
    if (newType === undefined || newType === type || newType === 'face_id') return { item, type, value, text };
    const newValue = parse(newType, number, location, path).value;
    return { item, type, value, text, newValue };
  }

  function view(row: IdentifierRow): IdentifierView {
    const owner = users.get(row.userUuid);
    return {
      uid: row.uid,
      identifier_type: row.type,
      identifier_number: formatIdentifierNumber(row.type, row.number, deps.mode()),
      identifier_owner: { type: owner?.ownerType ?? 'owner', name: owner?.name ?? '', link_id: owner?.linkId ?? null },
      lock: row.lock,
      valid: validityOf(row),
      passes_used: row.passesUsed,
      created_at: toSeconds(row.createdAt),
      updated_at: toSeconds(row.updatedAt),
      last_used_at: row.lastUsedAt === null ? null : toSeconds(row.lastUsedAt),
    };
  }

  function itemResult(p: Prepared<unknown>, r: RepoResult<unknown>): IdentifierItemResult {
    return { identifier_type: p.type, identifier_number: p.text, success: r.ok, extended_info: resultCode(r) };
  }

  /**
   * Full update of one existing identifier. Keeping type and number, the identifier is one UPDATE
   * (returning its index entry), in a savepoint only with the owner write it may need; a type
   * change goes through the repository's full checks (number taken, code space, capacity).
   */
  function applyUpdate(
    p: Prepared<IdentifierUpdate>,
    afterCommit: AfterCommit,
    caller: Principal | undefined,
    owners: OwnerSource & { clear(): void } = createOwnerLookups(users),
  ): RepoResult<unknown> {
    const { item } = p;
    if (item.identifier_type === 'face_id' && p.type !== 'face_id') return failure('face_id_not_supported');
    const current = identifiers.locate(p.type, p.value);
    if (!current) return failure('entity_not_found', 'identifier');
    const validity = validityColumns(item.valid);
    if (!validity.ok) return validity;
    if (p.newValue !== undefined) {
      const retyped = db.attempt(() => {
        const owner = resolveOwner(users, item.identifier_owner, current.userUuid);
        if (!owner.ok) return owner;
        const patch = { type: item.identifier_type!, number: p.newValue!, ...validity.value, lock: item.lock, userUuid: owner.value.uuid };
        return identifiers.update(current.uid, patch);
      });
      if (retyped.ok) committed(afterCommit, current.uid, 'updated', caller, () => indexSync.saved(current.uid));
      return retyped;
    }
    const plan = findOwner(owners, item.identifier_owner, current.userUuid);
    if (!plan.ok) return plan;
    const { validFrom = null, validTo = null, maxPasses = null } = validity.value;
    const settings = { lock: item.lock, validFrom, validTo, maxPasses };
    // One UPDATE is atomic on its own; with an owner to write too, both share a savepoint.
    const known = plan.value.write === 'none' ? plan.value.user : undefined;
    const result: RepoResult<IdentifierIndexEntry> = known
      ? identifiers.writeSettings(current, ownerChange(current, known, settings))
      : db.attempt(() => {
          owners.clear();
          const owner = writeOwner(users, item.identifier_owner, plan.value);
          if (!owner.ok) return owner;
          return identifiers.writeSettings(current, ownerChange(current, owner.value, settings));
        });
    if (result.ok) committed(afterCommit, current.uid, 'updated', caller, () => indexSync.savedEntry(result.value));
    return result;
  }

  /** The settings to write, naming the owner only when it changes (spares the foreign-key check). */
  function ownerChange(current: IdentifierRef, owner: UserRef, settings: Omit<IdentifierSettingsWrite, 'userUuid'>): IdentifierSettingsWrite {
    return owner.uuid === current.userUuid ? settings : { ...settings, userUuid: owner.uuid };
  }

  function applyDelete(uid: string, afterCommit: AfterCommit, caller: Principal | undefined): RepoResult<{ uid: string }> {
    const id = indexSync.idOf(uid);
    const result = identifiers.delete(uid);
    if (result.ok) committed(afterCommit, uid, 'deleted', caller, () => id !== undefined && indexSync.removed(id));
    return result;
  }

  function applyDeleteByNumber(p: Prepared<unknown>, afterCommit: AfterCommit, caller: Principal | undefined): RepoResult<{ uid: string }> {
    const current = identifiers.locate(p.type, p.value);
    return current ? applyDelete(current.uid, afterCommit, caller) : failure('entity_not_found', 'identifier');
  }

  function applyPatch(uid: string, patch: IdentifierPatch, afterCommit: AfterCommit, caller: Principal | undefined): RepoResult<IdentifierRow> {
    const current = identifiers.get(uid);
    if (!current) return failure('entity_not_found', 'identifier');
    const type = patch.identifier_type ?? current.type;
    if (type === 'face_id' && current.type !== 'face_id') return failure('face_id_not_supported');
    let number: IdentifierValue | undefined;
    if (patch.identifier_number !== undefined) number = parse(type, patch.identifier_number, 'body', ['identifier_number']).value;
    else if (type !== current.type) {
      const text = formatIdentifierNumber(current.type, current.number, deps.mode());
      number = parse(type, text, 'body', ['identifier_type']).value;
    }
    const result = db.attempt(() => {
      let validity: Pick<RepoPatch, 'validFrom' | 'validTo' | 'maxPasses'> = {};
      if (patch.valid) {
        const v = validityColumns(patch.valid);
        if (!v.ok) return v;
        validity = v.value;
      }
      let userUuid: string | undefined;
      if (patch.identifier_owner) {
        const owner = resolveOwner(users, patch.identifier_owner, current.userUuid);
        if (!owner.ok) return owner;
        userUuid = owner.value.uuid;
      }
      const retype = number === undefined ? {} : { type, number };
      return identifiers.update(uid, { ...retype, ...validity, lock: patch.lock, userUuid });
    });
    if (result.ok) committed(afterCommit, uid, 'updated', caller, () => indexSync.saved(uid));
    return result;
  }

  function create(input: IdentifierCreate, caller?: Principal): RepoResult<IdentifierView> {
    const { value } = parse(input.identifier_type, input.identifier_number, 'body', ['identifier_number']);
    if (input.identifier_type === 'face_id') return failure('face_id_not_supported');
    const result = runOne(db, (afterCommit) => {
      const r = db.attempt(() => {
        const validity = validityColumns(input.valid);
        if (!validity.ok) return validity;
        const owner = resolveOwner(users, input.identifier_owner);
        if (!owner.ok) return owner;
        return identifiers.create({
          type: input.identifier_type,
          number: value,
          userUuid: owner.value.uuid,
          lock: input.lock,
          ...validity.value,
        });
      });
      if (r.ok) committed(afterCommit, r.value.uid, 'created', caller, () => indexSync.saved(r.value.uid));
      return r;
    });
    return result.ok ? success(result.code, view(result.value)) : result;
  }

  return {
    /** Seed 000 single mode: the number comes from the query; the body's identifier_number is ignored. */
    updateOne(type: IdentifierType, number: NumberText, update: IdentifierUpdate, caller?: Principal): IdentifierItemResult {
      const p = prepare(type, update, number, 'query', ['number']);
      return itemResult(p, runOne(db, (afterCommit) => applyUpdate(p, afterCommit, caller)));
    },

    /** Seed 000 batch mode: one result per item, in order; partial success. */
    async updateBatch(type: IdentifierType, items: readonly IdentifierBatchItem[], caller?: Principal): Promise<IdentifierItemResult[]> {
      const prepared = await mapInSlices(items, (item, i) =>
        prepare(type, item, item.identifier_number, 'body', ['list_items', i, 'identifier_number']),
      );
      // Owners read once per chunk transaction: a batch names the same few owners again and again.
      const owners = createOwnerLookups(users);
      return runInChunks(db, prepared, (p, _i, afterCommit) => itemResult(p, applyUpdate(p, afterCommit, caller, owners)), {
        ...chunkOptions,
        onChunkStart: () => {
          if (deps.othersWrote?.() ?? true) owners.clear();
        },
      });
    },

    deleteOne(type: IdentifierType, number: NumberText, caller?: Principal): IdentifierItemResult {
      const p = prepare(type, {}, number, 'query', ['number']);
      return itemResult(p, runOne(db, (afterCommit) => applyDeleteByNumber(p, afterCommit, caller)));
    },

    async deleteBatch(type: IdentifierType, numbers: readonly NumberText[], caller?: Principal): Promise<IdentifierItemResult[]> {
      const prepared = await mapInSlices(numbers, (n, i) => prepare(type, {}, n, 'body', ['list_items', i, 'identifier_number']));
      return runInChunks(db, prepared, (p, _i, afterCommit) => itemResult(p, applyDeleteByNumber(p, afterCommit, caller)), chunkOptions);
    },

    create,

    get(uid: string): IdentifierView | undefined {
      const row = identifiers.get(uid);
      return row ? view(row) : undefined;
    },

    patch(uid: string, patch: IdentifierPatch, caller?: Principal): RepoResult<IdentifierView> {
      const r = runOne(db, (afterCommit) => applyPatch(uid, patch, afterCommit, caller));
      return r.ok ? success(r.code, view(r.value)) : r;
    },

    remove(uid: string, caller?: Principal): RepoResult<{ uid: string }> {
      return runOne(db, (afterCommit) => applyDelete(uid, afterCommit, caller));
    },

    resetPasses(uid: string, caller?: Principal): RepoResult<IdentifierView> {
      const r = runOne(db, (afterCommit) => {
        const result = identifiers.update(uid, { resetPasses: true });
        if (result.ok) committed(afterCommit, uid, 'passes_reset', caller, () => indexSync.saved(uid));
        return result;
      });
      return r.ok ? success(r.code, view(r.value)) : r;
    },

    list(q: IdentifierListQuery): RepoResult<Page<IdentifierView>> {
      const limit = q.limit ?? 100;
      let rows: IdentifierRow[];
      if (q.link_id !== undefined) {
        const user = users.findByLinkId(q.link_id);
        if (!user) return failure('entity_not_found', 'user');
        rows = identifiers
          .listByUser(user.uuid)
          .filter((r) => (q.type === undefined || r.type === q.type) && r.uid > (q.after ?? ''))
          .sort((a, b) => (a.uid < b.uid ? -1 : 1))
          .slice(0, limit);
      } else {
        rows = identifiers.list({ type: q.type, after: q.after, limit });
      }
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return success('updated', { items: rows.map(view), next_after: last?.uid ?? null });
    },
  };
}
