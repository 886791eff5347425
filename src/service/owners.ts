/**
 * Seed 000 names an identifier's owner by `{type, name}`; storage binds identifiers to a user row.
 * Resolution, inside the caller's transaction: the identifier's current owner when the name is
 * unchanged, else the only user with that name, else a new user (its link_id is its uuid). Several
 * users sharing the name cannot be told apart: has_dublicates.
 */
import { randomUUID } from 'node:crypto';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import type { OwnerType, UserRow, UsersRepository } from '../storage/users.ts';

export interface IdentifierOwner {
  readonly type: OwnerType;
  readonly name: string;
}

export function resolveOwner(users: UsersRepository, owner: IdentifierOwner, currentUserUuid?: string): RepoResult<UserRow> {
  const current = currentUserUuid === undefined ? undefined : users.get(currentUserUuid);
  let user = current?.name === owner.name ? current : undefined;
  if (!user) {
    const sameName = users.findByName(owner.name);
    if (sameName.length > 1) return failure('has_dublicates', 'identifier_owner.name');
    user = sameName[0];
  }
  if (!user) {
    const uuid = randomUUID();
    return users.create({ uuid, linkId: uuid, name: owner.name, ownerType: owner.type });
  }
  return user.ownerType === owner.type ? success('updated', user) : users.update(user.uuid, { ownerType: owner.type });
}
