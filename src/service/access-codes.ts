/**
 * Keypad access codes, Seam style (seed 004): ongoing or time-bound (ISO 8601 window), optionally
 * one-time, on a "device" that is one of the controller's locks (`first`, `second`, `all`).
 * Codes share the keypad digit space with inputCode identifiers. The credential index follows
 * every committed change.
 */
import type { LockScope } from '../access/lock-scope.ts';
import type { Clock } from '../core/clock.ts';
import { createCodeSpace } from '../storage/code-space.ts';
import type { AccessCodeRow, AccessCodesRepository, AccessCodeType } from '../storage/access-codes.ts';
import type { Db } from '../storage/database.ts';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import { runOne } from './chunked-batch.ts';
import { generateFreeCode } from './free-code.ts';
import type { JournalSink, Principal } from './auth.ts';
import type { IndexSync } from './index-sync.ts';
import { InvalidInputError } from './invalid-input.ts';
import { unixSecondsOfIso } from './iso-time.ts';

export interface AccessCodeCreate {
  readonly device_id?: LockScope;
  readonly name?: string | null;
  /** Digits; absent: a free code of `preferred_code_length` digits (default 6) is generated. */
  readonly code?: string;
  /** ISO 8601. */
  readonly starts_at?: string;
  readonly ends_at?: string;
  readonly is_one_time_use?: boolean;
  readonly preferred_code_length?: number;
}

export interface AccessCodeUpdate extends AccessCodeCreate {
  readonly access_code_id: string;
  /** `ongoing` turns a time-bound code into permanent access. */
  readonly type?: AccessCodeType;
}

export interface AccessCodeView {
  readonly access_code_id: string;
  readonly device_id: string;
  readonly name: string | null;
  readonly code: string;
  readonly type: AccessCodeType;
  readonly starts_at: string | null;
  readonly ends_at: string | null;
  readonly is_one_time_use: boolean;
  /** `set` while the code opens now; `unset` before its start, after its end or once used. */
  readonly status: 'set' | 'unset';
  readonly created_at: string;
  readonly is_managed: true;
}

export interface AccessCodesServiceDeps {
  readonly db: Db;
  readonly accessCodes: AccessCodesRepository;
  readonly indexSync: IndexSync;
  readonly clock: Clock;
  /** Admin changes are journaled with the caller (never the digits). */
  readonly journal?: JournalSink;
}

export const DEFAULT_CODE_LENGTH = 6;

const UPDATE_FIELDS = ['device_id', 'name', 'code', 'starts_at', 'ends_at', 'is_one_time_use', 'preferred_code_length', 'type'] as const satisfies ReadonlyArray<keyof AccessCodeUpdate>;

/** Journal types of admin changes to access codes. */
export const ACCESS_CODE_JOURNAL = {
  created: 'access_code_created',
  updated: 'access_code_updated',
  deleted: 'access_code_deleted',
} as const;

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOfSeconds = (s: number | null): string | null => (s === null ? null : iso(s * 1000));

/** ISO 8601 → Unix seconds (the schema has already checked the format). */
function secondsOf(text: string, field: string): number {
  const s = unixSecondsOfIso(text);
  if (s === undefined) throw new InvalidInputError('body', [field], 'not an ISO 8601 date-time');
  return s;
}

export type AccessCodesService = ReturnType<typeof createAccessCodesService>;

export function createAccessCodesService(deps: AccessCodesServiceDeps) {
  const { db, accessCodes, indexSync, clock } = deps;
  const codeSpace = createCodeSpace(db);
  const nowSeconds = (): number => Math.floor(clock.now() / 1000);

  /** After commit: who changed which code, and which fields (names only: the digits never reach the journal). */
  function journal(type: string, row: Pick<AccessCodeRow, 'id' | 'lock' | 'name'>, caller: Principal | undefined, fields?: readonly string[]): void {
    deps.journal?.append({
      ts: clock.now(),
      type,
      door: row.lock,
      identifierUid: row.id,
      details: {
        name: row.name,
        caller: caller?.name ?? null,
        caller_kind: caller?.kind ?? null,
        ...(fields ? { fields } : {}),
      },
    });
  }

  function view(r: AccessCodeRow): AccessCodeView {
    const now = nowSeconds();
    const inWindow = (r.startsAt === null || r.startsAt <= now) && (r.endsAt === null || now < r.endsAt);
    return {
      access_code_id: r.id,
      device_id: r.lock,
      name: r.name,
      code: r.code,
      type: r.type,
      starts_at: isoOfSeconds(r.startsAt),
      ends_at: isoOfSeconds(r.endsAt),
      is_one_time_use: r.isOneTimeUse,
      status: inWindow && r.usedAt === null ? 'set' : 'unset',
      created_at: iso(r.createdAt),
      is_managed: true,
    };
  }

  const freeCode = (length: number): string | undefined => generateFreeCode(codeSpace, length);

  /** The window a request asks for, or invalid_time_rules_settings (ends_at must be in the future). */
  function window(
    starts: string | undefined,
    ends: string | undefined,
    current?: { startsAt: number | null; endsAt: number | null },
  ): RepoResult<{ startsAt: number | null; endsAt: number | null }> {
    const startsAt = starts !== undefined ? secondsOf(starts, 'starts_at') : (current?.startsAt ?? null);
    const endsAt = ends !== undefined ? secondsOf(ends, 'ends_at') : (current?.endsAt ?? null);
    if (ends !== undefined && endsAt! <= nowSeconds()) return failure('invalid_time_rules_settings', 'ends_at must be in the future');
    if (endsAt !== null && startsAt === null) return success('updated', { startsAt: nowSeconds(), endsAt });
    if (startsAt !== null && (endsAt === null || startsAt >= endsAt)) return failure('invalid_time_rules_settings', 'starts_at must be before ends_at');
    return success('updated', { startsAt, endsAt });
  }

  function saved(r: RepoResult<AccessCodeRow>): RepoResult<AccessCodeView> {
    return r.ok ? success(r.code, view(r.value)) : r;
  }

  return {
    create(input: AccessCodeCreate, caller?: Principal): RepoResult<AccessCodeView> {
      const w = window(input.starts_at, input.ends_at);
      if (!w.ok) return w;
      return saved(
        runOne(db, (afterCommit) => {
          const code = input.code ?? freeCode(input.preferred_code_length ?? DEFAULT_CODE_LENGTH);
          if (code === undefined) return failure('number_of_identifiers_exceeded', 'no free code of that length');
          const r = accessCodes.create({
            code,
            name: input.name ?? null,
            lock: input.device_id ?? 'all',
            type: w.value.endsAt === null ? 'ongoing' : 'time_bound',
            startsAt: w.value.startsAt,
            endsAt: w.value.endsAt,
            isOneTimeUse: input.is_one_time_use ?? false,
          });
          if (r.ok) {
            afterCommit(() => indexSync.accessCodeSaved(r.value.id));
            afterCommit(() => journal(ACCESS_CODE_JOURNAL.created, r.value, caller));
          }
          return r;
        }),
      );
    },

    update(input: AccessCodeUpdate, caller?: Principal): RepoResult<AccessCodeView> {
      return saved(
        runOne(db, (afterCommit) => {
          const current = accessCodes.get(input.access_code_id);
          if (!current) return failure('entity_not_found', 'access code');
          const ongoing = input.type === 'ongoing';
          const w = ongoing ? success('updated', { startsAt: null, endsAt: null }) : window(input.starts_at, input.ends_at, current);
          if (!w.ok) return w;
          const type: AccessCodeType = ongoing || w.value.endsAt === null ? 'ongoing' : 'time_bound';
          if (input.type === 'time_bound' && type !== 'time_bound') return failure('invalid_time_rules_settings', 'time_bound needs ends_at');
          let code = input.code;
          if (code === undefined && input.preferred_code_length !== undefined && input.preferred_code_length !== current.code.length) {
            code = freeCode(input.preferred_code_length);
          }
          const r = accessCodes.update(current.id, {
            code,
            name: input.name,
            lock: input.device_id,
            type,
            startsAt: w.value.startsAt,
            endsAt: w.value.endsAt,
            isOneTimeUse: input.is_one_time_use,
          });
          if (r.ok) {
            const fields = UPDATE_FIELDS.filter((k) => input[k] !== undefined);
            afterCommit(() => indexSync.accessCodeSaved(r.value.id));
            afterCommit(() => journal(ACCESS_CODE_JOURNAL.updated, r.value, caller, fields));
          }
          return r;
        }),
      );
    },

    /** A code free in the keypad digit space right now (not reserved: create may still find it taken). */
    generateCode(length = DEFAULT_CODE_LENGTH): string | undefined {
      return freeCode(length);
    },

    findByCode(code: string): AccessCodeView | undefined {
      const r = accessCodes.findByCode(code);
      return r ? view(r) : undefined;
    },

    get(id: string): AccessCodeView | undefined {
      const r = accessCodes.get(id);
      return r ? view(r) : undefined;
    },

    list(deviceId?: string): AccessCodeView[] {
      const out: AccessCodeView[] = [];
      let after: string | undefined;
      for (;;) {
        const page = accessCodes.list({ after, limit: 1000 });
        for (const r of page) if (deviceId === undefined || r.lock === deviceId) out.push(view(r));
        if (page.length < 1000) return out;
        after = page[page.length - 1]!.id;
      }
    },

    remove(id: string, caller?: Principal): RepoResult<{ id: string }> {
      return runOne(db, (afterCommit) => {
        const current = accessCodes.get(id);
        const indexId = indexSync.accessCodeIdOf(id);
        const r = accessCodes.delete(id);
        if (r.ok && indexId !== undefined) afterCommit(() => indexSync.removed(indexId));
        if (r.ok && current) afterCommit(() => journal(ACCESS_CODE_JOURNAL.deleted, current, caller));
        return r;
      });
    },
  };
}
