/**
 * Serial capture adapter: opens a reader's serial device, runs the bytes through the packet parser
 * of its kind and hands out what the rest of the stack consumes (RawFrames and LineFaults for a
 * Wiegand bridge, CardReads for an EM4100 module). A USB adapter can vanish and come back at any
 * time, so the device is reopened with capped backoff; nothing here throws out to the caller.
 */
import { stat, statSync, type Stats } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Transform } from 'node:stream';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import type { CardRead, LineFault, LineFaultKind, RawFrame, ReaderId } from '../../wiegand/types.ts';
import type { BridgeFaultCode } from './bridge-packet.ts';
import { BridgePacketParser, type BridgeParserEvent } from './bridge-packet-parser.ts';
import { DirectReadLinuxBinding } from './direct-read-binding.ts';
import { em4100CardRead } from './em4100-packet.ts';
import { Em4100PacketParser, type Em4100ParserEvent } from './em4100-packet-parser.ts';

/** On Linux the port is read on the loop thread as soon as it is readable (direct-read-binding.ts). */
const PORT_BINDING = process.platform === 'linux' ? { binding: DirectReadLinuxBinding } : {};

export type SerialReaderKind = 'wiegand-bridge' | 'em4100-ascii';

export const DEFAULT_BAUD_RATE: Readonly<Record<SerialReaderKind, number>> = {
  'wiegand-bridge': 115200,
  'em4100-ascii': 9600,
};

const FAULT_KIND: Readonly<Record<BridgeFaultCode, LineFaultKind>> = {
  1: 'd0_stuck_low',
  2: 'd1_stuck_low',
  3: 'both_low',
  4: 'glitch',
};

interface CommonConfig {
  path: string;
  baudRate?: number;
  /** Reopen backoff: first retry after `reopenMinMs`, doubling up to `reopenMaxMs`. */
  reopenMinMs?: number;
  reopenMaxMs?: number;
  /** How often an open device's path is checked to still name the device that was opened (ms). */
  livenessMs?: number;
}

/** Which device a path names (a symlink is followed); undefined when it names none. */
const deviceIdentity = (st: Stats | undefined) => (st ? `${st.dev}:${st.ino}:${st.rdev}` : undefined);

export type SerialReaderConfig =
  | (CommonConfig & {
      kind: 'wiegand-bridge';
      /** Bridge input channel (0–3) → reader id; frames on other channels are counted and dropped. */
      channels: Readonly<Record<number, ReaderId>>;
    })
  | (CommonConfig & {
      kind: 'em4100-ascii';
      reader: ReaderId;
      /** A repeat of the same card within this many ms is the same presentation. */
      holdOffMs?: number;
    });

export interface SerialReaderSink {
  frame?(frame: RawFrame): void;
  fault?(fault: LineFault): void;
  card?(read: CardRead): void;
  heartbeat?(channel: number, reader: ReaderId | undefined): void;
}

export interface SerialReaderCounters {
  packetsOk: number;
  /** Windows that started like a packet but failed CRC / end byte / checksum. */
  crcErrors: number;
  /** Bytes dropped while re-aligning. */
  realignDrops: number;
  /** Framed packets that said something invalid (bit count, trailing data, unknown kind …). */
  lineErrors: number;
  /** Frames or faults on a channel with no reader mapped (heartbeats are tracked by channel). */
  unmappedChannel: number;
  /** EM4100 repeats folded into an earlier presentation. */
  repeats: number;
  /** Successful opens after the first one (the device came back). */
  reopens: number;
  openFailures: number;
}

export interface SerialReaderHealth {
  open: boolean;
  lastError?: string;
  /** Monotonic µs of the last byte received, if any. */
  lastDataUs?: number;
  /** Monotonic µs of the last heartbeat per bridge channel. */
  lastHeartbeatUs: Readonly<Record<number, number>>;
  counters: Readonly<SerialReaderCounters>;
}

export interface SerialReader {
  start(): void;
  stop(): Promise<void>;
  health(): SerialReaderHealth;
}

export interface SerialReaderDeps {
  clock: Clock;
  sink: SerialReaderSink;
  logger?: Logger;
}

export function createSerialReader(config: SerialReaderConfig, deps: SerialReaderDeps): SerialReader {
  const { clock, sink } = deps;
  const log = (deps.logger ?? silentLogger).child({ serial: config.path, kind: config.kind });
  const minMs = config.reopenMinMs ?? 100;
  // Capped at 1 s so a device that comes back is picked up again within about a second.
  const maxMs = config.reopenMaxMs ?? 1000;
  const counters: SerialReaderCounters = {
    packetsOk: 0,
    crcErrors: 0,
    realignDrops: 0,
    lineErrors: 0,
    unmappedChannel: 0,
    repeats: 0,
    reopens: 0,
    openFailures: 0,
  };
  const lastHeartbeatUs: Record<number, number> = {};
  let port: SerialPort | undefined;
  let running = false;
  let everOpened = false;
  let retryMs = minMs;
  let retryTimer: TimerHandle | undefined;
  let livenessTimer: TimerHandle | undefined;
  let lastError: string | undefined;
  let lastDataUs: number | undefined;

  /** A consumer's exception must not take the capture down with it. */
  const deliver = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `serial reader sink threw on ${what}`);
    }
  };

  const readerOf = (channel: number): ReaderId | undefined =>
    config.kind === 'wiegand-bridge' ? config.channels[channel] : config.reader;

  function onBridgeEvent(e: BridgeParserEvent): void {
    const atUs = clock.monotonicUs();
    if (e.type === 'skipped') {
      counters.realignDrops += e.bytes;
      counters.crcErrors += e.rejected;
      return;
    }
    if (e.type === 'line_error') {
      counters.lineErrors += 1;
      log.warn({ reason: e.error.reason, channel: e.error.channel }, 'bridge line error');
      const reader = e.error.channel === undefined ? undefined : readerOf(e.error.channel);
      if (reader !== undefined) {
        deliver('fault', () => sink.fault?.({ reader, kind: 'bad_packet', atUs, detail: e.error.reason }));
      }
      return;
    }
    counters.packetsOk += 1;
    const p = e.packet;
    if (p.kind === 'heartbeat') lastHeartbeatUs[p.channel] = atUs;
    const reader = readerOf(p.channel);
    if (p.kind === 'heartbeat') {
      deliver('heartbeat', () => sink.heartbeat?.(p.channel, reader));
      return;
    }
    if (reader === undefined) {
      counters.unmappedChannel += 1;
      log.warn({ channel: p.channel }, 'bridge packet on an unmapped channel');
      return;
    }
    if (p.kind === 'frame') {
      const frame: RawFrame = { reader, bits: p.bits, firstEdgeUs: atUs, lastEdgeUs: atUs, bitPeriodUs: 0, source: 'serial' };
      deliver('frame', () => sink.frame?.(frame));
    } else {
      deliver('fault', () => sink.fault?.({ reader, kind: FAULT_KIND[p.fault], atUs }));
    }
  }

  const onEm4100Event = (reader: ReaderId) => (e: Em4100ParserEvent): void => {
    if (e.type === 'skipped') {
      counters.realignDrops += e.bytes;
      counters.crcErrors += e.rejected;
      return;
    }
    counters.packetsOk += 1;
    if (e.type === 'repeat') {
      counters.repeats += 1;
      return;
    }
    const read = em4100CardRead(reader, clock.now(), e.value);
    deliver('card', () => sink.card?.(read));
  };

  function makeParser(): Transform {
    if (config.kind === 'wiegand-bridge') {
      return new BridgePacketParser().on('data', onBridgeEvent);
    }
    const options = config.holdOffMs === undefined ? { clock } : { clock, holdOffMs: config.holdOffMs };
    return new Em4100PacketParser(options).on('data', onEm4100Event(config.reader));
  }

  function scheduleReopen(): void {
    if (!running || retryTimer !== undefined) return;
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, maxMs);
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      open();
    }, wait);
  }

  function openFailed(err: Error): void {
    counters.openFailures += 1;
    if (lastError !== err.message) log.warn({ err: err.message }, 'cannot open serial device; will retry');
    lastError = err.message;
    scheduleReopen();
  }

  /**
   * A vanished device does not always say so: on a pty whose other end closed, serialport can wait
   * for data forever with no 'close' or 'error'. So while open, the configured path is checked to
   * still name the device that was opened; when it is gone or names another one, the port is closed
   * and the usual reopen takes over. (Paths that name no file, e.g. in tests with a mock binding,
   * are not watched.)
   */
  function watchLiveness(opened: SerialPort): void {
    let identity: string | undefined;
    try {
      identity = deviceIdentity(statSync(config.path));
    } catch {
      return;
    }
    const check = () => {
      livenessTimer = undefined;
      if (port !== opened) return;
      stat(config.path, (err, st) => {
        if (port !== opened) return;
        if (!err && deviceIdentity(st) === identity) {
          livenessTimer = clock.setTimeout(check, config.livenessMs ?? 500);
          return;
        }
        log.warn('serial device path gone or replaced; closing to reopen');
        opened.close(() => undefined);
      });
    };
    livenessTimer = clock.setTimeout(check, config.livenessMs ?? 500);
  }

  function open(): void {
    let candidate: SerialPort;
    try {
      candidate = new SerialPort({ path: config.path, baudRate: config.baudRate ?? DEFAULT_BAUD_RATE[config.kind], autoOpen: false, ...PORT_BINDING });
    } catch (err) {
      // The constructor throws on options it cannot use (an empty path, a bad baud rate).
      openFailed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    candidate.on('error', (err: Error) => {
      lastError = err.message;
      log.warn({ err: err.message }, 'serial port error');
    });
    candidate.open((err) => {
      if (err) {
        openFailed(err);
        return;
      }
      if (!running) {
        candidate.close(() => undefined);
        return;
      }
      if (everOpened) counters.reopens += 1;
      everOpened = true;
      retryMs = minMs;
      lastError = undefined;
      port = candidate;
      log.info('serial device open');
      watchLiveness(candidate);
      const parser = makeParser();
      candidate.on('data', (chunk: Buffer) => {
        lastDataUs = clock.monotonicUs();
        parser.write(chunk);
      });
      candidate.on('close', (closeErr: (Error & { disconnected?: boolean }) | null) => {
        parser.end();
        if (port !== candidate) return;
        port = undefined;
        if (!running) return;
        lastError = closeErr?.message ?? 'closed';
        log.warn({ err: lastError, disconnected: closeErr?.disconnected === true }, 'serial device lost; reopening');
        scheduleReopen();
      });
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      retryMs = minMs;
      open();
    },
    async stop() {
      running = false;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      if (livenessTimer !== undefined) clock.clearTimeout(livenessTimer);
      livenessTimer = undefined;
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
    },
    health() {
      return {
        open: port !== undefined,
        ...(lastError === undefined ? {} : { lastError }),
        ...(lastDataUs === undefined ? {} : { lastDataUs }),
        lastHeartbeatUs: { ...lastHeartbeatUs },
        counters: { ...counters },
      };
    },
  };
}
