/** What every benchmark module exports, and what it hands back to the runner. */
export interface BenchContext {
  /** Small sizes for CI (whole run < 60 s). */
  readonly smoke: boolean;
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
}

export interface FigureRow {
  readonly figure: string;
  /** Human-readable measurement, e.g. "median 1.2 / p99 3.4 / max 5.6 ms (n=1000)". */
  readonly measured: string;
  readonly target: string;
  /** null when the row is context (no target), e.g. a comparison. */
  readonly met: boolean | null;
}

export interface FigureResult {
  readonly rows: readonly FigureRow[];
  /** Raw figures for the JSON file. */
  readonly data: Record<string, unknown>;
  /** Caveats that belong next to the table (how it was measured, what is interim). */
  readonly notes?: readonly string[];
}

export interface Figure {
  /** For `--only NAME`. */
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<FigureResult>;
}
