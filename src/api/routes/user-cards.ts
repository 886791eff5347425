/**
 * Seed 003: POST /api/v1/Users/{id}/UserCards/ReplaceCardIfExists, in JSON or XML (request by
 * Content-Type, answer by Accept). Business outcomes answer in the seed's result shape, with
 * ResultCode = the position of the outcome in the one result enumeration and Description = its
 * name, and the HTTP status of that outcome; request errors are the usual `{"error": ...}` JSON.
 */
import type { Request } from 'express';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { unixSecondsOfIso } from '../../service/iso-time.ts';
import type { Services } from '../../service/services.ts';
import { RESULT_CODES, type ResultCode } from '../../storage/result-codes.ts';
import { ApiError, HTTP_STATUS_OF } from '../errors.ts';
import type { Reply, RouteRegistry } from '../route-registry.ts';
import { Uuid } from '../schemas/common.ts';
import { WRONG_JSON_BODY } from '../wrong-body.ts';

const XML_TYPES = ['application/xml', 'text/xml'];
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const NS = 'http://schemas.datacontract.org/2004/07/APIWebRole.Controllers';
/** XML carries text only: these fields become numbers / booleans before validation. */
const XML_INTEGERS = ['CardType', 'CardSerialNumber', 'FacilityCode', 'IssueCode', 'CardUserFlags'];
const XML_BOOLEANS = ['EnforceOccupancySystem'];

const IsoDateTime = z.iso.datetime({ offset: true, local: true }).meta({ description: 'ISO 8601; without an offset it is UTC' });
const CardNumber = z.union([z.number().int().min(0), z.string().regex(/^[0-9]{1,20}$/)]);

const RequestSchema = z
  .object({
    UserId: Uuid.meta({ description: 'Required: the link_id of the existing user; must match {id}' }),
    CardId: Uuid.nullable().optional().meta({ description: 'An existing card (identifier uid) to give to the user' }),
    CardType: z.number().int().optional().meta({ description: 'Required without CardId; echoed back' }),
    CardACSystemId: Uuid.optional().meta({ description: 'Required without CardId; accepted, one access control system' }),
    InternalCardNumber: CardNumber.optional().meta({ description: 'Required without CardId: the encoded card number (decimal)' }),
    ExternalCardNumber: z.string().max(256).optional().meta({ description: 'Required without CardId: the printed number, kept as the card name' }),
    CardSerialNumber: z.number().int().optional(),
    FacilityCode: z.number().int().min(0).optional(),
    IssueCode: z.number().int().optional(),
    PIN: z.string().regex(/^[0-9]{1,16}$/).nullable().optional().meta({ description: 'Digits; stored as a scrypt hash only' }),
    EnforceOccupancySystem: z.boolean().optional(),
    CardActivationStartDateTime: IsoDateTime.optional(),
    CardDeactivationStartDateTime: IsoDateTime.optional(),
    CardUserFlags: z.union([z.number().int(), z.string().max(64)]).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.CardId != null) return;
    for (const field of ['CardType', 'CardACSystemId', 'InternalCardNumber', 'ExternalCardNumber'] as const) {
      if (b[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required when CardId is null' });
    }
  })
  .meta({ id: 'ReplaceUserCardIfExistsViewModel' });

const ResultSchema = z
  .object({
    PreviousUserId: z.string().nullable(),
    CurrentUserId: z.string().nullable(),
    ExternalCardNumber: z.string().nullable(),
    InternalCardNumber: z.number().nullable(),
    FacilityCode: z.number().nullable(),
    CardType: z.number().nullable(),
    Value: z.string().nullable().meta({ description: 'The uid of the card (identifier)' }),
    ResultCode: z.number().int().meta({ description: `Position in the result enumeration: ${RESULT_CODES.map((c, i) => `${i} ${c}`).join(', ')}` }),
    Description: z.string().meta({ description: 'The result enumeration value' }),
  })
  .meta({ id: 'ReplaceCardIfExistsResult' });

type Result = z.infer<typeof ResultSchema>;
type Body = z.infer<typeof RequestSchema>;

const xmlParser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, removeNSPrefix: true });
const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, suppressBooleanAttributes: false });

/** The XML body as the object the JSON schema validates; malformed XML is a Wrong JSON body. */
function decodeXml(req: Request): unknown {
  if (!req.is(XML_TYPES)) return req.body;
  const text = typeof req.body === 'string' ? req.body : '';
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new ApiError(400, WRONG_JSON_BODY);
  const doc = xmlParser.parse(text) as Record<string, unknown>;
  const root = Object.values(doc).find((v) => typeof v === 'object' && v !== null) as Record<string, unknown> | undefined;
  if (!root) throw new ApiError(400, WRONG_JSON_BODY);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    if (value === '') continue; // <X i:nil="true"/> and empty elements: absent
    if (XML_INTEGERS.includes(key) && typeof value === 'string' && /^-?[0-9]+$/.test(value)) out[key] = Number(value);
    else if (XML_BOOLEANS.includes(key) && (value === 'true' || value === 'false')) out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}

const HTTP_NAMES: Record<number, string> = { 200: 'OK', 404: 'NotFound', 409: 'Conflict', 422: 'UnprocessableEntity', 400: 'BadRequest' };

function render(req: Request, status: number, result: Result): Reply {
  const best = req.accepts(['application/json', ...XML_TYPES]);
  if (best === false || best === 'application/json') return { status, body: result };
  const { Description, ResultCode, Value, CardType, CurrentUserId, ExternalCardNumber, FacilityCode, InternalCardNumber, PreviousUserId } = result;
  const ordered = { Description, HttpStatusCode: HTTP_NAMES[status] ?? String(status), ResultCode, Value, CardType, CurrentUserId, ExternalCardNumber, FacilityCode, InternalCardNumber, PreviousUserId };
  const element = Object.fromEntries(Object.entries(ordered).map(([k, v]) => [k, v === null ? { '@_i:nil': 'true' } : v]));
  const xml = xmlBuilder.build({ ReplaceCardIfExistsResult: { '@_xmlns:i': XSI, '@_xmlns': NS, ...element } }) as string;
  return { status, body: xml, contentType: 'application/xml' };
}

function outcome(code: ResultCode, body: Body, fields: Partial<Result> = {}): Result {
  return {
    PreviousUserId: null,
    CurrentUserId: null,
    ExternalCardNumber: body.ExternalCardNumber ?? null,
    InternalCardNumber: body.InternalCardNumber === undefined ? null : Number(body.InternalCardNumber),
    FacilityCode: body.FacilityCode ?? null,
    CardType: body.CardType ?? null,
    Value: null,
    ResultCode: RESULT_CODES.indexOf(code),
    Description: code,
    ...fields,
  };
}

function seconds(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const s = unixSecondsOfIso(text);
  if (s === undefined) throw new ApiError(400, `${WRONG_JSON_BODY}: value \`${field}\` was of the wrong type`);
  return s;
}

export function registerUserCardRoutes(registry: RouteRegistry, services: Services): void {
  registry.add({
    method: 'post',
    path: '/api/v1/Users/{id}/UserCards/ReplaceCardIfExists',
    summary: 'Add a card to an existing user; if another user holds it, un-assign it first',
    description:
      'Seed 003. JSON or XML (`application/xml`, `text/xml`) in; the answer follows Accept. The card keeps its uid and ' +
      'pass count when it changes hands; a new card opens all locks until changed. The user is addressed by link_id.',
    tags: ['Users'],
    access: 'admin',
    params: z.object({ id: Uuid.meta({ description: 'The user (link_id)' }) }),
    body: RequestSchema,
    extraBodyTypes: XML_TYPES,
    decodeBody: decodeXml,
    responses: {
      200: { description: 'created or updated', schema: ResultSchema, extraContentTypes: XML_TYPES },
      404: { description: 'entity_not_found (user or CardId)', schema: ResultSchema, extraContentTypes: XML_TYPES },
      409: { description: 'number_taken_by_another_identifier, number_of_identifiers_exceeded', schema: ResultSchema, extraContentTypes: XML_TYPES },
      422: { description: 'invalid_time_rules_settings', schema: ResultSchema, extraContentTypes: XML_TYPES },
    },
    handler: async ({ params, body, req }) => {
      if (body.UserId.toLowerCase() !== params.id.toLowerCase()) {
        throw new ApiError(400, `${WRONG_JSON_BODY}: value \`UserId\` was of the wrong type`);
      }
      const r = await services.userCards.replaceCardIfExists(params.id, {
        cardId: body.CardId ?? undefined,
        internalCardNumber: body.InternalCardNumber === undefined ? undefined : BigInt(body.InternalCardNumber),
        externalCardNumber: body.ExternalCardNumber,
        pin: body.PIN ?? undefined,
        activation: seconds(body.CardActivationStartDateTime, 'CardActivationStartDateTime'),
        deactivation: seconds(body.CardDeactivationStartDateTime, 'CardDeactivationStartDateTime'),
      });
      if (!r.ok) {
        if (r.code === 'invalid_input') throw new ApiError(400, WRONG_JSON_BODY);
        return render(req, HTTP_STATUS_OF[r.code], outcome(r.code, body));
      }
      const card = r.value.identifier;
      return render(req, 200, outcome(r.code, body, {
        PreviousUserId: r.value.previousUserId,
        CurrentUserId: r.value.currentUserId,
        ExternalCardNumber: card.name,
        InternalCardNumber: Number(card.number),
        Value: card.uid,
      }));
    },
  });
}
