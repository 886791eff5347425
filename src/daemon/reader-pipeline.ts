/**
 * One reader's path from capture to decision: edges → FrameAssembler → ReaderDecoder → ReaderSession
 * → AccessExecutor. Serial bridges skip the assembler (frames arrive whole); EM4100 modules skip the
 * decoder too (they deliver card reads).
 */
import type { CredentialIndex } from '../access/credential-index.ts';
import { ReaderSession } from '../access/reader-session.ts';
import type { LookupMiss, PinVerifier } from '../access/rules-engine.ts';
import type { TimeProfileLookup } from '../access/time-profile.ts';
import type { Config, ReaderConfig } from '../config/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { WiegandFormat } from '../wiegand/format/formats.ts';
import { FrameAssembler } from '../wiegand/frame/frame-assembler.ts';
import { ReaderDecoder } from '../wiegand/reader-decoder.ts';
import type { CardRead, EdgeEvent, LineFault, RawFrame } from '../wiegand/types.ts';
import type { AccessExecutor } from './access-executor.ts';

export interface ReaderPipelineDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly index: CredentialIndex;
  readonly profiles: TimeProfileLookup;
  readonly verifyPin: PinVerifier;
  readonly lookupMiss?: LookupMiss;
  readonly executor: AccessExecutor;
  readonly lockout: Config['lockout'];
  /** Edges may be on their way from the capture layer (FrameAssembler `deliveryPending`). */
  readonly deliveryPending?: () => boolean;
}

export class ReaderPipeline {
  readonly id: string;
  private readonly assembler: FrameAssembler;
  private decoder: ReaderDecoder;
  private readonly session: ReaderSession;

  constructor(
    private readonly config: ReaderConfig,
    formats: readonly WiegandFormat[],
    private readonly deps: ReaderPipelineDeps,
  ) {
    this.id = config.id;
    const door = config.door;
    this.session = new ReaderSession({
      reader: config.id,
      binding: { doors: [door], mode: config.mode },
      clock: deps.clock,
      index: deps.index,
      profiles: deps.profiles,
      verifyPin: deps.verifyPin,
      lookupMiss: deps.lookupMiss,
      pinWindowMs: config.cardPinWindowMs,
      holdOffMs: config.holdOffMs,
      lockout: deps.lockout,
      onEvent: (e) => deps.executor.handle(e, door),
    });
    const f = config.frame;
    this.assembler = new FrameAssembler({
      reader: config.id,
      clock: deps.clock,
      maxBits: f.maxBits,
      glitchUs: f.glitchUs,
      ...(f.floorMs !== undefined ? { floorMs: f.floorMs } : {}),
      ...(f.ceilingMs !== undefined ? { ceilingMs: f.ceilingMs } : {}),
      ...(f.periodMultiple !== undefined ? { periodMultiple: f.periodMultiple } : {}),
      source: config.capture.type === 'sim' ? 'sim' : 'gpio',
      onFrame: (frame) => this.frame(frame),
      onFault: (fault) => this.fault(fault),
      ...(deps.deliveryPending ? { deliveryPending: deps.deliveryPending } : {}),
    });
    this.decoder = this.createDecoder(formats);
  }

  edge(e: EdgeEvent): void {
    this.assembler.edge(e);
  }

  frame(frame: RawFrame): void {
    this.decoder.frame(frame);
  }

  /** A card read that arrived decoded (EM4100 modules). */
  card(read: CardRead): void {
    this.session.handleCard(read);
  }

  fault(fault: LineFault): void {
    this.deps.executor.lineFault(fault, this.config.door);
  }

  /** The reader's formats changed (admin API): takes effect from the next frame. */
  setFormats(formats: readonly WiegandFormat[]): void {
    this.decoder.resetPin();
    this.decoder = this.createDecoder(formats);
  }

  counters() {
    return { frames: this.assembler.counters(), decoder: this.decoder.counters };
  }

  dispose(): void {
    this.decoder.resetPin();
    this.session.dispose();
  }

  private createDecoder(formats: readonly WiegandFormat[]): ReaderDecoder {
    const door = this.config.door;
    return new ReaderDecoder({
      reader: this.config.id,
      clock: this.deps.clock,
      formats,
      keypad: this.config.keypad,
      onCard: (read) => this.session.handleCard(read),
      onPin: (entry) => this.session.handlePin(entry),
      onReject: (r) => this.deps.executor.rejected(r, door),
    });
  }
}
