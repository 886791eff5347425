/**
 * Users (seed 002): batch create-or-update keyed by link_id (else by name), per-item results with
 * has_dublicates; single-user operations by link_id. The server assigns a link_id (the user's
 * uuid) whenever the client gives none, so every user the API creates can be addressed.
 * Every committed change is journaled (admin-journal.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Db } from '../storage/database.ts';
import type { IdentifiersRepository } from '../storage/identifiers.ts';
import { failure, success, type RepoResult, type ResultCode } from '../storage/result-codes.ts';
import type { OwnerType, UpsertedUser, UserRow, UsersRepository } from '../storage/users.ts';
import { createAdminJournal, type AdminChange } from './admin-journal.ts';
import type { JournalSink, Principal } from './auth.ts';
import { runInChunks, runOne, type ChunkOptions } from './chunked-batch.ts';
import type { IndexSync } from './index-sync.ts';
import { resultCode, type Page } from './identifiers.ts';

export interface UserFields {
  readonly name: string;
  readonly type?: OwnerType;
  readonly phone?: string | null;
  readonly first_name?: string | null;
  readonly last_name?: string | null;
}

export interface UserBatchItem extends UserFields {
  readonly link_id?: string;
}

export type UserPatch = Partial<UserFields>;

export interface UserItemResult {
  readonly link_id: string | null;
  readonly success: boolean;
  readonly extended_info: ResultCode;
  readonly has_dublicates: boolean;
}

export interface UserView {
  readonly link_id: string | null;
  readonly name: string;
  readonly type: OwnerType;
  readonly phone: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
  /** Unix seconds. */
  readonly created_at: number;
  readonly updated_at: number;
}

export interface UsersServiceDeps {
  readonly db: Db;
  readonly users: UsersRepository;
  readonly identifiers: IdentifiersRepository;
  readonly indexSync: IndexSync;
  readonly clock: Clock;
  /** Where admin changes are journaled (the daemon's batching journal writer). */
  readonly journal: JournalSink;
  readonly chunk?: Omit<ChunkOptions, 'clock'>;
}

export function userView(u: UserRow): UserView {
  return {
    link_id: u.linkId,
    name: u.name,
    type: u.ownerType,
    phone: u.phone,
    first_name: u.firstName,
    last_name: u.lastName,
    created_at: Math.floor(u.createdAt / 1000),
    updated_at: Math.floor(u.updatedAt / 1000),
  };
}

function repoFields(f: UserPatch) {
  return { name: f.name, ownerType: f.type, phone: f.phone, firstName: f.first_name, lastName: f.last_name };
}

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService(deps: UsersServiceDeps) {
  const { db, users, identifiers, indexSync, clock } = deps;
  const adminJournal = createAdminJournal(deps.journal, clock);
  const userChange = (u: UserRow, action: AdminChange['action']): AdminChange => ({ entity: 'user', id: u.linkId ?? u.uuid, action });

  /**
   * Seed 002 for one item (its own savepoint): the user with this link_id, else the only user
   * with this name, is updated (fields absent from the item are kept, and so is an existing
   * link_id: it is the server's); otherwise a user is created with the item's link_id or a new one.
   */
  function upsertOne(item: UserBatchItem): RepoResult<UpsertedUser> {
    return db.attempt(() => {
      let target = item.link_id === undefined ? undefined : users.findByLinkId(item.link_id);
      if (!target) {
        const sameName = users.findByName(item.name);
        if (sameName.length > 1) return failure('has_dublicates', 'name');
        target = sameName[0];
      }
      const fields = repoFields(item);
      let r: RepoResult<UserRow>;
      if (target) {
        r = users.update(target.uuid, { ...fields, linkId: target.linkId ?? item.link_id ?? target.uuid });
      } else {
        const uuid = randomUUID();
        r = users.create({ ...fields, name: item.name, ownerType: item.type ?? 'owner', uuid, linkId: item.link_id ?? uuid });
      }
      if (!r.ok) return r;
      return success(r.code, { user: r.value, hasDuplicates: users.countByName(r.value.name) > 1 });
    });
  }

  function byLinkId(linkId: string): UserRow | undefined {
    return users.findByLinkId(linkId);
  }

  return {
    async upsertBatch(items: readonly UserBatchItem[], caller?: Principal): Promise<UserItemResult[]> {
      return runInChunks(
        db,
        items,
        (item, _i, afterCommit) => {
          const r = upsertOne(item);
          const code = resultCode(r);
          if (r.ok) afterCommit(() => adminJournal(userChange(r.value.user, r.code === 'created' ? 'created' : 'updated'), caller));
          return r.ok
            ? { link_id: r.value.user.linkId, success: true, extended_info: code, has_dublicates: r.value.hasDuplicates }
            : {
                link_id: item.link_id ?? null,
                success: false,
                extended_info: code,
                has_dublicates: code === 'has_dublicates' && r.detail === 'name',
              };
        },
        { clock, ...deps.chunk },
      );
    },

    get(linkId: string): UserView | undefined {
      const u = byLinkId(linkId);
      return u ? userView(u) : undefined;
    },

    patch(linkId: string, patch: UserPatch, caller?: Principal): RepoResult<UserView> {
      const u = byLinkId(linkId);
      if (!u) return failure('entity_not_found', 'user');
      const r = users.update(u.uuid, repoFields(patch));
      resultCode(r);
      if (!r.ok) return r;
      // Committed on return (its own transaction). The owner's name is not in the credential index.
      adminJournal(userChange(r.value, 'updated'), caller);
      return success(r.code, userView(r.value));
    },

    /**
     * Deleting a user deletes their identifiers (storage cascades); the index follows after commit,
     * and the journal records the user's deletion and each identifier's, so an identifier's history
     * does not end without a reason.
     */
    remove(linkId: string, caller?: Principal): RepoResult<{ link_id: string }> {
      return runOne(db, (afterCommit) => {
        const u = byLinkId(linkId);
        if (!u) return failure('entity_not_found', 'user');
        const owned = identifiers.listByUser(u.uuid).map((i) => ({ uid: i.uid, id: indexSync.idOf(i.uid) }));
        const r = users.delete(u.uuid);
        if (r.ok) {
          afterCommit(() => {
            adminJournal(userChange(u, 'deleted'), caller);
            for (const { uid, id } of owned) {
              if (id !== undefined) indexSync.removed(id);
              adminJournal({ entity: 'identifier', id: uid, action: 'deleted', extra: { with_user: linkId } }, caller);
            }
          });
        }
        return r.ok ? success(r.code, { link_id: linkId }) : r;
      });
    },

    list(q: { after?: string; limit?: number }): Page<UserView> {
      const limit = q.limit ?? 100;
      const rows = users.list({ after: q.after, limit });
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return { items: rows.map(userView), next_after: last?.uuid ?? null };
    },
  };

}
