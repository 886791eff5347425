/** Schemas shared by every route family. */
import { z } from 'zod';
import { RESULT_CODES } from '../../storage/result-codes.ts';

export const ErrorSchema = z
  .object({ error: z.string().meta({ description: 'Error message' }) })
  .meta({ id: 'Error', example: { error: 'Log In' } });

export const ResultCodeSchema = z.enum(RESULT_CODES).meta({
  id: 'ExtendedInfo',
  description: 'The one result enumeration of every operation (seed 002 `extended_info`, spelling included).',
});

/** Keyset pagination: pass `next_after` of one page as `after` for the next. */
export const PageQueryShape = {
  after: z.string().min(1).max(256).optional().meta({ description: 'Cursor: `next_after` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'Page size, 1..1000, default 100' }),
};

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_after: z.string().nullable().meta({ description: 'Cursor for the next page; null on the last page' }),
  });
}

export const UnixSeconds = z.number().int().min(0).max(0xffff_fffe).meta({ description: 'Unix time, seconds' });

export const Uuid = z.guid();

/** Items per batch request: bounds the work one request can ask for. */
export const MAX_BATCH_ITEMS = 50_000;

/** Batch bodies are validated as this envelope first, then item by item in slices (parseBatchItems). */
export function envelopeOf(maxItems = MAX_BATCH_ITEMS) {
  return z.object({ list_items: z.array(z.unknown()).max(maxItems) });
}
