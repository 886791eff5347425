import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker, workerEntry } from './worker-entry.ts';

const PROBE = 'core/worker-entry-probe.worker';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function answer(worker: ReturnType<typeof startWorker>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

describe('worker entry', () => {
  it('from sources: the .ts file under src/, which exists', () => {
    const e = workerEntry('service/batch-worker/identifier-batch.worker');
    expect(e.fromSources).toBe(true);
    expect(e.url.href).toMatch(/\/src\/service\/batch-worker\/identifier-batch\.worker\.ts$/);
    expect(existsSync(fileURLToPath(e.url))).toBe(true);
  });

  it('bundled (this module inside dist/cli/bin.js): dist/<same path>.js', () => {
    const e = workerEntry('service/batch-worker/identifier-batch.worker', 'file:///opt/doorctl/dist/cli/bin.js');
    expect(e).toEqual({ url: new URL('file:///opt/doorctl/dist/service/batch-worker/identifier-batch.worker.js'), fromSources: false });
  });

  it('starts a TypeScript worker from sources (tsx registered inside the worker) and hands it workerData', async () => {
    expect(await answer(startWorker(PROBE, { workerData: { n: 20 } }))).toEqual({ doubled: 40 });
  });

  it('after `npm run build`, the bundle resolves and starts the built worker as plain JS', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
    const bin = pathToFileURL(join(ROOT, 'dist', 'cli', 'bin.js')).href;
    expect(existsSync(fileURLToPath(workerEntry(PROBE, bin).url))).toBe(true);
    expect(await answer(startWorker(PROBE, { workerData: { n: 4 } }, bin))).toEqual({ doubled: 8 });
  }, 60_000);
});
