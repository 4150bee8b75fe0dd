/**
 * The watch load benchmark, in two modes: `npm run bench:sizing` (the sizing table: SIZING.md
 * and sizing.json, in bench/results/) and `npm run bench:moonshot`
 * (`--moonshot`: MOONSHOT.md in bench/results/, and its figures as one JSON line). The jobs, the watchers, the
 * phases and every setting: bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { listedDemoJobs } from '@jobgraph/emulators';
import { REPO_ROOT } from './rig/proc.ts';
import { loadAverage, proseWrapped, resultPath, runLine, writeReport } from './rig/report.ts';
import { runBench, startStack } from './rig/stack.ts';
import * as watchers from './lib/watchers.ts';
import {
  emulatorMove,
  LIST_PAGES,
  log,
  MOVING,
  moonshotReplica,
  plans,
  s,
  sizingReplica,
  SOURCES,
  STILL,
  WATCHES,
} from './sizingRun.ts';
import { moonshotProblems, renderMoonshot, renderSizing, sizingFigures } from './sizingReport.ts';

const OUT_MD = resultPath(s.moonshot ? 'MOONSHOT.md' : 'SIZING.md');
const OUT_JSON = resultPath('sizing.json');

/**
 * `count` unfinished jobs of a big account, taken from each source in turn (newest first), how
 * many of each, and its jobs a source: BENCH_MOONSHOT_JOBS_PER_SOURCE, or the fewest that hold them.
 */
function bigAccount(count: number) {
  const unfinished = (n: number) => {
    const lists = listedDemoJobs(Date.now(), { jobsPerSource: n });
    return SOURCES.map(({ name, mix }) => {
      const open = new Set(mix.recent.map(([status]) => status));
      return lists[name].filter((j) => open.has(j.providerStatus)).map((j) => j.globalId);
    });
  };
  let n = s.jobsPerSource ?? Math.ceil(count / (unfinished(1000).flat().length / 1000));
  let by = unfinished(n);
  while (by.flat().length < count) {
    if (s.jobsPerSource !== undefined)
      throw new Error(`BENCH_MOONSHOT_JOBS_PER_SOURCE=${n} gives too few unfinished jobs`);
    by = unfinished((n = Math.ceil(n * 1.02)));
  }
  const taken: string[] = [];
  const perSource: Record<string, number> = {};
  for (let i = 0; taken.length < count; i++)
    by.forEach((ids, k) => {
      const id = ids[i];
      if (id === undefined || taken.length >= count) return;
      taken.push(id);
      perSource[SOURCES[k]!.name] = (perSource[SOURCES[k]!.name] ?? 0) + 1;
    });
  return { n, taken, perSource };
}

/** `count` Import/Export IDs of `prefix` (the emulators' `synthesize` makes their jobs). */
const synthesized = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `importexport:${prefix}${String(i).padStart(6, '0')}`);

/** The watched jobs: the still ones with the moving ones spread evenly among them. */
function jobList(still: readonly string[], moving: readonly string[]): string[] {
  const out: string[] = [];
  const stride = moving.length ? Math.floor((still.length + moving.length) / moving.length) : 0;
  let [i, m] = [0, 0];
  while (out.length < still.length + moving.length) {
    const movingHere = m < moving.length && (i >= still.length || out.length % stride === 0);
    out.push(movingHere ? moving[m++]! : still[i++]!);
  }
  return out;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  if (!s.moonshot) execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  const account = s.moonshot ? bigAccount(s.jobs - s.moving) : null;
  const moving = synthesized(MOVING.prefix, s.moving);
  const all = plans(
    jobList(account?.taken ?? synthesized(STILL.prefix, s.jobs - s.moving), moving),
  );
  const jobsPerSource = account?.n ?? s.jobsPerSource!;
  // The moonshot's lists leave the progressing jobs out: no change its floor lacks (docs/performance.md).
  const listProgressing = !s.moonshot;
  const stack = await startStack({ latencyMs: s.latencyMs, jobsPerSource, listProgressing });
  const synthesize = { [STILL.prefix]: STILL.template, [MOVING.prefix]: MOVING.template };
  await stack.emulators.setFaults({ synthesize });
  const tokens = await Promise.all(all.map((_, c) => stack.callerToken(`watcher-${c}`)));
  const run = { run: runLine(REPO_ROOT), settings: s };
  if (account) {
    log(
      `${WATCHES} watches of ${s.jobs} jobs (${s.moving} moving), ${jobsPerSource} jobs a source; load ${loadBefore}`,
    );
    const measured = await moonshotReplica(stack, all, tokens, moving);
    const load = [loadBefore, measured.loadWindowEnd, loadAverage()];
    const watchedPerSource = account.perSource;
    const result = { ...run, ...measured, load, jobsPerSource, watchedPerSource };
    await writeReport({ md: [OUT_MD, await proseWrapped(OUT_MD, renderMoonshot(result))] });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    log(
      `wrote ${OUT_MD}${moonshotProblems(result).length ? `; THIS RUN HAD PROBLEMS: ${moonshotProblems(result).join('; ')}` : ''}`,
    );
    return;
  }
  const mover = watchers.startMover(emulatorMove(stack), s.moveSeconds, log);
  const rows = [];
  try {
    for (const cores of s.cores) rows.push(...(await sizingReplica(stack, cores, all, tokens)));
  } finally {
    mover.stop();
  }
  const result = sizingFigures({ ...run, load: [loadBefore, loadAverage()], rows });
  const md = renderSizing(result, LIST_PAGES);
  const written = await writeReport({ md: [OUT_MD, md], json: [OUT_JSON, result] });
  log(`wrote ${written.join(', ')}; kubernetes: ${JSON.stringify(result.kubernetes)}`);
}

runBench(log, main);
