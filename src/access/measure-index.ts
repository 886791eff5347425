/**
 * Benchmark (not a test): build an index of N card records and print load time, memory and lookup
 * latency. Run: node --expose-gc --import tsx src/access/measure-index.ts 1000000
 * Numbers are for whatever machine runs it; nothing asserts on them.
 */
import { performance } from 'node:perf_hooks';
import { CredentialIndex, type IdentifierRow } from './credential-index.ts';
import { credentialNumber } from '../wiegand/credential-number.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => (b / 1048576).toFixed(1) + ' MB';

/** Deterministic spread of 34-bit card numbers (most above the 31-bit small-integer range). */
function cardNumber(i: number): number {
  return ((i * 2654435761) % 0x3_ffff_ffff) + 1;
}

function* rows(): Generator<IdentifierRow> {
  for (let i = 0; i < n; i++) {
    yield {
      id: i + 1,
      type: 'card',
      value: cardNumber(i),
      lock: i % 3 === 0 ? 'all' : 'first',
      validFrom: i % 2 ? Date.UTC(2026, 0, 1) : null,
      validTo: i % 2 ? Date.UTC(2027, 0, 1) : null,
      maxPasses: i % 5 === 0 ? 10 : null,
      timeProfileId: i % 7,
      ownerId: i,
    };
  }
}

// Cost of producing the row objects alone (what a storage read would also pay), for comparison.
const tRows = performance.now();
let produced = 0;
for (const _ of rows()) produced++;
const rowsMs = performance.now() - tRows;

gc?.();
const before = process.memoryUsage();
const t0 = performance.now();
const index = new CredentialIndex();
const result = index.loadBulk(rows(), { card: n });
const loadMs = performance.now() - t0;
gc?.();
const after = process.memoryUsage();

const samples = 200_000;
const times = new Float64Array(samples);
let hits = 0;
for (let s = 0; s < samples; s++) {
  const i = (s * 7919) % n;
  const number = credentialNumber(BigInt(cardNumber(i)));
  const t = performance.now();
  if (index.findSlot('card', number) >= 0) hits++;
  times[s] = performance.now() - t;
}
times.sort();
const us = (q: number) => ((times[Math.floor(q * (samples - 1))] ?? 0) * 1000).toFixed(2) + ' µs';

console.log(`records:        ${result.loaded} loaded, ${result.rejected.length} rejected`);
console.log(`load time:      ${loadMs.toFixed(0)} ms (of which ~${rowsMs.toFixed(0)} ms producing ${produced} row objects)`);
console.log(`heap used:      ${mb(before.heapUsed)} → ${mb(after.heapUsed)} (Δ ${mb(after.heapUsed - before.heapUsed)})`);
console.log(`array buffers:  Δ ${mb(after.arrayBuffers - before.arrayBuffers)}`);
console.log(`rss:            ${mb(before.rss)} → ${mb(after.rss)} (Δ ${mb(after.rss - before.rss)})`);
console.log(`lookups:        ${hits}/${samples} hits, p50 ${us(0.5)}, p99 ${us(0.99)} (incl. timer overhead)`);
console.log(`gc exposed:     ${gc ? 'yes' : 'no (run with --expose-gc for settled heap figures)'}`);
