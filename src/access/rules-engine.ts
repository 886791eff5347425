/**
 * The access decision: one read at one reader at one instant → grant or deny, with one reason.
 * Pure and synchronous: the index, time profiles, PIN verifier and the time come from the caller.
 *
 * Order of checks (the first that fails is the reason): reader mode → lookup (unknown) → disabled
 * → not_yet_valid → expired → wrong_lock → time profile → code_used → passes_exhausted → PIN.
 *
 * Validity is whole seconds, both ends inclusive: with from = 08:00:00 and to = 17:00:00 a read at
 * 07:59:59.999 is not_yet_valid, at 08:00:00.000 and at 17:00:00.999 it is granted, at 17:00:01.000
 * it is expired. (An installer who writes "valid until 17:00:00" expects that second to count.)
 *
 * PASS-LIMIT CONTRACT: a grant with consumePass = true (a limited identifier or a one-time code)
 * must be made durable BEFORE the relay is energised: the caller commits the decrement to storage
 * (ideally `UPDATE … SET passes_used = passes_used + 1 WHERE id = ? AND passes_used < max_passes`
 * and treats 0 changed rows as passes_exhausted), then calls index.recordPass(id), then drives the
 * relays. Both steps happen before the next decide() for that identifier, so a pass can never be
 * spent twice and a crash never opens a door without the pass being counted.
 */
import type { CredentialNumber } from '../wiegand/credential-number.ts';
import { FLAG, UNLIMITED, type CredentialIndex } from './credential-index.ts';
import type { IdentifierType, NumericIdentifierType } from './identifier-key.ts';
import { doorsOfMask, maskOfDoors } from './lock-scope.ts';
import type { DecisionReason, DenyReason } from './reasons.ts';
import type { TimeProfileLookup } from './time-profile.ts';

export type ReaderMode = 'card' | 'pin' | 'card_or_pin' | 'card_and_pin';

export const READER_MODES: readonly ReaderMode[] = ['card', 'pin', 'card_or_pin', 'card_and_pin'];

/** What one physical reader does: the doors (relays) it opens, and which reads it accepts. */
export interface ReaderBinding {
  /** Door/relay numbers, 1-based: [1], [2], or [1, 2] for a reader that opens both. */
  readonly doors: readonly number[];
  readonly mode: ReaderMode;
  /** Identifier types a card number is looked up as, in order. Default ['card']. */
  readonly cardTypes?: readonly NumericIdentifierType[];
}

export type AccessRead =
  | { readonly kind: 'card'; readonly number: CredentialNumber; readonly alternates: readonly CredentialNumber[] }
  | { readonly kind: 'pin'; readonly pin: string }
  | {
      readonly kind: 'card_pin';
      readonly number: CredentialNumber;
      readonly alternates: readonly CredentialNumber[];
      readonly pin: string;
    };

export type PinVerifier = (identifierId: number, pin: string) => boolean;

export interface DecisionContext {
  /** Wall-clock ms of the read. */
  readonly now: number;
  readonly index: CredentialIndex;
  readonly profiles: TimeProfileLookup;
  readonly reader: ReaderBinding;
  /** Checks a PIN against the identifier's stored verifier (hashing lives outside this module). */
  readonly verifyPin: PinVerifier;
  /**
   * Asked when the index has no such number: the slot the identifier was given in the index from
   * another source, or -1. While a large index still loads in the background, storage is that source.
   */
  readonly lookupMiss?: LookupMiss;
}

export type LookupMiss = (type: IdentifierType, value: CredentialNumber | string) => number;

export interface Decision {
  readonly outcome: 'grant' | 'deny';
  readonly reason: DecisionReason;
  readonly identifierId?: number;
  /** Door/relay numbers to energise; empty on deny. */
  readonly relays: number[];
  /** Grant on a limited identifier: commit the pass durably before driving the relays. */
  readonly consumePass: boolean;
}

export function denied(reason: DenyReason, identifierId?: number): Decision {
  return identifierId === undefined
    ? { outcome: 'deny', reason, relays: [], consumePass: false }
    : { outcome: 'deny', reason, identifierId, relays: [], consumePass: false };
}

/** How each reader mode treats a card and a PIN typed alone. */
const MODE_RULES: Readonly<
  Record<ReaderMode, { card: 'alone' | 'needs_pin' | DenyReason; pin: 'code' | DenyReason }>
> = {
  card: { card: 'alone', pin: 'pin_not_accepted' },
  pin: { card: 'card_not_accepted', pin: 'code' },
  card_or_pin: { card: 'alone', pin: 'code' },
  card_and_pin: { card: 'needs_pin', pin: 'card_required' },
};

const DEFAULT_CARD_TYPES: readonly NumericIdentifierType[] = ['card'];

type Check = (index: CredentialIndex, slot: number, ctx: DecisionContext, nowSec: number) => DenyReason | undefined;

/** The identifier checks, in order; the first reason returned wins. */
const CHECKS: readonly Check[] = [
  (ix, s) => ((ix.columns.flags[s]! & FLAG.ENABLED) === 0 ? 'disabled' : undefined),
  (ix, s, _c, sec) => (sec < ix.columns.validFrom[s]! ? 'not_yet_valid' : undefined),
  (ix, s, _c, sec) => (sec > ix.columns.validTo[s]! ? 'expired' : undefined),
  (ix, s, ctx) => ((ix.columns.lock[s]! & maskOfDoors(ctx.reader.doors)) === 0 ? 'wrong_lock' : undefined),
  (ix, s, ctx) => {
    const profile = ix.columns.timeProfileId[s]!;
    if (profile === 0) return undefined;
    const allowed = ctx.profiles.allows(profile, ctx.now);
    return allowed === undefined ? 'time_profile_missing' : allowed ? undefined : 'outside_time_profile';
  },
  (ix, s) => ((ix.columns.flags[s]! & FLAG.ONE_TIME) !== 0 && ix.columns.passesUsed[s]! >= 1 ? 'code_used' : undefined),
  (ix, s) => {
    const max = ix.columns.maxPasses[s]!;
    return max !== UNLIMITED && ix.columns.passesUsed[s]! >= max ? 'passes_exhausted' : undefined;
  },
];

function slotOf(type: IdentifierType, value: CredentialNumber | string, ctx: DecisionContext): number {
  const slot = ctx.index.findSlot(type, value);
  return slot >= 0 || !ctx.lookupMiss ? slot : ctx.lookupMiss(type, value);
}

function findCard(read: { number: CredentialNumber; alternates: readonly CredentialNumber[] }, ctx: DecisionContext): number {
  const types = ctx.reader.cardTypes ?? DEFAULT_CARD_TYPES;
  for (const n of [read.number, ...read.alternates]) {
    for (const type of types) {
      const slot = slotOf(type, n, ctx);
      if (slot >= 0) return slot;
    }
  }
  return -1;
}

export function decide(read: AccessRead, ctx: DecisionContext): Decision {
  const rules = MODE_RULES[ctx.reader.mode];
  const rule = read.kind === 'pin' ? rules.pin : rules.card;
  if (rule !== 'alone' && rule !== 'needs_pin' && rule !== 'code') return denied(rule);

  const { index } = ctx;
  const slot = read.kind === 'pin' ? slotOf('inputCode', read.pin, ctx) : findCard(read, ctx);
  if (slot < 0) return denied('unknown');
  const id = index.columns.id[slot]!;

  const nowSec = Math.floor(ctx.now / 1000);
  for (const check of CHECKS) {
    const reason = check(index, slot, ctx, nowSec);
    if (reason !== undefined) return denied(reason, id);
  }

  if (rule === 'needs_pin') {
    if ((index.columns.flags[slot]! & FLAG.HAS_PIN) === 0) return denied('pin_not_set', id);
    if (read.kind !== 'card_pin') return denied('pin_required', id);
    if (!ctx.verifyPin(id, read.pin)) return denied('pin_wrong', id);
  }

  const flags = index.columns.flags[slot]!;
  return {
    outcome: 'grant',
    reason: 'granted',
    identifierId: id,
    relays: doorsOfMask(index.columns.lock[slot]! & maskOfDoors(ctx.reader.doors)),
    consumePass: (flags & FLAG.ONE_TIME) !== 0 || index.columns.maxPasses[slot] !== UNLIMITED,
  };
}
