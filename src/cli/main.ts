/**
 * `doorctl` subcommand dispatcher. Each subcommand lives in its own module under `commands/` and is
 * loaded only when called, so `doorctl decode` never pays for the daemon's imports.
 */
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type Command = (args: string[], io: CommandIo) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  decode: { summary: 'show how a Wiegand bitstring reads in each format (JSON)', load: async () => (await import('./commands/decode.ts')).run },
  run: { summary: 'run the controller daemon (simulation on a machine without GPIO)', load: async () => (await import('./commands/run.ts')).run },
  'set-password': { summary: 'set an admin account password (read from standard input)', load: async () => (await import('./commands/set-password.ts')).run },
  sim: { summary: 'simulated reader: send cards, bits, keys or EM4100 ids to a serial device or sim socket', load: async () => (await import('./commands/sim.ts')).run },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: doorctl <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`doorctl: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await entry.load())(rest, io);
}
