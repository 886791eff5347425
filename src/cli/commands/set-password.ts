/**
 * `doorctl set-password USER [--role admin|operator]`: sets (or creates) an admin account's
 * password, read from standard input so it never appears in the process list or shell history.
 */
import { resolve } from 'node:path';
import { CredentialIndex } from '../../access/credential-index.ts';
import { loadConfig } from '../../config/load-config.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { createServices } from '../../service/services.ts';
import { openDatabase } from '../../storage/database.ts';
import type { Command } from '../main.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

export const run: Command = async (args, io) => {
  const [username, ...rest] = args;
  let role: 'admin' | 'operator' | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--role' && (rest[i + 1] === 'admin' || rest[i + 1] === 'operator')) role = rest[++i] as 'admin' | 'operator';
    else {
      io.stderr.write('usage: doorctl set-password USER [--role admin|operator]  (password on standard input)\n');
      return 2;
    }
  }
  if (!username || !/^[A-Za-z0-9_.-]{1,64}$/.test(username)) {
    io.stderr.write('usage: doorctl set-password USER [--role admin|operator]  (password on standard input)\n');
    return 2;
  }
  if ((io.stdin as NodeJS.ReadStream).isTTY) io.stderr.write('New password (then Enter, Ctrl-D): ');
  const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  const config = loadConfig(process.env.DOORCTL_CONFIG || undefined);
  const db = openDatabase({ dataDir: resolve(config.dataDir) });
  try {
    const services = createServices({ db, index: new CredentialIndex(), clock: systemClock, logger: silentLogger, config });
    const r = await services.auth.setPassword(username, password, role);
    services.close();
    if (!r.ok) {
      io.stderr.write(`doorctl set-password: ${r.detail ?? r.code}\n`);
      return 1;
    }
    io.stdout.write(`password for '${r.value.username}' (${r.value.role}) ${r.code}\n`);
    return 0;
  } finally {
    db.close();
  }
};
