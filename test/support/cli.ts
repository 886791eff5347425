/** Runs a `doorctl` subcommand in-process with captured standard streams. */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export async function runCli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdin: Readable.from(stdin ? [stdin] : []), stdout, stderr });
  return { code, out, err };
}
