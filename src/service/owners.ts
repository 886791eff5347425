/**
 * Seed 000 names an identifier's owner by `{type, name}`; storage binds identifiers to a user row.
 * Resolution, inside the caller's transaction: the identifier's current owner when the name is
 * unchanged, else the only user with that name, else a new user (its link_id is its uuid). Several
 * users sharing the name cannot be told apart: has_dublicates.
 *
 * `findOwner` only reads and says whether a write is needed, so a batch item whose owner already
 * exists as named can be a single statement without a savepoint of its own. A batch names the same
 * few owners again and again: `createOwnerLookups` remembers the reads for one transaction.
 */
import { randomUUID } from 'node:crypto';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import type { OwnerType, UserRef, UsersRepository } from '../storage/users.ts';

export interface IdentifierOwner {
  readonly type: OwnerType;
  readonly name: string;
}

/** The user as found; `write` says what resolveOwner would still have to write. */
export type OwnerPlan =
  | { readonly write: 'none'; readonly user: UserRef }
  | { readonly write: 'owner_type'; readonly user: UserRef }
  | { readonly write: 'create' };

/** The reads findOwner needs: the user by uuid, and up to two users with a name (none/one/several). */
export interface OwnerSource {
  refOf(uuid: string): UserRef | undefined;
  upToTwoNamed(name: string): readonly UserRef[];
}

export function ownerSource(users: UsersRepository): OwnerSource {
  return { refOf: (uuid) => users.refOf(uuid), upToTwoNamed: (name) => users.refsByName(name, 2) };
}

/**
 * Lookups remembered until `clear()`: valid while nothing else writes users, i.e. inside one
 * transaction between owner writes. Clear after every writeOwner and when the transaction ends.
 */
export function createOwnerLookups(users: UsersRepository): OwnerSource & { clear(): void } {
  const direct = ownerSource(users);
  const byUuid = new Map<string, UserRef | undefined>();
  const byName = new Map<string, readonly UserRef[]>();
  return {
    refOf(uuid) {
      if (!byUuid.has(uuid)) byUuid.set(uuid, direct.refOf(uuid));
      return byUuid.get(uuid);
    },
    upToTwoNamed(name) {
      let refs = byName.get(name);
      if (refs === undefined) byName.set(name, (refs = direct.upToTwoNamed(name)));
      return refs;
    },
    clear() {
      byUuid.clear();
      byName.clear();
    },
  };
}

export function findOwner(users: OwnerSource, owner: IdentifierOwner, currentUserUuid?: string): RepoResult<OwnerPlan> {
  const current = currentUserUuid === undefined ? undefined : users.refOf(currentUserUuid);
  let user = current?.name === owner.name ? current : undefined;
  if (!user) {
    const sameName = users.upToTwoNamed(owner.name);
    if (sameName.length > 1) return failure('has_dublicates', 'identifier_owner.name');
    user = sameName[0];
  }
  if (!user) return success('created', { write: 'create' });
  return success('updated', { write: user.ownerType === owner.type ? 'none' : 'owner_type', user });
}

/** Carries out a plan: the owner's user row, created or its type updated when needed. */
export function writeOwner(users: UsersRepository, owner: IdentifierOwner, plan: OwnerPlan): RepoResult<UserRef> {
  switch (plan.write) {
    case 'none':
      return success('updated', plan.user);
    case 'owner_type':
      return users.update(plan.user.uuid, { ownerType: owner.type });
    case 'create': {
      const uuid = randomUUID();
      return users.create({ uuid, linkId: uuid, name: owner.name, ownerType: owner.type });
    }
  }
}

export function resolveOwner(users: UsersRepository, owner: IdentifierOwner, currentUserUuid?: string): RepoResult<UserRef> {
  const plan = findOwner(ownerSource(users), owner, currentUserUuid);
  return plan.ok ? writeOwner(users, owner, plan.value) : plan;
}
