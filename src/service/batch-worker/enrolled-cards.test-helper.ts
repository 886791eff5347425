import { systemClock } from '../../core/clock.ts';
import type { Db } from '../../storage/database.ts';
import { createIdentifiersRepository } from '../../storage/identifiers.ts';
import { createUsersRepository } from '../../storage/users.ts';

/** Enrols cards `first` … `first + count - 1` (lock `all`) for one owner, "Setup", in one transaction. */
export function enrolCards(db: Db, first: number, count: number): void {
  const users = createUsersRepository(db, systemClock);
  const identifiers = createIdentifiersRepository(db, { clock: systemClock });
  db.withTransaction(() => {
    const owner = users.create({ name: 'Setup', ownerType: 'owner' });
    if (!owner.ok) throw new Error('setup');
    for (let i = 0; i < count; i++) identifiers.create({ type: 'card', number: BigInt(first + i), userUuid: owner.value.uuid, lock: 'all' });
  });
}
