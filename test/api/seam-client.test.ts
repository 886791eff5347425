/**
 * Seam's official JavaScript client (`@seamapi/http`), unchanged, pointed at the controller's
 * Seam-compatible routes on a real HTTP server on loopback, authenticated with an API key.
 */
import { isSeamHttpApiError, isSeamHttpInvalidInputError, isSeamHttpUnauthorizedError, SeamHttp } from '@seamapi/http/connect';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
let seam: SeamHttp;
let endpoint: string;

/** No retries: a failed request must fail the test at once, not after axios-retry's back-off. */
const clientOptions = (url: string) => ({ endpoint: url, axiosRetryOptions: { retries: 0 } });

beforeEach(async () => {
  h = await startHarness();
  endpoint = `${await h.serve()}/seam`;
  const key = h.services.auth.createApiKey('integration', 'admin');
  if (!key.ok) throw new Error('api key');
  seam = SeamHttp.fromApiKey(key.value.key, clientOptions(endpoint));
});
afterEach(() => h.close());

const isoIn = (seconds: number) => new Date(h.clock.now() + seconds * 1000).toISOString();

/** The rejection of `p`, to inspect the client's error class. */
async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
}

describe('Seam client @seamapi/http against the controller', () => {
  it('creates, gets, lists, updates and deletes access codes', async () => {
    const created = await seam.accessCodes.create({ device_id: 'first', name: 'Cleaner', code: '4711', starts_at: isoIn(-60), ends_at: isoIn(3600) });
    expect(created).toMatchObject({ device_id: 'first', name: 'Cleaner', code: '4711', type: 'time_bound', status: 'set' });
    const id = created.access_code_id;

    expect(await seam.accessCodes.get({ access_code_id: id })).toMatchObject({ access_code_id: id, code: '4711' });
    const generated = await seam.accessCodes.create({ device_id: 'second', preferred_code_length: 5 });
    expect(generated.code).toMatch(/^[0-9]{5}$/);
    expect((await seam.accessCodes.list({ device_id: 'first' })).map((c: { access_code_id: string }) => c.access_code_id)).toEqual([id]);
    expect(await seam.accessCodes.list({ access_code_ids: [id, generated.access_code_id] })).toHaveLength(2);

    // The client sends update as PUT and expects no body it uses.
    await seam.accessCodes.update({ access_code_id: id, name: 'Night cleaner', type: 'ongoing' });
    expect(await seam.accessCodes.get({ access_code_id: id })).toMatchObject({ name: 'Night cleaner', type: 'ongoing', ends_at: null, code: '4711' });
    expect(h.index.findSlot('inputCode', '4711')).toBeGreaterThanOrEqual(0);

    const suggestion = await seam.accessCodes.generateCode({ device_id: 'first' });
    expect(suggestion).toMatchObject({ device_id: 'first', code: expect.stringMatching(/^[0-9]{6}$/) });

    await seam.accessCodes.delete({ access_code_id: id });
    expect(h.index.findSlot('inputCode', '4711')).toBeLessThan(0);
    const gone = await rejection(seam.accessCodes.get({ access_code_id: id }));
    expect(isSeamHttpApiError(gone) && [gone.statusCode, gone.code]).toEqual([404, 'access_code_not_found']);
    expect(h.journal.filter((e) => e.type.startsWith('access_code_')).map((e) => [e.type, e.details?.caller])).toEqual([
      ['access_code_created', 'integration'],
      ['access_code_created', 'integration'],
      ['access_code_updated', 'integration'],
      ['access_code_deleted', 'integration'],
    ]);
  });

  it('surfaces refusals as the client error classes, naming the field', async () => {
    const offline = await rejection(seam.accessCodes.create({ device_id: 'first', code: '1234', is_offline_access_code: true }));
    expect(isSeamHttpInvalidInputError(offline)).toBe(true);
    expect((offline as Error).message).toMatch(/`is_offline_access_code` is not supported/);

    const past = await rejection(seam.accessCodes.create({ device_id: 'first', code: '1234', ends_at: isoIn(-1) }));
    expect(isSeamHttpApiError(past) && [past.statusCode, past.code]).toEqual([422, 'invalid_time_rules_settings']);

    await seam.accessCodes.create({ device_id: 'first', code: '1234' });
    const taken = await rejection(seam.accessCodes.create({ device_id: 'second', code: '1234' }));
    expect(isSeamHttpApiError(taken) && [taken.statusCode, taken.code]).toEqual([409, 'code_taken']);
  });

  it('is refused with a revoked or operator key', async () => {
    const operator = h.services.auth.createApiKey('reader', 'operator');
    if (!operator.ok) throw new Error('api key');
    const readOnly = SeamHttp.fromApiKey(operator.value.key, clientOptions(endpoint));
    expect(await readOnly.accessCodes.list({})).toEqual([]);
    const forbidden = await rejection(readOnly.accessCodes.create({ device_id: 'first', code: '9999' }));
    expect((forbidden as { status?: number }).status).toBe(403);

    const revoked = h.services.auth.revokeApiKey(operator.value.id);
    expect(revoked.ok).toBe(true);
    expect(isSeamHttpUnauthorizedError(await rejection(readOnly.accessCodes.list({})))).toBe(true);
  });
});
