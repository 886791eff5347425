/** Renders a run as Markdown: machine, one table row per measured figure, then the notes. */
import type { FigureResult } from './figure.ts';
import type { MachineInfo } from './machine.ts';

export interface RunReport {
  readonly command: string;
  readonly date: string;
  readonly seconds: number;
  readonly smoke: boolean;
  readonly machine: MachineInfo;
  readonly figures: ReadonlyArray<{ name: string; seconds: number } & ({ result: FigureResult } | { error: string })>;
}

const MET = { true: 'met', false: '**missed**', null: '—' } as const;

export function renderMarkdown(r: RunReport): string {
  const m = r.machine;
  const lines = [
    `Command: \`${r.command}\` — ${r.date}, ${r.seconds.toFixed(0)} s${r.smoke ? ' (smoke sizes: indicative only)' : ''}`,
    '',
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.kernel}, node ${m.node}, temp dir on ${m.tmpFilesystem}, load average at start ${m.loadAverage}`,
    '',
    '| figure | measured | target | |',
    '| --- | --- | --- | --- |',
  ];
  const notes: string[] = [];
  for (const f of r.figures) {
    if ('error' in f) {
      lines.push(`| ${f.name} | crashed: ${f.error.split('\n')[0]} | | **crashed** |`);
      continue;
    }
    for (const row of f.result.rows) lines.push(`| ${row.figure} | ${row.measured} | ${row.target} | ${MET[`${row.met}`]} |`);
    for (const n of f.result.notes ?? []) notes.push(`- ${f.name}: ${n}`);
  }
  if (notes.length > 0) lines.push('', 'Notes:', '', ...notes);
  return lines.join('\n') + '\n';
}
