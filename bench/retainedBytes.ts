// What a kept finished job costs (docs/retention.md, "The bound"; bench/README.md).
import { startDemo } from '../src/app.ts';
import { boundedRetainedStore, RETAINED_PREFIX } from '../src/cache/retainedJobs.ts';
import type { InProcessRetainedStore } from '../src/cache/retainedJobs.ts';
import { DEMO_DATA } from '../src/emulators/index.ts';
import type { JobRecord } from '../src/model/job.ts';
import { int } from './lib/settings.ts';

const COUNT = int('BENCH_RETAINED_COUNT', 10_000, 1, 10_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const gw = await startDemo({ port: 0, env: { LOG_LEVEL: 'warn' } });
const sizes: { id: string; bytes: number; record: JobRecord }[] = [];
try {
  const ids = Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS);
  const res = await fetch(gw.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.tokens.secrets}` },
    body: JSON.stringify({
      query: 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }',
      variables: { ids },
    }),
  });
  await res.text();
  for (const id of ids) {
    const kept = await gw.retained!.recall(id);
    if (!kept) continue;
    const bytes = Buffer.byteLength(JSON.stringify({ account: 'default', record: kept }));
    sizes.push({ id, bytes, record: kept });
  }
} finally {
  await gw.close();
}
sizes.sort((a, b) => b.bytes - a.bytes);
const byProvider = new Map<string, number[]>();
for (const { id, bytes } of sizes) {
  const p = id.split(/[:@]/, 1)[0]!;
  byProvider.set(p, [...(byProvider.get(p) ?? []), bytes]);
}
console.log("kept record JSON bytes by provider (min–max over the demo's finished jobs):");
for (const [p, b] of byProvider)
  console.log(`  ${p}: ${Math.min(...b)}–${Math.max(...b)} (${b.length} jobs)`);

// Records the size of the largest, COUNT times under distinct keys, in the in-process store.
const largest = sizes[0]!;
/**
 * The in-process store holding COUNT records the size of the largest. Synchronous on purpose (its
 * `set` stores before it returns): an awaited store can stay referenced by the suspended caller's
 * frame, and the measure below would see nothing freed.
 */
function filledStore(): InProcessRetainedStore {
  const store = boundedRetainedStore(COUNT);
  for (let i = 0; i < COUNT; i++) {
    // What the store holds for a job: the largest record under the job's own ID, each a copy of
    // its own (as each job's record is decoded from its own answer).
    const id = `batch:us-east-1:${i}`;
    const record = { ...structuredClone<JobRecord>(largest.record), id };
    void store.set(RETAINED_PREFIX + id, { account: 'default', record }, 3_600_000);
  }
  return store;
}
/** The heap the filled store holds: what dropping it frees (the rest of the process moves the heap either way). */
function heapOfStore(): number {
  const stores = new Set<InProcessRetainedStore>([filledStore()]);
  gc!();
  const full = process.memoryUsage().heapUsed;
  stores.clear(); // the only reference
  gc!();
  return full - process.memoryUsage().heapUsed;
}
const held = heapOfStore();
console.log(
  `in-process store, ${COUNT} records of ${largest.bytes} bytes (${largest.id}): heap ${(held / 1024 / 1024).toFixed(1)} MiB, ${Math.round(held / COUNT)} bytes a record`,
);
