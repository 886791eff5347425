import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { credentialNumber } from '../wiegand/credential-number.ts';
import type { CardRead, PinEntry } from '../wiegand/types.ts';
import { CredentialIndex } from './credential-index.ts';
import { ReaderSession, type ReaderSessionOptions, type SessionEvent } from './reader-session.ts';
import type { ReaderMode } from './rules-engine.ts';
import { TimeProfileSet } from './time-profile.ts';

const START = Date.parse('2026-01-05T10:00:00Z');
const GOOD_PIN = '2468';

function setup(mode: ReaderMode, extra: Partial<ReaderSessionOptions> = {}) {
  const clock = new ManualClock(START);
  const index = new CredentialIndex();
  index.loadBulk([
    { id: 1, type: 'card', value: 100n, lock: 'all' },
    { id: 10, type: 'card', value: 109n, lock: 'all', hasPin: true },
    { id: 11, type: 'inputCode', value: '1234', lock: 'all' },
  ]);
  const events: SessionEvent[] = [];
  const session = new ReaderSession({
    reader: 'r1',
    binding: { doors: [1], mode },
    clock,
    index,
    profiles: new TimeProfileSet('UTC'),
    verifyPin: (id, pin) => id === 10 && pin === GOOD_PIN,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  const cardRead = (v: bigint): CardRead => ({
    kind: 'card', reader: 'r1', at: clock.now(), format: 'wiegand26', bitLength: 26, rawBits: '', number: credentialNumber(v), alternates: [], fields: {},
  });
  const pinEntry = (pin: string): PinEntry => ({ kind: 'pin', reader: 'r1', at: clock.now(), pin });
  return { clock, session, events, cardRead, pinEntry };
}

/** One step of a scenario and the events it must produce, as 'type' or 'decision:reason'. */
type Step = [action: `card ${string}` | `pin ${string}` | `wait ${number}` | 'frame', expected: string[]];

const summary = (e: SessionEvent) => (e.type === 'decision' ? `decision:${e.decision.reason}` : e.type);

function wrongPinRound(gapMs: number): Step[] {
  return [['card 109', ['awaiting_pin']], ['pin 1111', ['decision:pin_wrong']], [`wait ${gapMs}`, []]];
}

const scenarios: Array<[string, ReaderMode, Step[]]> = [
  ['card then PIN inside the window', 'card_and_pin', [['card 109', ['awaiting_pin']], ['wait 9999', []], [`pin ${GOOD_PIN}`, ['decision:granted']]]],
  ['card then no PIN: timeout at exactly 10 s', 'card_and_pin', [
    ['card 109', ['awaiting_pin']], ['wait 9999', []], ['wait 1', ['decision:card_then_pin_timeout']],
    [`pin ${GOOD_PIN}`, ['decision:card_required']],
  ]],
  ['card then wrong PIN', 'card_and_pin', [['card 109', ['awaiting_pin']], ['pin 1111', ['decision:pin_wrong']]]],
  ['card without an enrolled PIN is refused at once', 'card_and_pin', [['card 100', ['decision:pin_not_set']]]],
  ['a new card replaces the one waiting for its PIN', 'card_and_pin', [
    ['card 109', ['awaiting_pin']], ['card 100', ['decision:pin_not_set']], [`pin ${GOOD_PIN}`, ['decision:card_required']],
  ]],
  ['5 wrong PINs within 60 s lock the reader, released after 60 s', 'card_and_pin', [
    ...wrongPinRound(2500), ...wrongPinRound(2500), ...wrongPinRound(2500), ...wrongPinRound(2500),
    ['card 109', ['awaiting_pin']], ['pin 1111', ['decision:pin_wrong', 'lockout']],
    ['wait 2500', []], ['card 109', ['decision:locked_out']], [`pin ${GOOD_PIN}`, ['decision:locked_out']],
    ['wait 57499', []], ['card 100', ['decision:locked_out']],
    ['wait 1', ['lockout_released']],
    ['card 109', ['awaiting_pin']], [`pin ${GOOD_PIN}`, ['decision:granted']],
  ]],
  ['wrong PINs spread over more than 60 s do not lock', 'card_and_pin', [
    ...wrongPinRound(2500), ...wrongPinRound(2500), ...wrongPinRound(2500), ...wrongPinRound(60_000),
    ['card 109', ['awaiting_pin']], ['pin 1111', ['decision:pin_wrong']],
    ['card 109', ['suppressed']], ['wait 2000', []], ['card 109', ['awaiting_pin']], [`pin ${GOOD_PIN}`, ['decision:granted']],
  ]],
  ['unknown codes on a PIN reader count as wrong PINs', 'pin', [
    ['pin 0000', ['decision:unknown']], ['pin 0001', ['decision:unknown']], ['pin 0002', ['decision:unknown']],
    ['pin 0003', ['decision:unknown']], ['pin 0004', ['decision:unknown', 'lockout']], ['pin 1234', ['decision:locked_out']],
    ['wait 60000', ['lockout_released']], ['pin 1234', ['decision:granted']],
  ]],
  ['hold-off: the same card within 2 s is one presentation, sliding while it stays', 'card_or_pin', [
    ['card 100', ['decision:granted']], ['wait 1999', []], ['card 100', ['suppressed']],
    ['wait 1999', []], ['card 100', ['suppressed']], ['wait 2000', []], ['card 100', ['decision:granted']],
  ]],
  ['hold-off does not hide a different card', 'card_or_pin', [
    ['card 100', ['decision:granted']], ['card 555', ['decision:unknown']], ['card 100', ['decision:granted']],
  ]],
  ['hold-off covers denied cards too', 'card_or_pin', [['card 555', ['decision:unknown']], ['card 555', ['suppressed']]]],
  ['code on a card-or-PIN reader', 'card_or_pin', [['pin 1234', ['decision:granted']]]],
  ['card on a PIN-only reader', 'pin', [['card 100', ['decision:card_not_accepted']]]],
  ['PIN on a card-only reader does not count toward lockout', 'card', [
    ['pin 1', ['decision:pin_not_accepted']], ['pin 2', ['decision:pin_not_accepted']], ['pin 3', ['decision:pin_not_accepted']],
    ['pin 4', ['decision:pin_not_accepted']], ['pin 5', ['decision:pin_not_accepted']], ['card 100', ['decision:granted']],
  ]],
  ['parity error is journalled as a deny', 'card', [['frame', ['decision:parity_error']]]],
];

describe('ReaderSession scenarios', () => {
  it.each(scenarios)('%s (%s)', (_name, mode, steps) => {
    const { clock, session, events, cardRead, pinEntry } = setup(mode);
    steps.forEach(([action, expected], i) => {
      const before = events.length;
      const [verb, arg = ''] = action.split(' ');
      if (verb === 'card') session.handleCard(cardRead(BigInt(arg)));
      else if (verb === 'pin') session.handlePin(pinEntry(arg));
      else if (verb === 'wait') clock.advanceMs(Number(arg));
      else session.handleRejectedFrame();
      expect(events.slice(before).map(summary), `step ${i}: ${action}`).toEqual(expected);
    });
  });
});

describe('ReaderSession details', () => {
  it('returns the main event, carries the grant relays and the card number, never the PIN', () => {
    const { session, events, cardRead, pinEntry } = setup('card_and_pin');
    const waiting = session.handleCard(cardRead(109n));
    expect(waiting).toMatchObject({ type: 'awaiting_pin', reader: 'r1', identifierId: 10, number: 109n, deadlineAt: START + 10_000 });
    expect(session.awaitingPin).toBe(true);
    const granted = session.handlePin(pinEntry(GOOD_PIN));
    expect(granted).toEqual({
      type: 'decision', reader: 'r1', at: START, presented: 'card_pin', number: 109n,
      decision: { outcome: 'grant', reason: 'granted', identifierId: 10, relays: [1], consumePass: false },
    });
    expect(events).toEqual([waiting, granted]);
    const text = JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(text).not.toContain(GOOD_PIN);
  });

  it('reports the lockout period and honours a configured policy and windows', () => {
    const { clock, session, events, cardRead, pinEntry } = setup('card_and_pin', {
      lockout: { maxWrong: 2, lockMs: 5_000 }, pinWindowMs: 3_000, holdOffMs: 0,
    });
    session.handleCard(cardRead(109n));
    clock.advanceMs(3_000);
    expect(events.at(-1)).toMatchObject({ type: 'decision', decision: { reason: 'card_then_pin_timeout', identifierId: 10 } });
    for (let i = 0; i < 2; i++) {
      session.handleCard(cardRead(109n));
      session.handlePin(pinEntry('0000'));
    }
    expect(events.at(-1)).toEqual({ type: 'lockout', reader: 'r1', at: START + 3_000, untilAt: START + 8_000, wrongCount: 2 });
    expect(session.lockedOut).toBe(true);
    clock.advanceMs(5_000);
    expect(session.lockedOut).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'lockout_released', reader: 'r1', at: START + 8_000 });
  });

  it('leaves no timers behind after dispose', () => {
    const { clock, session, cardRead } = setup('card_and_pin');
    session.handleCard(cardRead(109n));
    expect(clock.pendingTimers()).toBe(1);
    session.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });
});
