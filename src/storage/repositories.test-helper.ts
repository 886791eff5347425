import { ManualClock } from '../core/clock.ts';
import type { Db } from './database.ts';
import { createAccessCodesRepository } from './access-codes.ts';
import { createIdentifiersRepository, type IdentifierCapacity } from './identifiers.ts';
import { createTimeProfilesRepository } from './time-profiles.ts';
import { createUsersRepository } from './users.ts';

/** The credential repositories over one temp database, with a manual clock. */
export function credentialRepos(db: Db, capacity?: IdentifierCapacity) {
  const clock = new ManualClock();
  const users = createUsersRepository(db, clock);
  const owner = users.create({ name: 'Alice', ownerType: 'owner' });
  if (!owner.ok) throw new Error('could not create the test owner');
  return {
    clock,
    users,
    owner: owner.value,
    identifiers: createIdentifiersRepository(db, capacity ? { clock, capacity } : { clock }),
    accessCodes: createAccessCodesRepository(db, clock),
    timeProfiles: createTimeProfilesRepository(db, clock),
  };
}
