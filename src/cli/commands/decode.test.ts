import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.ts';

const H10301_FRAME = '10111101100010001110101110';

async function doorctl(args: string[], stdin = '') {
  const { code, out, err } = await runCli(['decode', ...args], stdin);
  return { code, out, err, lines: out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) };
}

describe('doorctl decode (in process)', () => {
  it('prints one JSON object with an entry per table format of that length', async () => {
    const r = await doorctl([H10301_FRAME]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.lines).toEqual([
      {
        bits: 26,
        matches: [
          {
            format: 'H10301',
            parity_ok: true,
            fields: { facility_code: 123, card_number: 4567 },
            payload: { decimal: '8065495', hex: '7b-11-d7' },
          },
          {
            format: 'ind26',
            parity_ok: true,
            fields: { facility_code: 1969, card_number: 471 },
            payload: { decimal: '8065495', hex: '7b-11-d7' },
          },
        ],
      },
    ]);
  });

  it('decodes only the named formats, in the order given, and shows refusals as null fields', async () => {
    const kastleFixedBitWrong = '00000010111101100010001110101110';
    const r = await doorctl([kastleFixedBitWrong, '--format', 'Kastle', '--format=WIE32']);
    expect(r.code).toBe(0);
    const [line] = r.lines as [{ matches: { format: string; parity_ok: boolean; fields: unknown }[] }];
    expect(line.matches.map((m) => [m.format, m.parity_ok, m.fields])).toEqual([
      ['Kastle', false, null],
      ['WIE32', true, { facility_code: 0x2f6, card_number: 0x23ae }],
    ]);
  });

  it('gives a raw entry for a length no table format has', async () => {
    const r = await doorctl(['1'.repeat(128)]);
    expect(r.lines).toEqual([
      {
        bits: 128,
        matches: [{ format: 'raw', parity_ok: true, fields: {}, payload: { decimal: (2n ** 128n - 1n).toString(), hex: Array(16).fill('ff').join('-') } }],
      },
    ]);
  });

  it.each([
    [['10201'], /bitstring/],
    [[H10301_FRAME, '--format', 'H99999'], /unknown format: H99999/],
    [[H10301_FRAME, '--format'], /needs a format name/],
    [[H10301_FRAME, '--verbose'], /unknown option/],
    [['101', '110'], /at most one/],
  ])('rejects %j with a JSON error on stderr and exit code 2', async (args, message) => {
    const r = await doorctl(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const error = JSON.parse(r.err) as { error: string };
    expect(error.error).toMatch(message);
  });

  it('reads stdin line by line when no bitstring is given, reporting bad lines and going on', async () => {
    const r = await doorctl(['--format', 'H10301'], `${H10301_FRAME}\nnot bits\n\r\n00000000000000000000000001\n`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      { bits: 26, matches: [expect.objectContaining({ format: 'H10301', parity_ok: true })] },
      { line: 2, error: 'expected a bitstring of 0 and 1' },
      { bits: 26, matches: [expect.objectContaining({ fields: { facility_code: 0, card_number: 0 } })] },
    ]);
  });
});

describe('doorctl decode (child process)', () => {
  it('runs through scripts/doorctl.mjs and prints the JSON line', async () => {
    const script = fileURLToPath(new URL('../../../scripts/doorctl.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, 'decode', H10301_FRAME], { timeout: 20_000 });
    const out = JSON.parse(stdout) as { bits: number; matches: { format: string; fields: unknown }[] };
    expect(out.bits).toBe(26);
    expect(out.matches[0]).toMatchObject({ format: 'H10301', parity_ok: true, fields: { facility_code: 123, card_number: 4567 } });
  });
});
