/**
 * Starting a worker thread from sources or from the bundle.
 *
 * `npm run build` bundles src/cli/bin.ts to dist/cli/bin.js and every `src/**\/*.worker.ts` to
 * `dist/<same path>.js`. This module ends up inside one of them: run from sources its own URL ends
 * in `.ts` (src/core/worker-entry.ts), bundled it is dist/cli/bin.js. Both sit one directory below
 * the tree root (src/ or dist/), so `../<path>` names the worker in either tree.
 *
 * From sources the worker needs tsx in its own thread: loader hooks registered on the main thread
 * (scripts/doorctl.mjs, vitest) are not inherited, and on Node 20 `execArgv: ['--import', 'tsx']`
 * does not reach a worker's module loader (measured: ERR_UNKNOWN_FILE_EXTENSION). So a two-line
 * bootstrap registers tsx through its API (named by absolute URL, whatever the working directory)
 * and then imports the `.ts` entry.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerEntry {
  readonly url: URL;
  /** True for a `.ts` entry, which needs tsx registered inside the worker. */
  readonly fromSources: boolean;
}

/**
 * `path`: the worker module under src/ without extension, e.g. 'service/batch-worker/identifier-batch.worker'.
 * `base`: the URL of the module doing the resolving (this one; tests pass a bundle's URL).
 */
export function workerEntry(path: string, base: string = import.meta.url): WorkerEntry {
  const fromSources = base.endsWith('.ts');
  return { url: new URL(`../${path}.${fromSources ? 'ts' : 'js'}`, base), fromSources };
}

/** A worker running `path` (see workerEntry), with the given options (workerData, resourceLimits…). */
export function startWorker(path: string, options: Omit<WorkerOptions, 'eval'> = {}, base: string = import.meta.url): Worker {
  const entry = workerEntry(path, base);
  if (!entry.fromSources) return new Worker(entry.url, options);
  const tsxApi = pathToFileURL(createRequire(base).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
