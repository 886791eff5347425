/**
 * Seed 003 ReplaceCardIfExists: add a card to an existing user, taking it from whoever held it
 * (same identifier row and uid, pass count kept), or create it. Users are addressed by link_id.
 * The card number is InternalCardNumber (the encoded number, a decimal integer whatever the
 * representation mode); ExternalCardNumber (the printed number) becomes the identifier's name.
 */
import type { Clock } from '../core/clock.ts';
import type { Db } from '../storage/database.ts';
import type { IdentifierRow, IdentifiersRepository } from '../storage/identifiers.ts';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import { hashSecret } from '../storage/secret-hash.ts';
import type { UsersRepository } from '../storage/users.ts';
import { runOne } from './chunked-batch.ts';
import type { IndexSync } from './index-sync.ts';

export interface ReplaceCardRequest {
  /** The existing identifier (uid) to give to the user; else the number fields below. */
  readonly cardId?: string;
  readonly internalCardNumber?: bigint;
  readonly externalCardNumber?: string;
  readonly pin?: string;
  /** Unix seconds. */
  readonly activation?: number;
  readonly deactivation?: number;
}

export interface ReplacedCard {
  readonly identifier: IdentifierRow;
  /** link_id of the user the card was taken from; null when new or already theirs. */
  readonly previousUserId: string | null;
  readonly currentUserId: string;
}

export interface UserCardsServiceDeps {
  readonly db: Db;
  readonly users: UsersRepository;
  readonly identifiers: IdentifiersRepository;
  readonly indexSync: IndexSync;
  readonly clock: Clock;
}

export type UserCardsService = ReturnType<typeof createUserCardsService>;

export function createUserCardsService(deps: UserCardsServiceDeps) {
  const { db, users, identifiers, indexSync } = deps;

  return {
    async replaceCardIfExists(linkId: string, req: ReplaceCardRequest): Promise<RepoResult<ReplacedCard>> {
      if (req.activation !== undefined && req.deactivation !== undefined && !(req.activation < req.deactivation)) {
        return failure('invalid_time_rules_settings', 'activation must be before deactivation');
      }
      // Hashing runs on the thread pool, before the transaction.
      const pinHash = req.pin === undefined ? undefined : await hashSecret(req.pin, 'pin');
      return runOne(db, (afterCommit) => {
        const user = users.findByLinkId(linkId);
        if (!user) return failure('entity_not_found', 'user');
        const existing =
          req.cardId !== undefined ? identifiers.get(req.cardId) : identifiers.findByNumber('card', req.internalCardNumber!);
        if (req.cardId !== undefined && !existing) return failure('entity_not_found', 'card');
        const changes = {
          userUuid: user.uuid,
          name: req.externalCardNumber,
          pinHash,
          validFrom: req.activation,
          validTo: req.deactivation,
        };
        const r = existing
          ? identifiers.update(existing.uid, changes)
          : identifiers.create({ ...changes, type: 'card', number: req.internalCardNumber!, lock: 'all' });
        if (!r.ok) return r;
        afterCommit(() => indexSync.saved(r.value.uid));
        const previous = existing && existing.userUuid !== user.uuid ? users.get(existing.userUuid) : undefined;
        return success(r.code, {
          identifier: r.value,
          previousUserId: previous ? (previous.linkId ?? previous.uuid) : null,
          currentUserId: linkId,
        });
      });
    },
  };
}
