/**
 * `doorctl sim`: a simulated reader. Sends a card, raw bits, keypad keys or an EM4100 id either as
 * serial packets to a device (a pty pair end, a USB adapter) or as edges with real timing to a
 * controller's simulation socket. Protocols: docs/serial.md.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/clock.ts';
import { edgeTrain, type EdgeTrainOptions } from '../../capture/sim/edge-train.ts';
import { connectSimEdgeClient, paceEdges } from '../../capture/sim/sim-edge-client.ts';
import { buildSimPayload, type SimPayload, type SimPayloadSpec } from '../../capture/sim/sim-payload.ts';
import { openSimSerialWriter } from '../../capture/sim/sim-serial-writer.ts';
import { BRIDGE_MAX_CHANNEL } from '../../capture/serial/bridge-packet.ts';
import type { SerialReaderKind } from '../../capture/serial/serial-reader.ts';
import type { Fields } from '../../wiegand/types.ts';
import type { Command } from '../main.ts';

const USAGE = `usage: doorctl sim <payload> <target> [timing]

payload (one of):
  --format NAME --facility N --card N [--issue N] [--oem N]   a card of a table format
  --bits 0101...                                              raw frame bits
  --keys 1234# --keypad-mode MODE [--site N]                  keypad keys (--site for 26bit_pin_as_card)
  --em4100 HEX                                                an EM4100 id, up to 10 hex digits

target (one of):
  --serial PATH --kind wiegand-bridge|em4100-ascii [--channel 0-3] [--baud N]
  --socket PATH --reader ID                                   a controller's simulation edge socket

timing:
  --repeat N        send the whole payload N times (default 1)
  --gap-ms N        pause between frames and repeats (default 100)
  --pulse-us N      pulse width, socket only (default 50)
  --interval-us N   bit interval, socket only (default 2000)
  --jitter-us N     interval jitter, socket only (default 0)
  --glitches N      short spurious pulses per frame, socket only (default 0)
  --seed N          jitter/glitch seed, socket only (default 1)
`;

const OPTIONS = {
  format: { type: 'string' },
  facility: { type: 'string' },
  card: { type: 'string' },
  issue: { type: 'string' },
  oem: { type: 'string' },
  bits: { type: 'string' },
  keys: { type: 'string' },
  'keypad-mode': { type: 'string' },
  site: { type: 'string' },
  em4100: { type: 'string' },
  serial: { type: 'string' },
  kind: { type: 'string' },
  channel: { type: 'string' },
  baud: { type: 'string' },
  socket: { type: 'string' },
  reader: { type: 'string' },
  repeat: { type: 'string' },
  'gap-ms': { type: 'string' },
  'pulse-us': { type: 'string' },
  'interval-us': { type: 'string' },
  'jitter-us': { type: 'string' },
  glitches: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

type Target =
  | { kind: 'serial'; path: string; serialKind: SerialReaderKind; channel: number; baudRate?: number }
  | { kind: 'socket'; path: string; reader: string };

interface Plan {
  payload: SimPayload;
  target: Target;
  timing: EdgeTrainOptions;
  repeat: number;
  gapMs: number;
}

class UsageError extends Error {}

function int(values: Values, name: keyof Values, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`);
  }
  return Number(text);
}

function payloadSpec(v: Values): SimPayloadSpec {
  const given = (['format', 'bits', 'keys', 'em4100'] as const).filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one payload: --format, --bits, --keys or --em4100');
  if (v.format !== undefined) {
    const fields: Fields = {};
    const pairs = [['facility', 'facility_code'], ['card', 'card_number'], ['issue', 'issue_level'], ['oem', 'oem']] as const;
    for (const [opt, field] of pairs) {
      const n = int(v, opt, 0);
      if (n !== undefined) fields[field] = n;
    }
    return { kind: 'card', format: v.format, fields };
  }
  if (v.bits !== undefined) return { kind: 'bits', bits: v.bits };
  if (v.keys !== undefined) {
    if (v['keypad-mode'] === undefined) throw new UsageError('--keys needs --keypad-mode');
    const site = int(v, 'site', 0);
    return { kind: 'keys', keys: v.keys, mode: v['keypad-mode'], ...(site === undefined ? {} : { siteCode: site }) };
  }
  return { kind: 'em4100', hex: v.em4100! };
}

function target(v: Values, payload: SimPayload): Target {
  if ((v.serial === undefined) === (v.socket === undefined)) throw new UsageError('give exactly one target: --serial or --socket');
  if (v.serial !== undefined) {
    const kind = v.kind;
    if (kind !== 'wiegand-bridge' && kind !== 'em4100-ascii') throw new UsageError('--serial needs --kind wiegand-bridge or em4100-ascii');
    if ((kind === 'em4100-ascii') !== (payload.kind === 'em4100')) {
      throw new UsageError('--kind em4100-ascii carries --em4100 ids only, and --em4100 needs --kind em4100-ascii');
    }
    const socketOnly = (['pulse-us', 'interval-us', 'jitter-us', 'glitches', 'seed', 'reader'] as const).find((k) => v[k] !== undefined);
    if (socketOnly) throw new UsageError(`--${socketOnly} applies to --socket only`);
    const baud = int(v, 'baud', 1);
    return {
      kind: 'serial',
      path: v.serial,
      serialKind: kind,
      channel: int(v, 'channel', 0, BRIDGE_MAX_CHANNEL) ?? 0,
      ...(baud === undefined ? {} : { baudRate: baud }),
    };
  }
  if (payload.kind === 'em4100') throw new UsageError('--em4100 goes to --serial --kind em4100-ascii, not to a socket');
  if (v.reader === undefined) throw new UsageError('--socket needs --reader');
  const serialOnly = (['kind', 'channel', 'baud'] as const).find((k) => v[k] !== undefined);
  if (serialOnly) throw new UsageError(`--${serialOnly} applies to --serial only`);
  return { kind: 'socket', path: v.socket!, reader: v.reader };
}

function plan(args: string[]): Plan | 'help' {
  let values: Values;
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  const built = buildSimPayload(payloadSpec(values));
  if (!built.ok) throw new UsageError(built.error);
  const timing: EdgeTrainOptions = {};
  const knobs = [['pulse-us', 'pulseUs', 1], ['interval-us', 'intervalUs', 1], ['jitter-us', 'jitterUs', 0], ['glitches', 'glitches', 0], ['seed', 'seed', 0]] as const;
  for (const [opt, key, min] of knobs) {
    const n = int(values, opt, min);
    if (n !== undefined) timing[key] = n;
  }
  return {
    payload: built.payload,
    target: target(values, built.payload),
    timing,
    repeat: int(values, 'repeat', 1) ?? 1,
    gapMs: int(values, 'gap-ms', 0) ?? 100,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => systemClock.setTimeout(resolve, ms));

/** Runs `send` for every item of every repeat, pausing `gapMs` between consecutive sends. */
async function sendAll<T>(items: readonly T[], p: Plan, send: (item: T, index: number) => Promise<void>): Promise<number> {
  let sent = 0;
  for (let r = 0; r < p.repeat; r++) {
    for (const item of items) {
      if (sent > 0) await sleep(p.gapMs);
      await send(item, sent);
      sent++;
    }
  }
  return sent;
}

async function execute(p: Plan): Promise<Record<string, unknown>> {
  const t = p.target;
  if (t.kind === 'serial') {
    const writer = await openSimSerialWriter({ path: t.path, kind: t.serialKind, ...(t.baudRate ? { baudRate: t.baudRate } : {}) });
    try {
      const sent =
        p.payload.kind === 'em4100'
          ? await sendAll([p.payload.value], p, (value) => writer.writeEm4100(value))
          : await sendAll(p.payload.frames, p, (bits) => writer.writeBridge({ kind: 'frame', channel: t.channel, bits }));
      return { target: 'serial', path: t.path, kind: t.serialKind, packets: sent };
    } finally {
      await writer.close();
    }
  }
  if (p.payload.kind !== 'frames') throw new UsageError('an EM4100 id cannot go to a socket');
  const client = await connectSimEdgeClient(t.path);
  let edges = 0;
  try {
    const base = p.timing.seed ?? 1;
    const frames = await sendAll(p.payload.frames, p, async (bits, i) => {
      // A new seed per frame, so glitches and jitter differ between repeats.
      const train = edgeTrain(bits, { ...p.timing, seed: base + i });
      edges += train.length;
      await paceEdges(train, systemClock, (batch) => client.send(t.reader, batch));
    });
    return { target: 'socket', path: t.path, reader: t.reader, frames, edges };
  } finally {
    await client.close();
  }
}

export const run: Command = async (args, io) => {
  let p: Plan | 'help';
  try {
    p = plan(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`doorctl sim: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (p === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    // The summary says how much was sent, never the bits: a keypad payload is a PIN.
    io.stdout.write(JSON.stringify(await execute(p)) + '\n');
    return 0;
  } catch (err) {
    io.stderr.write(`doorctl sim: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
};
