/**
 * A batch request body, checked with the same 400 texts wherever it is checked (the main thread or
 * the batch worker):
 *  - `parseJsonBytes`: the body's bytes read as the app's JSON parser reads them (express.json,
 *    strict), for routes whose large bodies are parsed off the event loop;
 *  - `batchBodyOf`: those bytes checked as the batch envelope;
 *  - `checkBatchItem`: one item (`list_items[i]`) against its schema, the problem named by its full
 *    path. Used item by item on the main thread (route-registry's parseBatchItems, in slices) and
 *    by the batch worker.
 */
import type { z } from 'zod';
import { WRONG_JSON_BODY, wrongInputMessage } from './wrong-body.ts';

export type BatchItemCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function checkBatchItem<T>(item: z.ZodType<T>, body: { list_items: readonly unknown[] }, i: number): BatchItemCheck<T> {
  const r = item.safeParse(body.list_items[i]);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((x) => ({ ...x, path: ['list_items', i, ...x.path] }));
  return { ok: false, error: wrongInputMessage('body', body, issues) };
}

// body-parser's strict mode: only an object or an array is a JSON body (after this whitespace).
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;
const utf8 = new TextDecoder('utf-8');

/**
 * The value of a UTF-8 JSON body as express.json gives it (an empty body is `{}`, a leading BOM is
 * dropped, anything but an object or array is refused), or the app's 400 text for a malformed one.
 */
export function parseJsonBytes(bytes: Uint8Array): BatchItemCheck<unknown> {
  const text = utf8.decode(bytes);
  if (text.length === 0) return { ok: true, value: {} };
  const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
  if (first !== '{' && first !== '[') return { ok: false, error: WRONG_JSON_BODY };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: WRONG_JSON_BODY };
  }
}

/** A batch body from its JSON bytes, checked as `envelope` (the route's schema for it). */
export function batchBodyOf<B extends { list_items: unknown[] }>(bytes: Uint8Array, envelope: z.ZodType<B>): BatchItemCheck<B> {
  const parsed = parseJsonBytes(bytes);
  if (!parsed.ok) return parsed;
  const r = envelope.safeParse(parsed.value);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: wrongInputMessage('body', parsed.value, r.error.issues) };
}
