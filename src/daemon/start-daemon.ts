/**
 * The controller's composition root. Start-up order matters for safety: every relay is claimed in
 * its safe state before the database opens, readers start only once the credential index is
 * loaded, and the admin API listens last. Stop reverses it, relays to safe state first.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { CredentialIndex } from '../access/credential-index.ts';
import { doorsOfMask, LOCK_SCOPES } from '../access/lock-scope.ts';
import { TimeProfileSet } from '../access/time-profile.ts';
import { createApp } from '../api/app.ts';
import { streamsWant } from '../api/event-stream.ts';
import type { Config } from '../config/config-schema.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { boostLoopOnly, realtimeLoop, setRealtime } from '../core/thread-priority.ts';
import { loadBoardProfile } from '../io/board-profile.ts';
import { openGpioPort } from '../io/gpio/open-port.ts';
import type { GpioBackendName, GpioPort } from '../io/gpio/gpio-port.ts';
import { createServices, type Services } from '../service/services.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createJournal, type JournalEvent } from '../storage/journal.ts';
import { createJournalWriter, type JournalWriter } from '../storage/journal-writer.ts';
import { createWalCheckpointer, type WalCheckpointer } from '../storage/wal-checkpointer.ts';
import { resolveFormatNames } from '../wiegand/format/formats.ts';
import { AccessExecutor, type DecisionRecord } from './access-executor.ts';
import { startCaptureSources, type CaptureSources } from './capture-sources.ts';
import { createDoorBank, type DoorBank } from './door-bank.ts';
import { createPassLedger } from './pass-ledger.ts';
import { createPinVerifier } from './pin-verifier.ts';
import { ReaderPipeline } from './reader-pipeline.ts';
import { createSystemdNotifier } from './systemd-notify.ts';
import { loadTimeProfiles } from './time-profiles.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** For tests: where the sysfs tree and the character devices are looked for. */
  readonly hostRoot?: string;
}

export interface Daemon {
  readonly gpioBackend: GpioBackendName;
  readonly services: Services;
  readonly index: CredentialIndex;
  readonly doors: DoorBank;
  readonly readers: ReadonlyMap<string, ReaderPipeline>;
  readonly executor: AccessExecutor;
  /** `journal` (every event as it is appended) and `decision` (DecisionRecord). */
  readonly events: EventEmitter;
  readonly simSocketPath: string | null;
  readonly address: AddressInfo | null;
  readonly db: Db;
  /** Relays to safe state, readers and API stopped, journal flushed, database closed. */
  stop(): Promise<void>;
}

/** A machine with neither the GPIO character device nor sysfs GPIO: a development box. */
export function machineHasGpio(hostRoot = '/'): boolean {
  const dev = join(hostRoot, 'dev');
  const hasChardev = existsSync(dev) && readdirSync(dev).some((n) => /^gpiochip\d+$/.test(n));
  return hasChardev || existsSync(join(hostRoot, 'sys/class/gpio'));
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });

  const backend = config.gpio.backend === 'auto' && !machineHasGpio(opts.hostRoot) ? 'sim' : config.gpio.backend;
  if (backend === 'sim') logger.info('no GPIO on this machine: simulated relays and inputs');
  const board = loadBoardProfile(config.gpio.board);
  const port: GpioPort = await openGpioPort({
    backend,
    clock,
    logger,
    chipLabel: board.pinctrlLabel,
    chardev: { chip: config.gpio.chip },
    simStateFile: join(dataDir, 'sim-gpio.json'),
    ...(opts.hostRoot ? { sysfsRoot: join(opts.hostRoot, 'sys') } : {}),
  });

  // Until the journal exists, relay and door events wait here (the relays are claimed first).
  const early: JournalEvent[] = [];
  let writer: JournalWriter | null = null;
  const events = new EventEmitter();
  // One listener per admin event stream (bounded in api/event-stream.ts) plus the daemon's own.
  events.setMaxListeners(0);
  const announce = (e: JournalEvent): void => {
    events.emit('journal', e);
  };
  const journal = {
    append(e: JournalEvent) {
      if (writer) writer.append(e);
      else early.push(e);
      announce(e);
    },
    announce,
    wants: (type: string) => streamsWant(events, type),
  };

  const doors = createDoorBank({
    port, board, doors: config.doors, readers: config.readers, tamper: config.gpio.tamper, clock, logger,
    events: {
      relay: (t, door) => {
        journal.append({ ts: t.atMs, type: 'relay', door: String(door), reason: t.reason, details: { state: t.state, energised: t.coilEnergised } });
        logger.info({ door, state: t.state, reason: t.reason }, 'relay');
      },
      door: (e, door) => {
        const { type, atMs, door: _name, ...details } = e;
        journal.append({ ts: atMs, type, door: String(door), details });
        logger.info({ door, event: type }, 'door event');
      },
    },
  });

  let db: Db | null = null;
  let checkpointer: WalCheckpointer | null = null;
  // Ends a background index load before the database closes.
  let stopLoad = async (): Promise<void> => {};
  try {
    db = openDatabase({ dataDir });
    // The opened database, for closures (`db` itself stays nullable for the catch below).
    const openDb = db;
    checkpointer = createWalCheckpointer(db, { clock, logger });
    const index = new CredentialIndex();
    writer = createJournalWriter(createJournal(db, { maxRows: config.journal.maxRows }), {
      clock, logger, flushIntervalMs: config.journal.flushMs, makeDurable: () => openDb.syncWal(),
    });
    for (const e of early.splice(0)) writer.append(e);

    const readers = new Map<string, ReaderPipeline>();
    const services = createServices({
      db, index, clock, logger, config, journal,
      openDoor: (lock, caller) => {
        const targets = doorsOfMask(LOCK_SCOPES[lock]).filter((d) => doors.doorIds.includes(d));
        if (targets.length === 0) return { ok: false, reason: `no door for lock '${lock}'` };
        doors.grant(targets);
        logger.info({ lock, caller: caller.name }, 'remote open');
        return { ok: true };
      },
      onSettingsChanged: (s) => {
        for (const r of s.readers) {
          const resolved = resolveFormatNames(r.formats);
          if (resolved.ok) readers.get(r.id)?.setFormats(resolved.formats);
        }
      },
    });

    // A small identifier table loads here and now. A large one (a million identifiers take ~2.2 s)
    // loads in the background once the daemon is ready, a chunk per event-loop turn: until it is
    // done the readers ask storage for any number the index does not hold yet, so a card is decided
    // right from the start. Meanwhile, on a first start, the thread pool hashes the initial admin's
    // password (scrypt, ~60 ms).
    const loadStart = performance.now();
    let beginBackgroundLoad = (): void => {};
    const load = services.indexSync.startLoad({ applyAfter: new Promise<void>((resolve) => (beginBackgroundLoad = resolve)) });
    const initialAdmin = services.auth.ensureInitialAdmin();
    const loadLogged = load.done.then(
      (loaded) => logger.info({ identifiers: loaded.loaded, ms: Math.round(performance.now() - loadStart), background: load.background }, 'credential index loaded'),
      (err: unknown) => logger.error({ err }, 'credential index load failed; cards are checked against the database'),
    );
    stopLoad = async () => {
      load.cancel();
      await loadLogged;
    };
    const metrics = new Registry();
    const app = createApp({
      services, logger, clock, metrics, events, doors: () => doors.status(), seamPrefix: config.api.seamPrefix,
      health: async () => ({
        gpio: port.backend,
        identifiers: index.size,
        indexLoading: services.indexSync.loading,
        readers: [...readers.values()].map((r) => ({ id: r.id, ...r.counters().decoder })),
        capture: await capture.health(),
      }),
    });
    const server: Server = config.api.tls
      ? createHttpsServer({ cert: readFileSync(config.api.tls.cert), key: readFileSync(config.api.tls.key) }, app)
      : createHttpServer(app);
    if (load.background) logger.info({ ms: Math.round(performance.now() - loadStart) }, 'credential index loading in the background; cards it does not hold yet are read from the database');

    const admin = await initialAdmin;
    if (admin) {
      // Printed once, to the console only: the log line carries no secret.
      process.stdout.write(`\nInitial admin account created. Username: ${admin.username}  Password: ${admin.password}\n` +
        'Change it with: doorctl set-password admin\n\n');
      logger.warn({ username: admin.username }, 'initial admin account created; password shown once on the console');
    }

    const passes = createPassLedger({
      index,
      indexSync: services.indexSync,
      identifiers: services.repositories.identifiers,
      accessCodes: services.repositories.accessCodes,
    });
    const executor = new AccessExecutor({
      clock, logger, journal, doors, passes,
      onDecision: (d: DecisionRecord) => events.emit('decision', d),
    });
    const profiles = new TimeProfileSet(config.timeZone);
    const profileLoad = loadTimeProfiles(db, profiles, logger);
    if (profileLoad.loaded + profileLoad.refused > 0) logger.info(profileLoad, 'time profiles loaded');
    const verifyPin = createPinVerifier(db);
    const formatsByReader = new Map(services.settings.get().readers.map((r) => [r.id, r.formats]));
    // The pipelines exist before the capture that feeds them starts.
    let feeding: CaptureSources | null = null;
    const deliveryPending = (): boolean => feeding?.deliveryPending() ?? false;
    for (const r of config.readers) {
      const resolved = resolveFormatNames(formatsByReader.get(r.id) ?? r.formats);
      if (!resolved.ok) throw new Error(`reader ${r.id}: unknown formats ${resolved.unknown.join(', ')}`);
      readers.set(r.id, new ReaderPipeline(r, resolved.formats, {
        clock, logger, index, profiles, verifyPin, lookupMiss: services.indexSync.lookupMiss, executor, lockout: config.lockout, deliveryPending,
      }));
    }
    const capture: CaptureSources = await startCaptureSources({ config, board, dataDir, clock, logger, readers, thread: clock === systemClock });
    feeding = capture;

    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(config.api.port, config.api.host, () => ok());
    });
    const address = server.address() as AddressInfo;
    logger.info({ host: address.address, port: address.port, tls: Boolean(config.api.tls) }, 'admin API listening');

    // Every thread that will run during operation exists now but workers, which see to themselves.
    const { realtimePriority } = config.eventLoop;
    const refused = realtimePriority > 0 ? realtimeLoop(realtimePriority) : 'not configured';
    if (!refused) {
      // Nothing at normal priority delays the loop now, so the threads it waits on (V8's GC
      // helpers, libuv's pool) keep the unit's nice: ahead of the batch worker and other processes.
      logger.info({ priority: realtimePriority }, 'event loop in real-time scheduling (SCHED_RR); threads started from now on at normal priority');
      capture.onThread((tid) => {
        const why = setRealtime(tid, 'rr', realtimePriority);
        if (why) logger.warn({ tid, reason: why }, 'capture thread: real-time scheduling refused');
        else logger.info({ tid, priority: realtimePriority }, 'capture thread in real-time scheduling (SCHED_RR)');
      });
    } else {
      if (realtimePriority > 0) logger.warn({ priority: realtimePriority, reason: refused }, 'real-time scheduling refused; the event loop keeps normal scheduling');
      // A capture thread started again later begins at the loop's nice, as threads inherit it.
      const capturing: number[] = [];
      capture.onThread((tid) => capturing.push(tid));
      const loopNice = boostLoopOnly(capturing);
      if (loopNice < 0) logger.info({ nice: loopNice }, 'event loop above normal priority; other threads at normal or below');
    }

    if (config.api.batchWorker === 'resident') services.identifierBatches?.keepRunning();
    const notifier = createSystemdNotifier(opts.env ?? process.env);
    notifier.ready(`${readers.size} readers, ${load.background ? 'credential index loading' : `${index.size} identifiers`}, gpio ${port.backend}`);
    notifier.startWatchdog();
    beginBackgroundLoad();

    let stopped = false;
    return {
      gpioBackend: port.backend, services, index, doors, readers, executor, events, db: openDb,
      simSocketPath: capture.simSocketPath,
      address,
      async stop() {
        if (stopped) return;
        stopped = true;
        notifier.stopping();
        doors.safeState();
        await capture.stop();
        for (const r of readers.values()) r.dispose();
        doors.dispose();
        await stopLoad();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        services.close();
        writer?.close();
        await checkpointer?.close();
        openDb.close();
        notifier.close();
        await port.close();
      },
    };
  } catch (err) {
    doors.safeState();
    await stopLoad();
    writer?.close();
    await checkpointer?.close();
    db?.close();
    await port.close();
    throw err;
  }
}
