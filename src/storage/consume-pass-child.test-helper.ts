/**
 * Child process for the crash test: `node --import tsx consume-pass-child.test-helper.ts <dataDir> <uid>`.
 * Consumes passes forever and prints each committed count on its own line (stdout to a pipe is
 * synchronous on Linux, so a printed count was committed before the line left the process).
 */
import { systemClock } from '../core/clock.ts';
import { openStorage } from './index.ts';

const [dataDir, uid] = process.argv.slice(2);
if (!dataDir || !uid) {
  process.stderr.write('usage: consume-pass-child <dataDir> <uid>\n');
  process.exit(2);
}
const storage = openStorage({ dataDir, clock: systemClock });
for (;;) {
  const r = storage.identifiers.consumePass(uid, systemClock.now());
  if (!r.ok) {
    process.stderr.write(`refused: ${r.reason}\n`);
    process.exit(1);
  }
  process.stdout.write(`${r.passesUsed}\n`);
}
