/**
 * Durable record of a grant that uses something up: a pass of a limited identifier, or a one-time
 * access code. Committed (synchronous=FULL) before the relay moves, then mirrored into the index.
 * Index ids are SQLite rowids: identifiers positive, access codes negative (service/index-sync.ts).
 */
import type { CredentialIndex } from '../access/credential-index.ts';
import type { IndexSync } from '../service/index-sync.ts';
import type { AccessCodesRepository } from '../storage/access-codes.ts';
import type { IdentifiersRepository } from '../storage/identifiers.ts';

export type PassCommit = { ok: true } | { ok: false; reason: 'passes_exhausted' | 'code_used' | 'unknown' };

export interface PassLedger {
  /** Commits the use durably; on refusal storage was right and the index stale. */
  commit(indexId: number, nowMs: number): PassCommit;
  /** The stored id behind an index id (identifier uid or access code id), for the journal. */
  ref(indexId: number): string | null;
}

export function createPassLedger(deps: {
  index: CredentialIndex;
  indexSync: IndexSync;
  identifiers: Pick<IdentifiersRepository, 'consumePass'>;
  accessCodes: Pick<AccessCodesRepository, 'recordOneTimeCodeUse'>;
}): PassLedger {
  const { index, indexSync } = deps;
  const ref = (id: number) => (id < 0 ? indexSync.accessCodeOf(id) : indexSync.uidOf(id)) ?? null;
  return {
    ref,
    commit(id, nowMs) {
      const stored = ref(id);
      if (stored === null) return { ok: false, reason: 'unknown' };
      if (id > 0) {
        const r = deps.identifiers.consumePass(stored, nowMs);
        if (!r.ok) return { ok: false, reason: r.reason === 'passes_exhausted' ? 'passes_exhausted' : 'unknown' };
        index.setPassesUsed(id, r.passesUsed);
        return { ok: true };
      }
      const r = deps.accessCodes.recordOneTimeCodeUse(stored, nowMs);
      if (!r.ok) return { ok: false, reason: r.reason === 'code_used' ? 'code_used' : 'unknown' };
      index.recordPass(id);
      return { ok: true };
    },
  };
}
