import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import type { RepoResult } from './result-codes.ts';

export type Sqlite = Database.Database;

export interface OpenDatabaseOptions {
  /** Directory holding the database file; created if missing. Default `./data`. */
  readonly dataDir?: string;
  /** File name inside `dataDir`. Default `doorctl.db`. */
  readonly file?: string;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** For tests of the migration runner; production uses the built-in list. */
  readonly migrations?: readonly Migration[];
}

export interface IntegrityReport {
  readonly ok: boolean;
  /** `PRAGMA integrity_check` lines (just `ok` when healthy) and any foreign-key violations. */
  readonly messages: readonly string[];
}

export interface Db {
  readonly sqlite: Sqlite;
  readonly path: string;
  /** Schema version after migrations (`PRAGMA user_version`). */
  readonly schemaVersion: number;
  /**
   * Runs `fn` in a transaction; nested calls become savepoints (better-sqlite3 semantics), so a
   * batch can wrap chunks and each item independently. A throw rolls back that level only.
   */
  withTransaction<T>(fn: () => T): T;
  /**
   * Like `withTransaction`, for repository-style work that reports failure as a result: a
   * `{ ok: false }` result rolls its writes back (and is returned), so a failed batch item leaves
   * the database exactly as it was for that item.
   */
  attempt<T>(fn: () => RepoResult<T>): RepoResult<T>;
  /**
   * Runs `fn` (which commits) without the fsync at each commit (synchronous = NORMAL for its
   * duration). What it commits is consistent after a power cut but durable only once the WAL is
   * synced: by `syncWal`/`syncWalNow`, by any later commit on a FULL connection, or by a checkpoint.
   * For writes nobody has been told about yet (journal rows, batch chunks acknowledged after a sync).
   */
  unsynced<T>(fn: () => T): T;
  /** Makes every commit so far durable: fdatasync of the WAL on libuv's thread pool, off the event loop. */
  syncWal(): Promise<void>;
  /** The same, on the calling thread (a worker thread, where blocking is fine). */
  syncWalNow(): void;
  integrityCheck(): IntegrityReport;
  close(): void;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    readonly path: string,
  ) {
    super(
      `database ${path} has schema version ${databaseVersion}, newer than this doorctl understands ` +
        `(schema version ${codeVersion}); refusing to start. Upgrade doorctl or restore a matching backup.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** PRAGMA synchronous levels: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
const SYNCHRONOUS_NORMAL = 1;

class RolledBack<T> extends Error {
  constructor(readonly result: RepoResult<T>) {
    super('rolled back');
  }
}

function checkMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order at "${m.name}": expected version ${i + 1}`);
  });
}

function applyMigrations(sqlite: Sqlite, migrations: readonly Migration[], path: string): number {
  const codeVersion = migrations.length;
  const run = sqlite.transaction(() => {
    const current = sqlite.pragma('user_version', { simple: true }) as number;
    if (current > codeVersion) throw new SchemaTooNewError(current, codeVersion, path);
    for (const m of migrations.slice(current)) {
      sqlite.exec(m.sql);
      // user_version lives in the database header and is part of this transaction.
      sqlite.pragma(`user_version = ${m.version}`);
    }
    return Math.max(current, codeVersion);
  });
  // IMMEDIATE: two processes starting together must not both decide to migrate.
  return run.immediate();
}

export function openDatabase(opts: OpenDatabaseOptions = {}): Db {
  const dataDir = resolve(opts.dataDir ?? './data');
  // Owner-only: the file holds PIN and password hashes and the access journal.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, opts.file ?? 'doorctl.db');
  const migrations = opts.migrations ?? MIGRATIONS;
  checkMigrationOrder(migrations);

  const sqlite = new Database(path);
  try {
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`could not switch ${path} to WAL mode (got ${String(mode)})`);
    // FULL, not NORMAL: in WAL mode NORMAL skips the fsync at each commit, so a power cut can
    // lose the last commits even though they were reported done. A pass counter is decremented
    // before the relay opens and an admin change is acknowledged to the caller; both must survive
    // a power cut, so by default every commit waits for the WAL to reach the disk. Writes nobody
    // waits on yet opt out with `unsynced` and are synced with `syncWal` before anyone is told.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    const schemaVersion = applyMigrations(sqlite, migrations, path);
    return makeDb(sqlite, path, schemaVersion);
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

function makeDb(sqlite: Sqlite, path: string, schemaVersion: number): Db {
  // syncWal's descriptor, opened at the first sync and kept until close: a sync is then one job on
  // libuv's thread pool, not three (open, fdatasync, close). The event loop takes each finished
  // job back under the pool's queue lock, and a pool thread preempted while holding it kept the
  // real-time loop waiting up to 10 ms (perf sched, under the import benchmark).
  let walFd: number | undefined;
  return {
    sqlite,
    path,
    schemaVersion,
    // IMMEDIATE: take the write lock at BEGIN. A deferred transaction that has read cannot upgrade
    // once another connection (the batch worker) has committed: SQLite answers SQLITE_BUSY at once
    // instead of waiting, which surfaced as a 500 on admin writes during a batch import.
    withTransaction<T>(fn: () => T): T {
      return sqlite.transaction(fn).immediate();
    },
    attempt<T>(fn: () => RepoResult<T>): RepoResult<T> {
      try {
        return sqlite.transaction(() => {
          const result = fn();
          if (!result.ok) throw new RolledBack(result);
          return result;
        }).immediate();
      } catch (err) {
        if (err instanceof RolledBack) return err.result as RepoResult<T>;
        throw err;
      }
    },
    unsynced<T>(fn: () => T): T {
      const level = sqlite.pragma('synchronous', { simple: true }) as number;
      if (level <= SYNCHRONOUS_NORMAL) return fn();
      sqlite.pragma('synchronous = NORMAL');
      try {
        return fn();
      } finally {
        sqlite.pragma(`synchronous = ${level}`);
      }
    },
    syncWal(): Promise<void> {
      return new Promise((resolve, reject) => {
        walFd ??= openSync(`${path}-wal`, 'r+');
        fdatasync(walFd, (err) => (err ? reject(err) : resolve()));
      });
    },
    // Its own descriptor each time, not syncWal's: the batch worker calls it, and a terminated
    // worker never closes its database, so a kept descriptor would leak with every worker.
    syncWalNow(): void {
      const fd = openSync(`${path}-wal`, 'r+');
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    integrityCheck(): IntegrityReport {
      const lines = sqlite.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
      const messages = lines.map((l) => l.integrity_check);
      const fk = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      for (const v of fk) messages.push(`foreign key violation: ${v.table} rowid ${v.rowid} -> ${v.parent}`);
      return { ok: messages.length === 1 && messages[0] === 'ok', messages };
    },
    close(): void {
      if (sqlite.open) sqlite.close();
      if (walFd !== undefined) closeSync(walFd);
      walFd = undefined;
    },
  };
}
