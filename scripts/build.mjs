#!/usr/bin/env node
// Bundles the CLI (src/cli/bin.ts → dist/cli/bin.js) and every worker (src/**/*.worker.ts →
// dist/**/*.worker.js, same relative path) into plain ESM for Node: the daemon then starts without
// compiling TypeScript at run time. npm packages stay external (native addons, resolved from
// node_modules). dist/cli/ sits as deep as src/cli/, so `new URL('../../…', import.meta.url)` in a
// bundled module still resolves to the same repository file.
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

const workers = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.worker.ts'))
  .map((f) => join(src, f));
const entryPoints = [join(src, 'cli', 'bin.ts'), ...workers];

await build({
  absWorkingDir: root,
  entryPoints,
  outbase: src,
  outdir: join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`built ${entryPoints.map((e) => relative(root, e)).join(', ')} → dist/`);
