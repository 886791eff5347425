/**
 * Validation of one batch item (`list_items[i]`) against its schema, with the same 400 text as
 * validating the whole body: the problem named by its full path. Used item by item on the main
 * thread (route-registry's parseBatchItems, in slices) and by the batch worker.
 */
import type { z } from 'zod';
import { wrongInputMessage } from './wrong-body.ts';

export type BatchItemCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function checkBatchItem<T>(item: z.ZodType<T>, body: { list_items: readonly unknown[] }, i: number): BatchItemCheck<T> {
  const r = item.safeParse(body.list_items[i]);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((x) => ({ ...x, path: ['list_items', i, ...x.path] }));
  return { ok: false, error: wrongInputMessage('body', body, issues) };
}
