/**
 * The last stage of the card-to-relay path: carries out a session's decision. For a grant on a
 * limited identifier the pass is committed to disk (synchronous=FULL) BEFORE any relay moves, so a
 * power cut at any instant can cost a pass but never give one. Everything is journalled without
 * waiting for SQLite (the journal writer batches).
 */
import type { SessionEvent } from '../access/reader-session.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { JournalEvent } from '../storage/journal.ts';
import type { FrameRejection } from '../wiegand/reader-decoder.ts';
import type { LineFault } from '../wiegand/types.ts';
import type { DoorBank } from './door-bank.ts';
import type { PassLedger } from './pass-ledger.ts';

export interface AccessExecutorDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly journal: { append(e: JournalEvent): void };
  readonly doors: DoorBank;
  readonly passes: PassLedger;
  /** Told of every decision after the relays were commanded (metrics, event stream). */
  readonly onDecision?: (e: DecisionRecord) => void;
}

export interface DecisionRecord {
  readonly reader: string;
  readonly at: number;
  readonly outcome: 'grant' | 'deny';
  readonly reason: string;
  readonly doors: readonly number[];
  readonly identifierUid: string | null;
}

export class AccessExecutor {
  readonly counters = { grants: 0, denies: 0, passRaceDenies: 0, rejectedFrames: 0, lineFaults: 0 };

  constructor(private readonly deps: AccessExecutorDeps) {}

  /** Handles one session event for a reader bound to `door`. */
  handle(event: SessionEvent, door: number): void {
    const { journal } = this.deps;
    switch (event.type) {
      case 'decision':
        return this.decide(event, door);
      case 'lockout':
        journal.append({ ts: event.at, type: 'reader_lockout', reader: event.reader, door: String(door), details: { until: event.untilAt, wrong: event.wrongCount } });
        this.deps.logger.warn({ reader: event.reader, until: event.untilAt }, 'reader locked out after wrong PINs');
        return;
      case 'lockout_released':
        journal.append({ ts: event.at, type: 'reader_lockout_released', reader: event.reader, door: String(door) });
        return;
      case 'awaiting_pin':
      case 'suppressed':
        return;
    }
  }

  rejected(r: FrameRejection, door: number): void {
    this.counters.rejectedFrames++;
    this.deps.journal.append({
      ts: r.at, type: 'frame_rejected', reader: r.reader, door: String(door), reason: r.reason,
      details: { raw_bits: r.rawBits, bit_length: r.bitLength },
    });
    this.deps.logger.info({ reader: r.reader, reason: r.reason, bits: r.bitLength, raw: r.rawBits }, 'frame rejected');
    this.deps.doors.feedback(r.reader, 'deny');
  }

  lineFault(f: LineFault, door: number): void {
    this.counters.lineFaults++;
    this.deps.journal.append({ ts: this.deps.clock.now(), type: 'line_fault', reader: f.reader, door: String(door), reason: f.kind, details: f.detail ? { detail: f.detail } : null });
    this.deps.logger.warn({ reader: f.reader, fault: f.kind }, 'reader line fault');
  }

  private decide(event: Extract<SessionEvent, { type: 'decision' }>, door: number): void {
    const { decision } = event;
    const id = decision.identifierId;
    const uid = id !== undefined ? this.deps.passes.ref(id) : null;
    let outcome = decision.outcome;
    let reason: string = decision.reason;
    if (outcome === 'grant' && decision.consumePass) {
      const committed = id === undefined ? ({ ok: false, reason: 'unknown' } as const) : this.deps.passes.commit(id, event.at);
      if (!committed.ok) {
        // Storage is the authority: the index was stale (e.g. reset elsewhere) or the row vanished.
        this.counters.passRaceDenies++;
        outcome = 'deny';
        reason = committed.reason;
      }
    }
    const doors = outcome === 'grant' ? decision.relays : [];
    if (outcome === 'grant') {
      this.deps.doors.grant(doors);
      this.counters.grants++;
    } else {
      this.counters.denies++;
    }
    this.deps.doors.feedback(event.reader, outcome);
    const credential = event.number !== undefined ? event.number.toString() : null;
    this.deps.journal.append({
      ts: event.at,
      type: outcome === 'grant' ? 'access_granted' : 'access_denied',
      reader: event.reader,
      door: String(door),
      identifierUid: uid,
      credential,
      reason,
      details: { presented: event.presented, ...(doors.length ? { doors } : {}) },
    });
    this.deps.logger.info({ reader: event.reader, outcome, reason, credential, doors }, 'access decision');
    this.deps.onDecision?.({ reader: event.reader, at: event.at, outcome, reason, doors, identifierUid: uid });
  }
}
