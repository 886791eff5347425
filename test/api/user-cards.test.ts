import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentifiersRepository } from '../../src/storage/identifiers.ts';
import { RESULT_CODES } from '../../src/storage/result-codes.ts';
import { bearer, startHarness, type Harness } from './harness.ts';

let h: Harness;
let ann: string;
let ben: string;
beforeEach(async () => {
  h = await startHarness();
  const res = await h.http.put('/api/v1/users').set(bearer(h.adminToken)).send({ list_items: [{ name: 'Ann' }, { name: 'Ben' }] });
  [ann, ben] = res.body.result.map((r: { link_id: string }) => r.link_id);
});
afterEach(() => h.close());

const path = (user: string) => `/api/v1/Users/${user}/UserCards/ReplaceCardIfExists`;
const card = (user: string, extra: Record<string, unknown> = {}) => ({
  UserId: user,
  CardType: 2,
  CardACSystemId: '19049f9a-6cf7-449a-b297-23541d324fc4',
  InternalCardNumber: 1850186,
  ExternalCardNumber: 'A-0001',
  FacilityCode: 28,
  ...extra,
});
const replace = (user: string, body: object) => h.http.post(path(user)).set(bearer(h.adminToken)).send(body);
const repo = () => createIdentifiersRepository(h.db, { clock: h.clock });

describe('ReplaceCardIfExists (seed 003), JSON', () => {
  it('adds a new card, then moves it to another user keeping its uid and pass count', async () => {
    const first = await replace(ann, card(ann, { PIN: '0123', CardActivationStartDateTime: '2026-01-01T00:00:00', CardDeactivationStartDateTime: '2027-01-01T00:00:00+01:00' }));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      PreviousUserId: null, CurrentUserId: ann, ExternalCardNumber: 'A-0001', InternalCardNumber: 1850186, FacilityCode: 28, CardType: 2,
      Value: expect.any(String), ResultCode: RESULT_CODES.indexOf('created'), Description: 'created',
    });
    const row = repo().get(first.body.Value)!;
    expect([row.number, row.name, row.validFrom, row.validTo]).toEqual(['1850186', 'A-0001', 1767225600, 1798758000]);
    expect(row.pinHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain('0123');
    expect(h.index.get(h.services.indexSync.idOf(row.uid)!)?.hasPin).toBe(true);
    repo().consumePass(row.uid, h.clock.now());

    const moved = await replace(ben, card(ben, { ExternalCardNumber: 'A-0001b' }));
    expect(moved.body).toMatchObject({ PreviousUserId: ann, CurrentUserId: ben, Value: row.uid, Description: 'updated', ResultCode: 1 });
    const after = repo().get(row.uid)!;
    expect([after.passesUsed, after.name, after.pinHash, after.validTo]).toEqual([1, 'A-0001b', row.pinHash, row.validTo]);
    expect(after.userUuid).not.toBe(row.userUuid);
  });

  it('gives an existing card by CardId', async () => {
    const uid = (await replace(ann, card(ann))).body.Value as string;
    const res = await replace(ben, { UserId: ben, CardId: uid });
    expect(res.body).toMatchObject({ PreviousUserId: ann, CurrentUserId: ben, Value: uid, InternalCardNumber: 1850186, Description: 'updated' });
    const unknown = await replace(ben, { UserId: ben, CardId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ Description: 'entity_not_found', ResultCode: RESULT_CODES.indexOf('entity_not_found'), Value: null });
  });

  it('answers failures with the result shape and the status of the outcome, request errors with the reference texts', async () => {
    const nobody = '4a1b6f7e-0000-4000-8000-000000000001';
    const noUser = await replace(nobody, card(nobody));
    expect([noUser.status, noUser.body.Description]).toEqual([404, 'entity_not_found']);
    const window = await replace(ann, card(ann, { CardActivationStartDateTime: '2027-01-01T00:00:00Z', CardDeactivationStartDateTime: '2026-01-01T00:00:00Z' }));
    expect([window.status, window.body.Description]).toEqual([422, 'invalid_time_rules_settings']);
    const missing = await replace(ann, { UserId: ann, CardType: 2, CardACSystemId: '19049f9a-6cf7-449a-b297-23541d324fc4', ExternalCardNumber: 'x' });
    expect([missing.status, missing.body]).toEqual([400, { error: 'Wrong JSON body: no value for `InternalCardNumber`' }]);
    const mismatch = await replace(ann, card(ben));
    expect([mismatch.status, mismatch.body]).toEqual([400, { error: 'Wrong JSON body: value `UserId` was of the wrong type' }]);
    expect(repo().findByNumber('card', 1850186n)).toBeUndefined();
  });
});

describe('ReplaceCardIfExists (seed 003), XML', () => {
  const xmlBody = (user: string, pin = '0042') => `<ReplaceUserCardIfExistsViewModel xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/APIWebRole.Controllers">
  <CardACSystemId>19049f9a-6cf7-449a-b297-23541d324fc4</CardACSystemId>
  <CardActivationStartDateTime>2025-03-14T13:38:19.7920528+00:00</CardActivationStartDateTime>
  <CardId i:nil="true" />
  <CardType>2</CardType>
  <CardUserFlags>ActiveCardholderRecord</CardUserFlags>
  <EnforceOccupancySystem>true</EnforceOccupancySystem>
  <ExternalCardNumber>sample string 4</ExternalCardNumber>
  <FacilityCode>1</FacilityCode>
  <InternalCardNumber>3</InternalCardNumber>
  <PIN>${pin}</PIN>
  <UserId>${user}</UserId>
</ReplaceUserCardIfExistsViewModel>`;

  it('reads an XML request and answers in XML when asked', async () => {
    const res = await h.http
      .post(path(ann))
      .set(bearer(h.adminToken))
      .set('Content-Type', 'application/xml')
      .set('Accept', 'application/xml')
      .send(xmlBody(ann));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/xml/);
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(res.text).ReplaceCardIfExistsResult;
    expect(doc).toMatchObject({ Description: 'created', HttpStatusCode: 'OK', ResultCode: '0', CurrentUserId: ann, InternalCardNumber: '3', ExternalCardNumber: 'sample string 4' });
    expect(doc.PreviousUserId).toEqual({ '@_i:nil': 'true' });
    const row = repo().get(doc.Value)!;
    expect([row.number, row.validFrom]).toEqual(['3', 1741959499]);
  });

  it('answers JSON to an XML request by default, and refuses malformed XML', async () => {
    const json = await h.http.post(path(ann)).set(bearer(h.adminToken)).set('Content-Type', 'text/xml').send(xmlBody(ann));
    expect(json.body).toMatchObject({ Description: 'created', InternalCardNumber: 3 });
    const broken = await h.http.post(path(ann)).set(bearer(h.adminToken)).set('Content-Type', 'application/xml').send('<ReplaceUserCardIfExistsViewModel><UserId>');
    expect([broken.status, broken.body]).toEqual([400, { error: 'Wrong JSON body' }]);
    const badPin = await h.http.post(path(ann)).set(bearer(h.adminToken)).set('Content-Type', 'application/xml').send(xmlBody(ann, '12ab'));
    expect([badPin.status, badPin.body]).toEqual([400, { error: 'Wrong JSON body: value `PIN` was of the wrong type' }]);
  });
});
