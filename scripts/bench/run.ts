/**
 * `npm run bench [-- --smoke] [-- --only NAME]`: runs the benchmark figures one after another,
 * prints a Markdown table (stdout) and writes bench-results/latest.json and latest.md.
 * Figures are reported, not asserted: a missed target does not fail the run; only a crash (a
 * figure that throws) makes the exit code non-zero, after the other figures have still run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Figure, FigureResult } from './figure.ts';
import { machineInfo } from './machine.ts';
import { renderMarkdown } from './report.ts';
import { batchAdmin } from './batch-admin.ts';
import { capacity } from './capacity.ts';
import { decision } from './decision.ts';
import { eofDelay } from './eof-delay.ts';
import { importResponsiveness } from './import-responsiveness.ts';
import { journal } from './journal.ts';
import { limitedPass } from './limited-pass.ts';
import { memoryGrowth } from './memory-growth.ts';
import { serialRelay } from './serial-relay.ts';

const FIGURES: readonly Figure[] = [
  serialRelay, eofDelay, decision, capacity, batchAdmin, importResponsiveness, journal, limitedPass, memoryGrowth,
];

const USAGE = `usage: npm run bench -- [--smoke] [--only NAME[,NAME]] [--out DIR]\nfigures: ${FIGURES.map((f) => f.name).join(', ')}\n`;

function parseArgs(argv: readonly string[]): { smoke: boolean; only: Set<string> | null; out: string } | string {
  let smoke = false;
  let only: Set<string> | null = null;
  let out = 'bench-results';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--smoke') smoke = true;
    else if (a === '--only' && argv[i + 1]) only = new Set(argv[++i]!.split(','));
    else if (a === '--out' && argv[i + 1]) out = argv[++i]!;
    else return `unknown option '${a}'`;
  }
  const unknown = [...(only ?? [])].filter((n) => !FIGURES.some((f) => f.name === n));
  if (unknown.length > 0) return `unknown figure ${unknown.join(', ')}`;
  return { smoke, only, out };
}

const args = parseArgs(process.argv.slice(2));
if (typeof args === 'string') {
  process.stderr.write(`bench: ${args}\n${USAGE}`);
  process.exit(2);
}

const started = Date.now();
const machine = machineInfo();
const ctx: BenchContext = {
  smoke: args.smoke,
  log: (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`),
};
ctx.log(`${machine.nproc} × ${machine.cpuModel}, node ${machine.node}, ${args.smoke ? 'smoke' : 'full'} run`);

const results: Array<{ name: string; description: string; seconds: number } & ({ result: FigureResult } | { error: string })> = [];
for (const figure of FIGURES) {
  if (args.only && !args.only.has(figure.name)) continue;
  ctx.log(`${figure.name}: ${figure.description}`);
  const t0 = Date.now();
  try {
    const result = await figure.run(ctx);
    results.push({ name: figure.name, description: figure.description, seconds: (Date.now() - t0) / 1000, result });
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.log(`${figure.name} CRASHED: ${error}`);
    results.push({ name: figure.name, description: figure.description, seconds: (Date.now() - t0) / 1000, error });
  }
  (globalThis as { gc?: () => void }).gc?.();
}

const report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(),
  seconds: (Date.now() - started) / 1000,
  smoke: args.smoke,
  machine,
  figures: results,
};
const markdown = renderMarkdown(report);
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
writeFileSync(join(args.out, 'latest.md'), markdown);
process.stdout.write(markdown);
ctx.log(`wrote ${join(args.out, 'latest.json')} and latest.md`);
// Child processes and sockets are closed by each figure; exit explicitly so a stray handle in a
// library cannot keep CI waiting.
process.exit(results.some((r) => 'error' in r) ? 1 : 0);
