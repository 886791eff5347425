import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SchemaTooNewError } from './database.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import { failure, success } from './result-codes.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('openDatabase', () => {
  it('creates the data dir and file, migrates from empty, and sets the durability pragmas', () => {
    const dataDir = join(temp.dir(), 'nested', 'data');
    const db = temp.open({ dataDir, file: 'x.db' });
    expect(existsSync(join(dataDir, 'x.db'))).toBe(true);
    expect(db.schemaVersion).toBe(MIGRATIONS.length);
    expect(db.sqlite.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['users', 'identifiers', 'access_codes', 'journal', 'settings']));
  });

  it('reopens an existing database without re-running migrations, keeping data', () => {
    const dataDir = temp.dir();
    const first = temp.open({ dataDir });
    first.sqlite.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES ('k', '1', 0)").run();
    first.close();
    const second = temp.open({ dataDir });
    expect(second.schemaVersion).toBe(MIGRATIONS.length);
    expect(second.sqlite.prepare("SELECT value_json FROM settings WHERE key = 'k'").pluck().get()).toBe('1');
  });

  it('applies only the pending migrations, in order, on an older database', () => {
    const dataDir = temp.dir();
    temp.open({ dataDir }).close();
    const extra: Migration = { version: MIGRATIONS.length + 1, name: 'add t', sql: 'CREATE TABLE t (x INTEGER);' };
    const db = temp.open({ dataDir, migrations: [...MIGRATIONS, extra] });
    expect(db.schemaVersion).toBe(MIGRATIONS.length + 1);
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(0);
  });

  it('rolls a failing migration back entirely', () => {
    const dataDir = temp.dir();
    temp.open({ dataDir }).close();
    const bad: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      sql: 'CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);',
    };
    expect(() => temp.open({ dataDir, migrations: [...MIGRATIONS, bad] })).toThrow(/no_such_table/);
    const db = temp.open({ dataDir });
    expect(db.schemaVersion).toBe(MIGRATIONS.length);
    expect(db.sqlite.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
  });

  it('refuses a database whose schema is newer than the code, naming both versions', () => {
    const dataDir = temp.dir();
    temp.open({ dataDir }).close();
    const raw = new Database(join(dataDir, 'doorctl.db'));
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    let error: unknown;
    try {
      temp.open({ dataDir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    const e = error as SchemaTooNewError;
    expect(e.databaseVersion).toBe(MIGRATIONS.length + 5);
    expect(e.codeVersion).toBe(MIGRATIONS.length);
    expect(e.message).toContain(`schema version ${MIGRATIONS.length + 5}`);
    expect(e.message).toContain(`schema version ${MIGRATIONS.length})`);
  });

  it('rejects a migration list with gaps', () => {
    const gap: Migration = { version: MIGRATIONS.length + 2, name: 'gap', sql: '' };
    expect(() => temp.fresh({ migrations: [...MIGRATIONS, gap] })).toThrow(/out of order/);
  });

  it('integrityCheck reports ok on a healthy database', () => {
    const report = temp.fresh().integrityCheck();
    expect(report).toEqual({ ok: true, messages: ['ok'] });
  });

  it('integrityCheck reports foreign-key violations', () => {
    const db = temp.fresh();
    db.sqlite.pragma('foreign_keys = OFF');
    db.sqlite
      .prepare(
        `INSERT INTO identifiers (uid, type, number, user_uuid, lock, created_at, updated_at)
         VALUES ('i1', 'card', '1', 'nobody', 'all', 0, 0)`,
      )
      .run();
    const report = db.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.messages.join('\n')).toMatch(/foreign key violation: identifiers/);
  });
});

describe('transactions', () => {
  function counter(db: ReturnType<typeof temp.fresh>) {
    db.sqlite.exec('CREATE TABLE c (x INTEGER)');
    const insert = db.sqlite.prepare('INSERT INTO c (x) VALUES (?)');
    const rows = () => db.sqlite.prepare('SELECT x FROM c ORDER BY x').pluck().all();
    return { insert, rows };
  }

  it('attempt rolls back the writes of a failed item only, inside an outer batch', () => {
    const db = temp.fresh();
    const { insert, rows } = counter(db);
    const results = db.withTransaction(() =>
      [1, 2, 3].map((x) =>
        db.attempt(() => {
          insert.run(x);
          insert.run(x * 10);
          return x === 2 ? failure('entity_not_found') : success('created', x);
        }),
      ),
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(rows()).toEqual([1, 3, 10, 30]);
  });

  it('withTransaction rolls back everything on a throw', () => {
    const db = temp.fresh();
    const { insert, rows } = counter(db);
    expect(() =>
      db.withTransaction(() => {
        insert.run(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(rows()).toEqual([]);
  });
});

describe('write transactions against another connection', () => {
  it('hold the write lock from BEGIN, so a read-then-write cannot be overtaken by a commit elsewhere', () => {
    const dataDir = temp.dir();
    const db = temp.open({ dataDir });
    db.sqlite.prepare("INSERT INTO settings (key, value_json, updated_at) VALUES ('k', '1', 0)").run();
    const other = new Database(db.path, { timeout: 0 });
    try {
      const otherWrite = other.prepare("UPDATE settings SET value_json = '2' WHERE key = 'k'");
      const result = db.withTransaction(() => {
        const seen = db.sqlite.prepare("SELECT value_json FROM settings WHERE key = 'k'").pluck().get();
        // A deferred transaction would let this commit, then fail its own write with SQLITE_BUSY.
        expect(() => otherWrite.run()).toThrow(/locked|busy/i);
        db.sqlite.prepare("UPDATE settings SET value_json = '3' WHERE key = 'k'").run();
        return seen;
      });
      expect(result).toBe('1');
      expect(other.prepare("SELECT value_json FROM settings WHERE key = 'k'").pluck().get()).toBe('3');
      const attempted = db.attempt(() => {
        expect(() => otherWrite.run()).toThrow(/locked|busy/i);
        return success('updated', 1);
      });
      expect(attempted.ok).toBe(true);
    } finally {
      other.close();
    }
  });
});

describe('unsynced commits and WAL syncs', () => {
  const level = (db: ReturnType<typeof temp.fresh>) => db.sqlite.pragma('synchronous', { simple: true });

  it('unsynced commits with synchronous NORMAL and restores FULL afterwards, also after a throw', () => {
    const db = temp.fresh();
    db.sqlite.exec('CREATE TABLE c (x INTEGER)');
    const seen = db.unsynced(() => {
      db.withTransaction(() => db.sqlite.prepare('INSERT INTO c VALUES (1)').run());
      return level(db);
    });
    expect(seen).toBe(1);
    expect(level(db)).toBe(2);
    expect(() => db.unsynced(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(level(db)).toBe(2);
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM c').pluck().get()).toBe(1);
  });

  it('unsynced leaves a connection that is already NORMAL as it is', () => {
    const db = temp.fresh();
    db.sqlite.pragma('synchronous = NORMAL');
    expect(db.unsynced(() => level(db))).toBe(1);
    expect(level(db)).toBe(1);
  });

  it('syncWal and syncWalNow sync the WAL file of an open database', async () => {
    const db = temp.fresh();
    db.unsynced(() => db.withTransaction(() => db.sqlite.exec('CREATE TABLE s (x INTEGER); INSERT INTO s VALUES (1)')));
    await expect(db.syncWal()).resolves.toBeUndefined();
    expect(() => db.syncWalNow()).not.toThrow();
  });

  it.runIf(process.platform === 'linux')('syncWal keeps one descriptor of the WAL across syncs and closes it with the database', async () => {
    const db = temp.fresh();
    db.unsynced(() => db.withTransaction(() => db.sqlite.exec('CREATE TABLE d (x INTEGER); INSERT INTO d VALUES (1)')));
    const walFds = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === `${db.path}-wal`;
      } catch {
        return false; // the listing's own descriptor, closed since
      }
    });
    const sqliteOwn = walFds().length;
    await db.syncWal();
    await db.syncWal();
    expect(walFds().length).toBe(sqliteOwn + 1);
    db.close();
    expect(walFds()).toEqual([]);
  });
});
