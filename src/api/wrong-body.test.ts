import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, wrongInputMessage } from './wrong-body.ts';

describe('formatPath', () => {
  it('writes array indexes in brackets and keys with dots', () => {
    expect(formatPath(['list_items', 3, 'valid', 'time', 'from'])).toBe('list_items[3].valid.time.from');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath([])).toBe('');
  });
});

describe('wrongInputMessage', () => {
  const schema = z.object({ a: z.object({ b: z.array(z.object({ c: z.number() })) }) });
  const message = (input: unknown, location: 'body' | 'query' = 'body') => {
    const r = schema.safeParse(input);
    if (r.success) throw new Error('expected a failure');
    return wrongInputMessage(location, input, r.error.issues);
  };

  it('tells absent (or null) values from values of the wrong type', () => {
    expect(message({ a: { b: [{ c: 1 }, {}] } })).toBe('Wrong JSON body: no value for `a.b[1].c`');
    expect(message({ a: { b: [{ c: null }] } })).toBe('Wrong JSON body: no value for `a.b[0].c`');
    expect(message({ a: { b: [{ c: '1' }] } })).toBe('Wrong JSON body: value `a.b[0].c` was of the wrong type');
    expect(message({ a: 5 })).toBe('Wrong JSON body: value `a` was of the wrong type');
  });

  it('answers plain "Wrong JSON body" when the body itself is missing or not an object', () => {
    expect(message(undefined)).toBe('Wrong JSON body');
    expect(message([1])).toBe('Wrong JSON body');
  });

  it('uses the location prefix for query parameters', () => {
    expect(message({}, 'query')).toBe('Wrong query parameters: no value for `a`');
  });
});
