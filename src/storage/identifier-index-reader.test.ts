import { describe, expect, it } from 'vitest';
import { createIdentifierIndexReader, entryAt, indexChunkOf, type IdentifierIndexChunk } from './identifier-index-reader.ts';
import { credentialRepos } from './repositories.test-helper.ts';
import { hashSecret } from './secret-hash.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

/** The chunks back as one entry per row, to compare with what was written. */
function rowsOf(chunks: Iterable<IdentifierIndexChunk>) {
  const rows: Array<Record<string, unknown>> = [];
  for (const c of chunks) {
    const keys = Object.keys(c) as Array<keyof IdentifierIndexChunk>;
    for (const k of keys) expect(c[k]).toHaveLength(c.id.length);
    for (let i = 0; i < c.id.length; i++) rows.push({ ...entryAt(c, i) });
  }
  return rows;
}

/** Seven identifiers covering every type, lock, flag and extra column, and both sides of the 15-digit line. */
async function seedVaried(db: ReturnType<typeof temp.fresh>) {
  const repos = credentialRepos(db);
  const { identifiers, users, owner, timeProfiles } = repos;
  const other = users.create({ name: 'Bob', ownerType: 'guest' });
  if (!other.ok) throw new Error('user');
  timeProfiles.create({ id: 'night', name: 'Night', windows: [] });
  const base = { userUuid: owner.uuid, lock: 'all' as const };
  identifiers.create({ ...base, type: 'card', number: 42n, lock: 'second', validFrom: 10, validTo: 20, maxPasses: 5, enabled: false });
  identifiers.create({ ...base, type: 'card', number: (1n << 80n) + 1n, userUuid: other.value.uuid, timeProfileId: 'night' });
  // 15 digits cross as a number, 16 as text: both must read back as the stored digits.
  identifiers.create({ ...base, type: 'face_id', number: 999_999_999_999_999n });
  identifiers.create({ ...base, type: 'ukey', number: 1_000_000_000_000_000n, lock: 'first' });
  identifiers.create({ ...base, type: 'inputCode', number: '0042', pinHash: await hashSecret('1234') });
  identifiers.create({ ...base, type: 'qr', number: 'quote " back\\slash, comma' });
  identifiers.create({ ...base, type: 'license_plate', number: 'ab-12' });
  // A pass used alone (no limit, no validity) still needs the row's extra column.
  db.sqlite.prepare("UPDATE identifiers SET passes_used = 3 WHERE type = 'face_id'").run();
  return repos;
}

describe('identifier index reader', () => {
  it('reads every column, owner and profile as rowids, text exactly, across chunk boundaries', async () => {
    const db = temp.fresh();
    const { identifiers } = await seedVaried(db);
    const rowid = (uid: string) => db.sqlite.prepare('SELECT rowid FROM identifiers WHERE uid = ?').pluck().get(uid);
    const profileRowid = db.sqlite.prepare("SELECT rowid FROM time_profiles WHERE id = 'night'").pluck().get();
    const expected = identifiers.list({ limit: 100 }).map((r) => ({
      id: rowid(r.uid),
      type: r.type,
      number: r.number,
      lock: r.lock,
      validFrom: r.validFrom,
      validTo: r.validTo,
      maxPasses: r.maxPasses,
      passesUsed: r.passesUsed,
      enabled: r.enabled ? 1 : 0,
      hasPin: r.pinHash === null ? 0 : 1,
      timeProfileId: r.timeProfileId === null ? null : profileRowid,
    }));
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);
    expected.sort(byId);

    for (const chunkRows of [1, 2, 5, 1000]) {
      const chunks = [...createIdentifierIndexReader(db, chunkRows).chunks()];
      expect(chunks).toHaveLength(Math.ceil(7 / chunkRows));
      expect(rowsOf(chunks)).toEqual(expected);
    }
  });

  it('indexChunkOf makes of entries read one by one the very chunk the load reads', async () => {
    const db = temp.fresh();
    await seedVaried(db);
    const reader = createIdentifierIndexReader(db);
    const uids = db.sqlite.prepare('SELECT uid FROM identifiers ORDER BY rowid').pluck().all() as string[];
    const [loaded] = [...reader.chunks()];
    expect(indexChunkOf(uids.map((uid) => reader.one(uid)!))).toEqual(loaded);
    expect(indexChunkOf([])).toEqual({ id: [], number: [], packed: [], extra: [] });
  });

  it('yields nothing for an empty table', () => {
    expect([...createIdentifierIndexReader(temp.fresh()).chunks()]).toEqual([]);
  });
});
