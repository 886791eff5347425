/**
 * The capture thread, made to fail once: it runs capture.worker.ts and, the first time only (a
 * marker file named by CAPTURE_CRASH_MARKER, which the thread creates), throws from a timer
 * shortly after, as a bug in it would.
 */
import { existsSync, writeFileSync } from 'node:fs';

await import('./capture.worker.ts');
const marker = process.env.CAPTURE_CRASH_MARKER;
if (marker !== undefined && !existsSync(marker)) {
  writeFileSync(marker, '');
  setTimeout(() => {
    throw new Error('capture thread failure (test)');
  }, 300);
}
