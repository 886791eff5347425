/**
 * `doorctl decode <bitstring> [--format NAME ...]`: how a frame reads in each candidate format, as
 * one JSON line; without a bitstring, one JSON line per stdin line. Output shape: docs/decode.md.
 */
import { createInterface } from 'node:readline';
import { formatCredentialNumber } from '../../wiegand/credential-number.ts';
import { decodeBits } from '../../wiegand/format/codec.ts';
import { formatsOfLength, rawFormat, resolveFormatNames, RAW_FORMAT_NAME, type WiegandFormat } from '../../wiegand/format/formats.ts';
import { bitsFromString, type Fields } from '../../wiegand/types.ts';
import type { Command, CommandIo } from '../main.ts';

const USAGE = 'usage: doorctl decode [<bitstring>] [--format NAME ...]';

interface Match {
  format: string;
  parity_ok: boolean;
  fields: Fields | null;
  payload: { decimal: string; hex: string } | null;
}

type Decoded = { bits: number; matches: Match[] } | { error: string };

type Args = { ok: true; bitstring: string | undefined; formats: string[] } | { ok: false; error: string };

function parseArgs(args: string[]): Args {
  const formats: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format') {
      const name = args[++i];
      if (name === undefined) return { ok: false, error: '--format needs a format name' };
      formats.push(name);
    } else if (a.startsWith('--format=')) {
      formats.push(a.slice('--format='.length));
    } else if (a.startsWith('-') && a !== '-') {
      return { ok: false, error: `unknown option ${a}` };
    } else {
      positional.push(a);
    }
  }
  if (positional.length > 1) return { ok: false, error: 'expected at most one bitstring' };
  const bitstring = positional[0] === '-' ? undefined : positional[0];
  return { ok: true, bitstring, formats };
}

/** Named formats if any were given (`raw` taking the frame's length), else every table format of that length. */
function candidates(named: readonly WiegandFormat[], length: number): WiegandFormat[] {
  if (named.length > 0) return named.map((f) => (f.name === RAW_FORMAT_NAME ? rawFormat(length) : f));
  const table = formatsOfLength(length);
  return table.length > 0 ? table : [rawFormat(length)];
}

function decodeLine(text: string, named: readonly WiegandFormat[]): Decoded {
  const s = text.trim();
  if (!/^[01]+$/.test(s)) return { error: 'expected a bitstring of 0 and 1' };
  const bits = bitsFromString(s);
  const matches = candidates(named, bits.length).map((format): Match => {
    const out = decodeBits(format, bits);
    return {
      format: format.name,
      parity_ok: out.parityOk,
      fields: out.fields,
      payload: out.payload === null
        ? null
        : { decimal: formatCredentialNumber(out.payload, 'decimal'), hex: formatCredentialNumber(out.payload, 'hex') },
    };
  });
  return { bits: bits.length, matches };
}

function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(JSON.stringify(value) + '\n');
}

/** One JSON line per non-blank input line; a bad line gets an error object and the rest go on. */
async function decodeStdin(io: CommandIo, named: readonly WiegandFormat[]): Promise<number> {
  let lineNo = 0;
  let bad = 0;
  for await (const line of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    const out = decodeLine(line, named);
    if ('error' in out) {
      bad++;
      writeJson(io.stdout, { line: lineNo, ...out });
    } else {
      writeJson(io.stdout, out);
    }
  }
  return bad > 0 ? 1 : 0;
}

export const run: Command = async (args, io) => {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseArgs(args);
  if (!parsed.ok) {
    writeJson(io.stderr, { error: parsed.error, usage: USAGE });
    return 2;
  }
  const resolved = resolveFormatNames(parsed.formats);
  if (!resolved.ok) {
    writeJson(io.stderr, { error: `unknown format: ${resolved.unknown.join(', ')}` });
    return 2;
  }
  try {
    if (parsed.bitstring === undefined) return await decodeStdin(io, resolved.formats);
    const out = decodeLine(parsed.bitstring, resolved.formats);
    if ('error' in out) {
      writeJson(io.stderr, out);
      return 2;
    }
    writeJson(io.stdout, out);
    return 0;
  } catch (err) {
    writeJson(io.stderr, { error: `decode failed: ${err instanceof Error ? err.message : String(err)}` });
    return 1;
  }
};
