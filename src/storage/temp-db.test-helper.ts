import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type Db, type OpenDatabaseOptions } from './database.ts';

/**
 * Real SQLite files in fresh temp directories, closed and removed after each test.
 * Call once at the top of a test file.
 */
export function useTempDbs() {
  const dirs: string[] = [];
  const dbs: Db[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), 'doorctl-storage-'));
      dirs.push(d);
      return d;
    },
    open(opts: OpenDatabaseOptions): Db {
      const db = openDatabase(opts);
      dbs.push(db);
      return db;
    },
    fresh(opts: Omit<OpenDatabaseOptions, 'dataDir'> = {}): Db {
      return this.open({ ...opts, dataDir: this.dir() });
    },
  };
}
