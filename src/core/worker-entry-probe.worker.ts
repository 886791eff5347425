/** Test worker for worker-entry.test.ts: TypeScript syntax, so it only runs with tsx registered or bundled. */
import { parentPort, workerData } from 'node:worker_threads';

const { n } = workerData as { n: number };
parentPort?.postMessage({ doubled: n * 2 } satisfies { doubled: number });
