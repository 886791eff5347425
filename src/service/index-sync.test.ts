import { describe, expect, it } from 'vitest';
import { CredentialIndex } from '../access/credential-index.ts';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../core/logger.ts';
import { credentialRepos } from '../storage/repositories.test-helper.ts';
import { hashSecret } from '../storage/secret-hash.ts';
import { useTempDbs } from '../storage/temp-db.test-helper.ts';
import { credentialNumber } from '../wiegand/credential-number.ts';
import { createIndexSync } from './index-sync.ts';

const temp = useTempDbs();

/** A logger whose JSON lines land in `lines`. */
function recordingLogger() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { lines, logger: createLogger({ level: 'warn', destination }) };
}

describe('index sync', () => {
  it('loads at start exactly what per-identifier updates put into the index', async () => {
    const db = temp.fresh();
    const { identifiers, owner, users, timeProfiles } = credentialRepos(db);
    const guest = users.create({ name: 'Guest', ownerType: 'guest' });
    if (!guest.ok) throw new Error('user');
    timeProfiles.create({ id: 'night', name: 'Night', windows: [] });
    const base = { userUuid: owner.uuid, lock: 'all' as const };
    const created = [
      identifiers.create({ ...base, type: 'card', number: 123_456_789_012_345n, validFrom: 1_700_000_000, validTo: 1_800_000_000, maxPasses: 3 }),
      identifiers.create({ ...base, type: 'card', number: 1_234_567_890_123_456n, userUuid: guest.value.uuid }),
      identifiers.create({ ...base, type: 'ukey', number: (1n << 70n) + 5n, timeProfileId: 'night', enabled: false }),
      identifiers.create({ ...base, type: 'inputCode', number: '007', lock: 'first', pinHash: await hashSecret('9999') }),
      identifiers.create({ ...base, type: 'license_plate', number: 'ab-123', lock: 'second' }),
    ];
    const uids = created.map((r) => {
      if (!r.ok) throw new Error(r.code);
      return r.value.uid;
    });
    identifiers.consumePass(uids[0]!, 1_750_000_000_000);

    const loaded = new CredentialIndex();
    const loadSync = createIndexSync(db, loaded, silentLogger);
    expect(loadSync.loadAll()).toEqual({ loaded: 5, rejected: [] });
    const oneByOne = new CredentialIndex();
    const itemSync = createIndexSync(db, oneByOne, silentLogger);
    for (const uid of uids) itemSync.saved(uid);

    for (const uid of uids) {
      const id = loadSync.idOf(uid)!;
      expect(loaded.get(id)).toBeDefined();
      expect(loaded.get(id)).toEqual(oneByOne.get(id));
    }
    const first = loaded.get(loadSync.idOf(uids[0]!)!)!;
    expect(first).toMatchObject({ value: 123_456_789_012_345n, passesUsed: 1, maxPasses: 3, validFromSec: 1_700_000_000 });
    expect(loaded.findSlot('inputCode', '007')).toBeGreaterThanOrEqual(0);
    expect(loaded.findSlot('inputCode', '7')).toBe(-1);
    expect(loaded.get(loadSync.idOf(uids[2]!)!)).toMatchObject({ enabled: false, value: (1n << 70n) + 5n });
  });

  it('loads a table split between a worker and this thread exactly as the serial read does', () => {
    const db = temp.fresh();
    const { identifiers, owner } = credentialRepos(db);
    const uids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = identifiers.create({
        userUuid: owner.uuid, lock: i % 3 === 0 ? 'first' : 'all',
        ...(i % 50 === 7 ? { type: 'qr' as const, number: `code ${i}` } : { type: 'card' as const, number: BigInt(i) * 7_919n + (i % 40 === 0 ? 1n << 60n : 0n) }),
        ...(i % 10 === 0 ? { maxPasses: 5, validFrom: 1_700_000_000 } : {}),
      });
      if (!r.ok) throw new Error(r.code);
      uids.push(r.value.uid);
    }
    // Rowid gaps, as deletions leave them.
    for (const uid of uids.filter((_, i) => i % 17 === 3)) identifiers.delete(uid);
    const serial = new CredentialIndex();
    const serialSync = createIndexSync(db, serial, silentLogger, { parallelFromRows: Infinity, chunkRows: 16, ownShare: 0.4, stallMs: 20_000 });
    const parallel = new CredentialIndex();
    const log = recordingLogger();
    const parallelSync = createIndexSync(db, parallel, log.logger, { parallelFromRows: 1, chunkRows: 16, ownShare: 0.3, stallMs: 20_000 });
    const expected = serialSync.loadAll();
    expect(expected.loaded).toBe(identifiers.list({ limit: 1000 }).length);
    expect(parallelSync.loadAll()).toEqual(expected);
    expect(log.lines).toEqual([]);
    for (const uid of uids) {
      const id = serialSync.idOf(uid);
      if (id === undefined) expect(parallelSync.idOf(uid)).toBeUndefined();
      else expect(parallel.get(id)).toEqual(serial.get(id));
    }
  });

  it('reads the rest on this thread when the worker stalls', () => {
    const db = temp.fresh();
    const { identifiers, owner } = credentialRepos(db);
    for (let i = 1; i <= 40; i++) identifiers.create({ userUuid: owner.uuid, lock: 'all', type: 'card', number: BigInt(i) });
    const index = new CredentialIndex();
    // A stall bound shorter than any worker start: the worker never gets a word in.
    const log = recordingLogger();
    const sync = createIndexSync(db, index, log.logger, { parallelFromRows: 1, chunkRows: 8, ownShare: 0.5, stallMs: 1 });
    expect(sync.loadAll()).toEqual({ loaded: 40, rejected: [] });
    expect(log.lines.join('')).toContain('reading the rest on the main thread');
    for (let i = 1; i <= 40; i++) expect(index.findSlot('card', BigInt(i))).toBeGreaterThanOrEqual(0);
  });
});

describe('index sync: background load', () => {
  /** 400 cards (numbers 1000 + i) and one access code; the rowids of the cards in order. */
  function fill(db: ReturnType<typeof temp.fresh>) {
    const repos = credentialRepos(db);
    const uids: string[] = [];
    for (let i = 0; i < 400; i++) {
      const r = repos.identifiers.create({ userUuid: repos.owner.uuid, lock: 'all', type: 'card', number: BigInt(1000 + i), ...(i % 7 === 0 ? { maxPasses: 3 } : {}) });
      if (!r.ok) throw new Error(r.code);
      uids.push(r.value.uid);
    }
    const code = repos.accessCodes.create({ code: '4321', lock: 'all', type: 'ongoing' });
    if (!code.ok) throw new Error(code.code);
    return { ...repos, uids };
  }
  const LOAD = { parallelFromRows: 1, chunkRows: 16, ownShare: 0.2, stallMs: 20_000 };

  it('ends with what a load from scratch gives, though changes, pass counts and lookups came while chunks were read earlier', async () => {
    const db = temp.fresh();
    const { identifiers, owner, uids } = fill(db);
    const index = new CredentialIndex();
    const log = recordingLogger();
    const sync = createIndexSync(db, index, log.logger, LOAD);
    const load = sync.startLoad();
    expect(load.background).toBe(true);
    expect(sync.loading).toBe(true);
    // Only the access code so far: identifiers come a chunk per event-loop turn.
    expect(index.size).toBe(1);
    expect(index.findSlot('inputCode', '4321')).toBeGreaterThanOrEqual(0);

    // One turn starts the load's workers; blocking this thread then gives them time to read (and
    // queue) every chunk, while none is applied: the chunks are older than the changes made next.
    await new Promise((resolve) => setImmediate(resolve));
    expect(index.size).toBe(1);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    const at = (i: number) => ({ uid: uids[i]!, id: sync.idOf(uids[i]!)! });
    const [changed, gone, counted, looked] = [at(399), at(398), at(392), at(350)];
    expect(identifiers.update(changed.uid, { lock: 'first' }).ok).toBe(true);
    sync.saved(changed.uid);
    expect(identifiers.delete(gone.uid).ok).toBe(true);
    sync.removed(gone.id);
    // A card is presented before its chunk is applied: storage answers, the index keeps it, the pass is counted.
    const slot = sync.lookupMiss('card', credentialNumber(1392n));
    expect(index.columns.id[slot]).toBe(counted.id);
    expect(identifiers.consumePass(counted.uid, 1_750_000_000_000).ok).toBe(true);
    index.recordPass(counted.id);
    expect(index.columns.id[sync.lookupMiss('card', credentialNumber(1350n))]).toBe(looked.id);
    expect(sync.lookupMiss('card', credentialNumber(999n))).toBe(-1);
    expect(sync.lookupMiss('inputCode', '4321')).toBeGreaterThanOrEqual(0);
    const added = identifiers.create({ userUuid: owner.uuid, lock: 'second', type: 'card', number: 77n });
    if (!added.ok) throw new Error(added.code);
    sync.saved(added.value.uid);

    expect(await load.done).toEqual({ loaded: 401, rejected: [] });
    expect(sync.loading).toBe(false);
    expect(sync.lookupMiss('card', credentialNumber(1200n))).toBe(-1);
    expect(log.lines).toEqual([]);

    const fresh = new CredentialIndex();
    createIndexSync(db, fresh, silentLogger).loadAll();
    expect(index.size).toBe(fresh.size);
    for (const uid of [...uids, added.value.uid]) {
      const id = sync.idOf(uid);
      if (id === undefined) continue;
      expect(index.get(id)).toEqual(fresh.get(id));
    }
    expect(index.get(gone.id)).toBeUndefined();
    expect(index.get(changed.id)).toMatchObject({ lock: 'first' });
    expect(index.get(counted.id)).toMatchObject({ passesUsed: 1 });
  });

  it('loads a small table at once, and stops a background load when cancelled', async () => {
    const db = temp.fresh();
    fill(db);
    const small = createIndexSync(db, new CredentialIndex(), silentLogger);
    const now = small.startLoad();
    expect(now.background).toBe(false);
    expect(small.loading).toBe(false);
    expect(await now.done).toEqual({ loaded: 401, rejected: [] });

    const index = new CredentialIndex();
    const sync = createIndexSync(db, index, silentLogger, LOAD);
    const load = sync.startLoad();
    load.cancel();
    const result = await load.done;
    expect(result.loaded).toBeLessThan(401);
    expect(index.size).toBe(result.loaded);
    // Cancelled, not complete: misses still go to storage.
    expect(sync.loading).toBe(true);
  });
});
