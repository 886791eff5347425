/** Bounded polling for real-time conditions in tests (real processes, ptys, sockets). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 2000): Promise<number> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - start;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
