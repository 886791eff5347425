/**
 * Entry point of the built CLI (`npm run build` bundles this file to dist/cli/bin.js): what ships
 * and what the service runs, without tsx's start-up time and memory. scripts/doorctl.mjs stays the
 * entry that runs the sources directly.
 */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
