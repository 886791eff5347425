/**
 * Request validation failures in the reference wording (seed 002): the client gets the first
 * problem, named by its real field path (`list_items[3].valid.time.from`), never zod's own text.
 * Query and path parameters use the same sentences with their own prefix.
 */
import type { z } from 'zod';
import type { InputLocation } from '../service/invalid-input.ts';

export const WRONG_JSON_BODY = 'Wrong JSON body';

const PREFIX: Record<InputLocation, string> = {
  body: WRONG_JSON_BODY,
  query: 'Wrong query parameters',
  params: 'Wrong path parameters',
};

export type IssuePath = readonly PropertyKey[];

/** `['list_items', 3, 'valid']` → `list_items[3].valid`. */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: IssuePath): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

export function noValueFor(path: IssuePath, location: InputLocation = 'body'): string {
  return `${PREFIX[location]}: no value for \`${formatPath(path)}\``;
}

export function wrongTypeOf(path: IssuePath, location: InputLocation = 'body'): string {
  return `${PREFIX[location]}: value \`${formatPath(path)}\` was of the wrong type`;
}

/**
 * The message for a failed parse of `input`: a field that is absent (or null where a value is
 * required) is "no value for", anything present but unacceptable is "of the wrong type"; a
 * missing or non-object body is plain "Wrong JSON body".
 */
export function wrongInputMessage(location: InputLocation, input: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (first === undefined || first.path.length === 0) return PREFIX[location];
  const v = valueAt(input, first.path);
  return v === undefined || v === null ? noValueFor(first.path, location) : wrongTypeOf(first.path, location);
}
