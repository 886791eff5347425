/**
 * The controller's configuration: one zod schema, so a bad key is reported by its path at start.
 * Defaults describe the simulation setup a development machine gets with no configuration file.
 */
import { z } from 'zod';
import { KEYPAD_MODES, type KeypadMode } from '../wiegand/keypad/keypad-modes.ts';

const pin = z.number().int().min(0).max(53);
const ms = z.number().int().min(0);

const captureSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sim') }).strict(),
  z.object({ type: z.literal('gpiomon'), chip: z.string().default('gpiochip0') }).strict(),
  z.object({ type: z.literal('onoff') }).strict(),
  z
    .object({
      type: z.literal('serial'),
      path: z.string().min(1),
      kind: z.enum(['wiegand-bridge', 'em4100-ascii']),
      channel: z.number().int().min(0).max(3).default(0),
    })
    .strict(),
]);

export const READER_MODES = ['card', 'pin', 'card_or_pin', 'card_and_pin'] as const;

const readerSchema = z
  .object({
    id: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    door: z.number().int().min(1).max(2),
    /** Index of the reader's pins in the board profile (reader 1 or 2); defaults to the door number. */
    boardReader: z.number().int().min(1).max(2).optional(),
    capture: captureSchema.prefault({ type: 'sim' }),
    formats: z.array(z.string().min(1)).min(1).default(['H10301', 'H10306', 'H10302', 'raw']),
    keypad: z
      .object({
        mode: z.enum(KEYPAD_MODES as [KeypadMode, ...KeypadMode[]]),
        siteCode: z.number().int().min(0).max(255).default(0),
        pinTimeoutMs: ms.default(5000),
        maxLength: z.number().int().min(1).max(16).default(8),
      })
      .strict()
      .optional(),
    mode: z.enum(READER_MODES).default('card_or_pin'),
    holdOffMs: ms.default(2000),
    cardPinWindowMs: ms.default(10_000),
    frame: z
      .object({
        glitchUs: z.number().int().min(0).default(10),
        maxBits: z.number().int().min(8).max(256).default(128),
        floorMs: z.number().min(0.1).optional(),
        ceilingMs: z.number().min(25).optional(),
        periodMultiple: z.number().min(1.5).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const doorSchema = z
  .object({
    id: z.number().int().min(1).max(2),
    name: z.string().default(''),
    /** fail-secure strike (locked when unpowered) or fail-safe maglock (locked while powered). */
    lockType: z.enum(['fail-secure', 'fail-safe']).default('fail-secure'),
    /** Most relay modules switch on a low input. */
    relayPolarity: z.enum(['active-high', 'active-low']).default('active-low'),
    /** The relay contact the lock supply runs through. */
    relayContact: z.enum(['NO', 'NC']).default('NO'),
    pulseMs: ms.default(3000),
    rexPulseMs: ms.default(5000),
    cancelRelockOnOpen: z.boolean().default(true),
    heldOpenPreAlarmMs: ms.default(20_000),
    heldOpenAlarmMs: ms.default(30_000),
    rex: z.enum(['unlock', 'monitor', 'none']).default('unlock'),
    /** Whether a door contact is wired (board profile pin). */
    contact: z.boolean().default(true),
    /** Level of the contact input when the door is open (reed switch to ground with pull-up: 1). */
    contactOpenLevel: z.union([z.literal(0), z.literal(1)]).default(1),
  })
  .strict();

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    timeZone: z
      .string()
      .default('UTC')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'unknown IANA time zone'),
    gpio: z
      .object({
        /** auto: chardev, else onoff; the simulator only on a machine with no GPIO at all. */
        backend: z.enum(['auto', 'sim', 'onoff', 'chardev']).default('auto'),
        board: z.string().default('pi4'),
        chip: z.string().default('gpiochip0'),
        /** Whether a tamper switch is wired to the board profile's tamper pin. */
        tamper: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        tls: z.object({ cert: z.string(), key: z.string() }).strict().optional(),
        tokenTtlMs: ms.default(2 * 3600_000),
        /** Path prefix of the Seam-compatible access code routes (seed 004). */
        seamPrefix: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/).default('/seam'),
        /**
         * The thread that runs large identifier batches: started for a batch and ended after a
         * minute idle (`on_demand`, the least memory), or started with the daemon and kept
         * (`resident`: ~30 MB more at rest; a 10,000-item batch ~0.15 s sooner after a start and
         * ~0.3 s sooner after a quiet minute, for not starting the thread and its code cold).
         */
        batchWorker: z.enum(['on_demand', 'resident']).default('on_demand'),
      })
      .strict()
      .prefault({}),
    eventLoop: z
      .object({
        /**
         * Real-time priority (SCHED_RR, 1-99) of the event loop, the thread of the door path
         * (capture, decoding, rules, relays); every other thread stays at normal priority. 0: no
         * real-time scheduling (the default: it needs privilege, see systemd/doorctl.service).
         */
        realtimePriority: z.number().int().min(0).max(99).default(0),
      })
      .strict()
      .prefault({}),
    representation: z.enum(['decimal', 'hex']).default('decimal'),
    readers: z
      .array(readerSchema)
      .prefault([
        { id: 'door1', door: 1, capture: { type: 'sim' } },
        { id: 'door2', door: 2, capture: { type: 'sim' } },
      ]),
    doors: z.array(doorSchema).prefault([{ id: 1 }, { id: 2 }]),
    lockout: z
      .object({ maxWrong: z.number().int().min(1).default(5), windowMs: ms.default(60_000), lockMs: ms.default(60_000) })
      .strict()
      .prefault({}),
    journal: z
      .object({ maxRows: z.number().int().min(100).default(1_000_000), flushMs: ms.default(20) })
      .strict()
      .prefault({}),
    capacity: z.record(z.string(), z.number().int().min(0)).default({}),
    simulation: z
      .object({ socket: z.string().default('sim-reader.sock') })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const doorIds = new Set(cfg.doors.map((d) => d.id));
    cfg.readers.forEach((r, i) => {
      if (!doorIds.has(r.door)) {
        ctx.addIssue({ code: 'custom', path: ['readers', i, 'door'], message: `no door ${r.door} in doors` });
      }
    });
    const seen = new Set<string>();
    cfg.readers.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['readers', i, 'id'], message: `duplicate reader id '${r.id}'` });
      seen.add(r.id);
    });
  });

export type Config = z.infer<typeof configSchema>;
export type ReaderConfig = Config['readers'][number];
export type DoorConfig = Config['doors'][number];
