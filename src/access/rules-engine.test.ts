import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CredentialIndex, type IdentifierRow } from './credential-index.ts';
import { decide, type AccessRead, type Decision, type DecisionContext, type ReaderBinding } from './rules-engine.ts';
import { TimeProfileSet } from './time-profile.ts';
import { LOCK_SCOPE_NAMES, type LockScope } from './lock-scope.ts';
import { credentialNumber, type CredentialNumber } from '../wiegand/credential-number.ts';

const T = (iso: string) => Date.parse(iso);
const n = (v: bigint): CredentialNumber => credentialNumber(v);
const NOW = T('2026-01-05T10:00:00Z'); // a Monday

const rows: IdentifierRow[] = [
  { id: 1, type: 'card', value: 100n, lock: 'all' },
  { id: 2, type: 'card', value: 101n, lock: 'all', enabled: false },
  { id: 3, type: 'card', value: 102n, lock: 'all', validFrom: T('2026-01-05T08:00:00Z'), validTo: T('2026-01-05T17:00:00Z') },
  { id: 4, type: 'card', value: 103n, lock: 'first' },
  { id: 5, type: 'card', value: 104n, lock: 'second' },
  { id: 6, type: 'card', value: 105n, lock: 'all', maxPasses: 2, passesUsed: 1 },
  { id: 7, type: 'card', value: 106n, lock: 'all', maxPasses: 2, passesUsed: 2 },
  { id: 8, type: 'card', value: 107n, lock: 'all', timeProfileId: 1 },
  { id: 9, type: 'card', value: 108n, lock: 'all', timeProfileId: 99 },
  { id: 10, type: 'card', value: 109n, lock: 'all', hasPin: true },
  { id: 11, type: 'inputCode', value: '1234', lock: 'all' },
  { id: 12, type: 'inputCode', value: '0007', lock: 'first', oneTimeUse: true },
  { id: 13, type: 'inputCode', value: '0008', lock: 'first', oneTimeUse: true, passesUsed: 1 },
  { id: 14, type: 'ukey', value: 110n, lock: 'all' },
  { id: 15, type: 'card', value: 2n ** 40n, lock: 'all' },
  { id: 16, type: 'card', value: 111n, lock: 'all', validFrom: T('2026-02-01T00:00:00Z') },
  { id: 17, type: 'card', value: 112n, lock: 'all', validTo: T('2025-12-31T23:59:59Z') },
  { id: 18, type: 'card', value: 113n, lock: 'first', enabled: false, validTo: T('2025-01-01T00:00:00Z') },
];

function context(reader: Partial<ReaderBinding> = {}, now = NOW, index = new CredentialIndex()): DecisionContext {
  if (index.size === 0) index.loadBulk(rows);
  const profiles = new TimeProfileSet('UTC');
  profiles.put({ id: 1, weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }] });
  return {
    now,
    index,
    profiles,
    reader: { doors: [1], mode: 'card_or_pin', ...reader },
    verifyPin: (id, pin) => id === 10 && pin === '2468',
  };
}

const card = (v: bigint, alternates: bigint[] = []): AccessRead => ({ kind: 'card', number: n(v), alternates: alternates.map(n) });
const pin = (p: string): AccessRead => ({ kind: 'pin', pin: p });
const cardPin = (v: bigint, p: string): AccessRead => ({ kind: 'card_pin', number: n(v), alternates: [], pin: p });

const grant = (identifierId: number, relays = [1], consumePass = false): Decision => ({
  outcome: 'grant', reason: 'granted', identifierId, relays, consumePass,
});
const deny = (reason: Decision['reason'], identifierId?: number): Decision =>
  identifierId === undefined
    ? { outcome: 'deny', reason, relays: [], consumePass: false }
    : { outcome: 'deny', reason, identifierId, relays: [], consumePass: false };

describe('decide: one row per reason', () => {
  it.each<[string, AccessRead, Partial<ReaderBinding>, number, Decision]>([
    ['permanent card', card(100n), {}, NOW, grant(1)],
    ['unknown card', card(999n), {}, NOW, deny('unknown')],
    ['disabled', card(101n), {}, NOW, deny('disabled', 2)],
    ['disabled wins over expired and wrong lock', card(113n), { doors: [2] }, NOW, deny('disabled', 18)],
    ['not yet valid', card(111n), {}, NOW, deny('not_yet_valid', 16)],
    ['expired', card(112n), {}, NOW, deny('expired', 17)],
    ['wrong lock', card(104n), {}, NOW, deny('wrong_lock', 5)],
    ['limited card with a pass left', card(105n), {}, NOW, grant(6, [1], true)],
    ['passes exhausted', card(106n), {}, NOW, deny('passes_exhausted', 7)],
    ['inside time profile', card(107n), {}, NOW, grant(8)],
    ['outside time profile (Saturday)', card(107n), {}, T('2026-01-10T10:00:00Z'), deny('outside_time_profile', 8)],
    ['missing time profile fails closed', card(108n), {}, NOW, deny('time_profile_missing', 9)],
    ['alternate number matches', card(5n, [2n ** 40n]), {}, NOW, grant(15)],
    ['ukey only when the reader looks cards up as ukey', card(110n), {}, NOW, deny('unknown')],
    ['ukey as second card type', card(110n), { cardTypes: ['card', 'ukey'] }, NOW, grant(14)],
    ['access code on keypad', pin('1234'), {}, NOW, grant(11)],
    ['code with leading zeros is not the same code', pin('007'), {}, NOW, deny('unknown')],
    ['one-time code, unused', pin('0007'), {}, NOW, grant(12, [1], true)],
    ['one-time code, used', pin('0008'), {}, NOW, deny('code_used', 13)],
    ['card at a PIN-only reader', card(100n), { mode: 'pin' }, NOW, deny('card_not_accepted')],
    ['PIN at a card-only reader', pin('1234'), { mode: 'card' }, NOW, deny('pin_not_accepted')],
    ['PIN alone at a card-and-PIN reader', pin('1234'), { mode: 'card_and_pin' }, NOW, deny('card_required')],
    ['card without PIN at a card-and-PIN reader', card(109n), { mode: 'card_and_pin' }, NOW, deny('pin_required', 10)],
    ['card with no PIN enrolled at a card-and-PIN reader', card(100n), { mode: 'card_and_pin' }, NOW, deny('pin_not_set', 1)],
    ['card + right PIN', cardPin(109n, '2468'), { mode: 'card_and_pin' }, NOW, grant(10)],
    ['card + wrong PIN', cardPin(109n, '2469'), { mode: 'card_and_pin' }, NOW, deny('pin_wrong', 10)],
    ['card checks come before the PIN', cardPin(104n, '2468'), { mode: 'card_and_pin' }, NOW, deny('wrong_lock', 5)],
    ['card + PIN at a card-or-PIN reader: the card alone decides', cardPin(100n, 'x'), {}, NOW, grant(1)],
  ])('%s', (_name, read, reader, now, expected) => {
    expect(decide(read, context(reader, now))).toEqual(expected);
  });
});

describe('decide: validity at the exact second, both ends inclusive', () => {
  // id 3: valid from 08:00:00 to 17:00:00 on 2026-01-05.
  it.each<[string, Decision['reason']]>([
    ['2026-01-05T07:59:59.999Z', 'not_yet_valid'],
    ['2026-01-05T08:00:00.000Z', 'granted'],
    ['2026-01-05T08:00:00.001Z', 'granted'],
    ['2026-01-05T17:00:00.000Z', 'granted'],
    ['2026-01-05T17:00:00.999Z', 'granted'],
    ['2026-01-05T17:00:01.000Z', 'expired'],
  ])('%s → %s', (iso, reason) => {
    expect(decide(card(102n), context({}, T(iso))).reason).toBe(reason);
  });
});

describe('decide: every lock × reader door', () => {
  const expected: Record<LockScope, Record<string, number[] | 'wrong_lock'>> = {
    first: { '1': [1], '2': 'wrong_lock', '1,2': [1] },
    second: { '1': 'wrong_lock', '2': [2], '1,2': [2] },
    all: { '1': [1], '2': [2], '1,2': [1, 2] },
  };
  const cases = LOCK_SCOPE_NAMES.flatMap((lock) =>
    [[1], [2], [1, 2]].map((doors) => [lock, doors, expected[lock][doors.join(',')]!] as const),
  );
  it.each(cases)('lock %s at reader of doors %j → %j', (lock, doors, result) => {
    const index = new CredentialIndex();
    index.upsert({ id: 1, type: 'card', value: 5n, lock });
    const d = decide(card(5n), context({ doors }, NOW, index));
    expect(d).toEqual(result === 'wrong_lock' ? deny('wrong_lock', 1) : grant(1, result));
  });
});

describe('decide: pass limits', () => {
  it('grants the last pass, then denies as exhausted once the pass is recorded', () => {
    const ctx = context();
    const first = decide(card(105n), ctx);
    expect(first).toEqual(grant(6, [1], true));
    ctx.index.recordPass(6);
    expect(decide(card(105n), ctx)).toEqual(deny('passes_exhausted', 6));
    ctx.index.setPassesUsed(6, 0);
    expect(decide(card(105n), ctx).outcome).toBe('grant');
  });

  it('consumes a one-time code on its first grant', () => {
    const ctx = context();
    expect(decide(pin('0007'), ctx)).toEqual(grant(12, [1], true));
    ctx.index.recordPass(12);
    expect(decide(pin('0007'), ctx)).toEqual(deny('code_used', 12));
  });

  it('denies a limit of zero passes', () => {
    const index = new CredentialIndex();
    index.upsert({ id: 1, type: 'card', value: 5n, lock: 'all', maxPasses: 0 });
    expect(decide(card(5n), context({}, NOW, index))).toEqual(deny('passes_exhausted', 1));
  });
});

describe('decide: a number the index does not hold yet', () => {
  it('asks lookupMiss for each type and number it misses, and decides on the slot it gives', () => {
    const index = new CredentialIndex();
    index.upsert({ id: 1, type: 'card', value: 100n, lock: 'all' });
    const asked: string[] = [];
    const storage: IdentifierRow[] = [
      { id: 40, type: 'ukey', value: 500n, lock: 'all', maxPasses: 3 },
      { id: 41, type: 'inputCode', value: '9999', lock: 'first' },
    ];
    const ctx: DecisionContext = {
      ...context({ cardTypes: ['card', 'ukey'] }, NOW, index),
      lookupMiss: (type, value) => {
        asked.push(`${type}:${String(value)}`);
        const row = storage.find((r) => r.type === type && String(r.value) === String(value));
        if (!row) return -1;
        index.upsert(row);
        return index.findSlot(type, value);
      },
    };
    expect(decide(card(100n), ctx)).toEqual(grant(1));
    expect(asked).toEqual([]);
    expect(decide(card(499n, [500n]), ctx)).toEqual(grant(40, [1], true));
    expect(asked).toEqual(['card:499', 'ukey:499', 'card:500', 'ukey:500']);
    expect(decide(pin('9999'), ctx)).toEqual(grant(41));
    expect(decide(pin('1111'), ctx)).toEqual(deny('unknown'));
    expect(asked.slice(4)).toEqual(['inputCode:9999', 'inputCode:1111']);
  });
});

describe('decide: invariants over random identifiers', () => {
  const row = fc.record({
    lock: fc.constantFrom<LockScope>(...LOCK_SCOPE_NAMES),
    enabled: fc.boolean(),
    maxPasses: fc.option(fc.nat(3)),
    passesUsed: fc.nat(4),
    oneTimeUse: fc.boolean(),
    validFrom: fc.option(fc.integer({ min: NOW - 5000, max: NOW + 5000 })),
  });
  it('grants only to doors of both reader and lock, and only consumes passes of limited identifiers', () => {
    fc.assert(
      fc.property(row, fc.constantFrom([1], [2], [1, 2]), (r, doors) => {
        const index = new CredentialIndex();
        index.upsert({ id: 1, type: 'card', value: 5n, ...r });
        const d = decide(card(5n), context({ doors }, NOW, index));
        if (d.outcome === 'grant') {
          expect(d.reason).toBe('granted');
          expect(d.relays.length).toBeGreaterThan(0);
          for (const relay of d.relays) expect(doors).toContain(relay);
          expect(d.consumePass).toBe(r.maxPasses !== null || r.oneTimeUse);
          expect(r.enabled).toBe(true);
        } else {
          expect(d.relays).toEqual([]);
          expect(d.consumePass).toBe(false);
        }
      }),
    );
  });
});
