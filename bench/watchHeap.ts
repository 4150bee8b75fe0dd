// `npm run bench:watch-heap`: where a watched job's bytes go, by allocation (issue 88 item 3).
// Two gateways (events on) watch BENCH_WATCH_HEAP_JOBS (5000,20000) jobs each; a heap snapshot of
// each (--heapsnapshot-signal, diagnosis only) is summed by constructor, and the difference between
// the two, divided by the jobs between them, is each owner's bytes a watched job.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from './lib/settings.ts';
import { liven, watch, watchedJobs } from './eventsLoad.ts';
import { memoryAfterCollection } from './rig/inspector.ts';
import { sleep } from './rig/proc.ts';
import { loadAverage } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';

const SIZES = (text('BENCH_WATCH_HEAP_JOBS') ?? '5000,20000').split(',').map(Number);
const log = logger('watch-heap');

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};

/** Self bytes and counts by owner: an object's constructor, a closure's name, a string's kind. */
function byConstructor(file: string): Map<string, [number, number]> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [T, N, S, W] = ['type', 'name', 'self_size', 'node_fields'].map((f) => fields.indexOf(f));
  const width = fields.length;
  const sums = new Map<string, [number, number]>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + T!]!]!;
    const name = heap.strings[heap.nodes[i + N!]!]!;
    const key = ['object', 'closure', 'native', 'hidden', 'array', 'object shape'].includes(type)
      ? `${type}:${name.slice(0, 60)}`
      : type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? `${type}:${stringKind(name)}`
        : type;
    const sum = sums.get(key) ?? [0, 0];
    sum[0] += heap.nodes[i + S!]!;
    sum[1] += 1;
    sums.set(key, sum);
  }
  void W;
  return sums;
}

/** A string by what it looks like: a global ID, an ARN, a JSON text, a short or other one. */
function stringKind(s: string): string {
  if (/^batch(@\w+)?:/.test(s)) return 'global ID';
  if (s.startsWith('arn:')) return `ARN ${s.split(':')[5]?.split('/')[0] ?? ''}`;
  if (s.startsWith('[') || s.startsWith('{')) return `JSON ${s.slice(0, 12)}`;
  if (/^[0-9a-f-]{36}$/.test(s)) return 'UUID';
  return s.length <= 16 ? `short ${s}` : 'other';
}

/** The snapshot file in `dir` once written in full (its size the same over three seconds). */
async function written(dir: string): Promise<string> {
  let [file, size, still] = ['', -1, 0];
  while (still < 3) {
    await sleep(1000);
    file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot')) ?? '';
    const now = file ? statSync(join(dir, file)).size : -1;
    still = now > 0 && now === size ? still + 1 : 0;
    size = now;
  }
  return join(dir, file);
}

async function snapshotOf(stack: Stack, jobs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-heap-'));
  const gateway = await stack.gateway({
    label: `heap-${jobs}`,
    inspect: true,
    nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
  });
  await memoryAfterCollection(gateway.inspector!);
  const base = gateway.rss();
  const { ids } = watchedJobs(jobs);
  const w = await watch(stack, gateway, ids);
  await liven(stack.emulators, w, [...ids]);
  await sleep(30_000);
  const heap = await memoryAfterCollection(gateway.inspector!);
  const rss = gateway.rss();
  process.kill(gateway.pid, 'SIGUSR2');
  const file = await written(dir);
  w.close();
  await release(gateway);
  log(
    `${jobs}: base RSS ${base}, RSS ${rss}, heap used ${heap.heapUsed}, external ${heap.external}`,
  );
  const sums = byConstructor(file);
  if (text('BENCH_WATCH_HEAP_KEEP')) log(`kept ${file}`);
  else rmSync(dir, { recursive: true, force: true });
  return { jobs, base, rss, heap, sums };
}

runBench(log, async () => {
  const { n } = watchedJobs(Math.max(...SIZES));
  const stack = await startStack({ jobsPerSource: n });
  const [small, big] = [await snapshotOf(stack, SIZES[0]!), await snapshotOf(stack, SIZES[1]!)];
  const jobs = big.jobs - small.jobs;
  const per = (a: number, b: number) => ((b - a) / jobs).toFixed(0);
  const rows = [...big.sums]
    .map(([key, [bytes, count]]) => {
      const [b0, c0] = small.sums.get(key) ?? [0, 0];
      return { key, bytes: (bytes - b0) / jobs, count: (count - c0) / jobs };
    })
    .filter((r) => Math.abs(r.bytes) >= 8)
    .sort((a, b) => b.bytes - a.bytes);
  const out = [
    `load ${loadAverage()}; ${small.jobs} → ${big.jobs} watched jobs, a watched job's share:`,
    `RSS over base: ${per(small.rss - small.base, big.rss - big.base)} B; heap used ${per(small.heap.heapUsed, big.heap.heapUsed)} B; external ${per(small.heap.external, big.heap.external)} B; array buffers ${per(small.heap.arrayBuffers, big.heap.arrayBuffers)} B`,
    ...rows.map(
      (r) => `${r.bytes.toFixed(1).padStart(8)} B ${r.count.toFixed(2).padStart(6)}×  ${r.key}`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
});
