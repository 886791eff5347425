import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { createStorage } from './index.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();
const CHILD = fileURLToPath(new URL('./consume-pass-child.test-helper.ts', import.meta.url));

/** Runs the child until it has reported `atLeast` committed passes, then SIGKILLs it. */
function runAndKill(dataDir: string, uid: string, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, uid], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastReported = 0;
    let pending = '';
    let stderr = '';
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8');
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) lastReported = Number(line);
      if (lastReported >= atLeast) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      if (signal !== 'SIGKILL' || lastReported < atLeast) reject(new Error(`child ended ${code}/${signal}: ${stderr}`));
      else resolve(lastReported);
    });
  });
}

describe('consumePass across a SIGKILL', () => {
  it('keeps every reported pass (at most the one in flight extra) and an intact database', async () => {
    const dataDir = temp.dir();
    const setup = createStorage(temp.open({ dataDir }), { clock: systemClock });
    const owner = setup.users.create({ name: 'crash', ownerType: 'owner' });
    if (!owner.ok) throw new Error('setup');
    const card = setup.identifiers.create({ type: 'card', number: 1n, userUuid: owner.value.uuid, lock: 'all' });
    if (!card.ok) throw new Error('setup');
    setup.close();

    const reported = await runAndKill(dataDir, card.value.uid, 200);

    const reopened = createStorage(temp.open({ dataDir }), { clock: systemClock });
    const used = reopened.identifiers.get(card.value.uid)!.passesUsed;
    expect(used).toBeGreaterThanOrEqual(reported);
    expect(used).toBeLessThanOrEqual(reported + 1);
    expect(reopened.db.integrityCheck()).toEqual({ ok: true, messages: ['ok'] });
  });
});
