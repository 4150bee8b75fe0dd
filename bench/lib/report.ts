import type { BenchData } from './data.ts';
import type { ProfileSummary } from './profile.ts';
import { goalText, type Figure } from './results.ts';
import { median, round } from './stats.ts';

const fmt = (n: number | undefined, unit = '', digits?: number): string =>
  n === undefined || !Number.isFinite(n) ? '—' : `${digits === undefined ? n : n.toFixed(digits)}${unit ? ` ${unit}` : ''}`;

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
}

function table(head: string[], rows: (string | number)[][]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

const SECTION_TITLES: Record<string, string> = {
  a: 'a. Batching — upstream calls ÷ distinct jobs',
  b: 'b. Latency at one connection',
  c: 'c. Saturated throughput',
  d: 'd. CPU per job',
  e: 'e. Memory',
  f: 'f. Upstream connections',
  g: 'g. Finished jobs asked twice',
  h: 'h. Fairness between callers',
};

const verdict = (f: Figure) => (f.pass === undefined ? 'info' : f.pass ? '**PASS**' : '**MISS**');

function topAreas(p: ProfileSummary | undefined, n = 6): string {
  return p
    ? p.byCallingArea
        .slice(0, n)
        .map((a) => `${a.name} ${a.percent}%`)
        .join(', ')
    : 'no profile';
}

function topFunctions(p: ProfileSummary | undefined, n = 4): string {
  return p
    ? p.topFunctions
        .slice(0, n)
        .map((a) => `\`${a.name}\` ${a.percent}%`)
        .join(', ')
    : 'no profile';
}

/** One line per miss: what the measurements and the profiles say about it. */
function missAnalysis(f: Figure, data: BenchData): string | null {
  if (f.pass !== false) return null;
  const rtt = median(data.latency.direct.map((r) => r.latencyMs.p50));
  const cpuPerJob = median(data.cpu.runs.map((r) => r.microsPerJob));
  const cpuPer100 = (cpuPerJob * 100) / 1000;
  const cap = data.meta.providerConcurrency;
  const bulk = data.cpu.profile;
  const perRequest = data.cpu.requestProfile;
  switch (f.section) {
    case 'b': {
      const waves = Math.ceil(20 / cap);
      const w = data.latency.whatIf;
      const whatIf = w ? median(w.runs.map((r) => (f.id === 'b.p50' ? r.latencyMs.p50 : r.latencyMs.p99))) : undefined;
      const upstream = waves * rtt;
      const where =
        f.value > upstream + cpuPer100
          ? 'above their sum: CPU of other jobs in the same request, GC pauses and the emulators sharing the cores queue on top'
          : `between max(${round(upstream, 1)}, ${round(cpuPer100, 1)}) and their sum: the CPU overlaps the waits only partly`;
      return `${f.id}: the upstream part is ${waves} wave(s) of calls (20 jobs per provider, at most ${cap} at once) ≈ ${round(upstream, 1)} ms; the gateway also spends ${round(cpuPer100, 1)} ms of CPU per 100-job request (d) on one event loop; ${f.value} ms measured lies ${where}.${
        whatIf !== undefined
          ? ` With JOBGRAPH_PROVIDER_CONCURRENCY=${w?.concurrency} (one wave): ${round(whatIf, 1)} ms — the cap explains part, the CPU the rest.`
          : ''
      } CPU goes to: ${topAreas(bulk)}.`;
    }
    case 'c': {
      const cached = median(data.throughput.cachedOne.map((r) => r.cpuMicrosPerRequest));
      const bare = median(data.throughput.baselineOne.map((r) => r.cpuMicrosPerRequest));
      return `${f.id}: ${f.note ?? ''}. Even with no upstream wait (cache-served 1-job query) the gateway spends ${Math.round(cached)} µs of CPU per request against ${Math.round(bare)} µs for the bare server; that per-request cost goes to: ${topAreas(perRequest)}; top functions ${topFunctions(perRequest)}.`;
    }
    case 'd':
      return `${f.id}: CPU goes to: ${topAreas(bulk)}; top functions ${topFunctions(bulk)}.`;
    default:
      return `${f.id}: ${f.note ?? ''}`;
  }
}

function profileSection(title: string, p: ProfileSummary): string[] {
  return [
    `## ${title}`,
    '',
    `${p.samples} samples over ${p.windowMs} ms${p.windowed ? '' : ' (whole profile: the load window could not be matched)'}, ${p.busyMs} ms busy (not idle). Self time, as a share of busy time. Raw profile (not in the repo): \`${p.file}\`.`,
    '',
    'By area — Node internals and V8 builtins charged to the package or jobgraph folder that called them (what stays under "node: internals" ran with no package on the stack: socket reads, HTTP parsing, timers):',
    '',
    ...table(
      ['calling area', 'ms', '% of busy'],
      p.byCallingArea.map((e) => [e.name, e.selfMs, e.percent]),
    ),
    '',
    'By area — strict self time:',
    '',
    ...table(
      ['area', 'self ms', '% of busy'],
      p.byArea.map((e) => [e.name, e.selfMs, e.percent]),
    ),
    '',
    'Top functions:',
    '',
    ...table(
      ['function (file:line)', 'self ms', '% of busy'],
      p.topFunctions.map((e) => [`\`${e.name}\``, e.selfMs, e.percent]),
    ),
    '',
  ];
}

/** RESULTS.md: machine, settings, every figure with goal, ratio and verdict, the profile, the misses. */
export function renderReport(data: BenchData, figures: Figure[]): string {
  const m = data.meta;
  const s = m.settings;
  const out: string[] = [];
  out.push('# jobgraph benchmark results', '');
  out.push(
    `Produced by \`npm run bench\` (bench/run.ts) on ${m.date}; the run took ${Math.round(m.durationS)} s. Regenerate rather than edit; the raw numbers are in \`bench/results.json\`.`,
    '',
  );
  const pass = figures.filter((f) => f.pass === true).length;
  const miss = figures.filter((f) => f.pass === false).length;
  out.push(`**${pass} PASS, ${miss} MISS** (informational figures carry no verdict).`, '');

  out.push('## Machine', '');
  out.push(
    ...table(['CPU', 'cores', 'memory', 'OS', 'Node'], [[m.machine.cpu, m.machine.cores, `${m.machine.memoryGiB} GiB`, m.machine.os, m.machine.node]]),
    '',
  );
  out.push(...table(['package', 'version'], Object.entries(m.packages)), '');
  out.push(
    `Commit \`${m.git.commit}\`${m.git.dirtyFiles.length ? `, with uncommitted changes in ${m.git.dirtyFiles.map((f) => `\`${f}\``).join(', ')} (other work in progress was measured as it stood)` : ', clean tree'}.`,
    '',
  );

  out.push('## Settings', '');
  out.push(
    `- Upstream latency: **${s.latencyMs} ms** added by every emulator before it answers (fault knob \`latencyMs\`; \`BENCH_LATENCY_MS\`).`,
    `- Each figure is the **median of ${s.runs} runs** (\`BENCH_RUNS\`) unless it is a single measurement (soak, connections, cache).`,
    `- Processes: the harness (autocannon, over 127.0.0.1), the five emulators in one child process, each jobgraph gateway as \`node bin/jobgraph.mjs\` in live mode (AWS_ENDPOINT_URL_* / COS_BATCH_ENDPOINT_URL and demo credentials from \`emulatorEnvironment()\`), and the bare baseline server — no two share an event loop. All of them share the ${m.machine.cores} cores, so load generator and emulators take CPU from the gateway under saturation.`,
    `- Job IDs: the ${data.queries.demoJobs} demo jobs (real answers) and, to reach 100 and 1000 distinct jobs, IDs valid for each provider's pattern that the emulators do not hold: each is one upstream call answered not-found (NOT_FOUND in the response). 100-job queries are 20 per provider.`,
    `- The main gateway runs with \`JOBGRAPH_CACHE_MAX_ENTRIES=0\` (cross-request cache off) so that a–f measure the uncached path whatever the cache work in progress does; g and the "cache on" throughput lines use a gateway with the default configuration.`,
    `- b: one connection, ${s.latencySeconds} s per run; baseline = one signed DescribePackageImportJob sent straight to the Panorama emulator (same latency knob), ${s.baselineLatencySeconds} s per run; p50 is compared with the baseline p50, p99 with the baseline p99. Latencies are raw per-response times, not autocannon's ms-bucketed histogram.`,
    `- c: ${s.throughputConnections} connections, ${s.throughputSeconds} s per run. **jobgraph keeps the ${s.latencyMs} ms upstream latency; the bare graphql-js baseline (bench/baseline/server.ts: node:http + graphql \`execute\`, documents cached) has no upstream and returns the same response JSON from memory** (checked byte for byte: ${data.queries.baselineSameJson ? 'identical' : 'NOT identical'}; ${data.queries.oneJobBytes} and ${data.queries.twentyJobBytes} bytes).`,
    `- d: ${s.cpuRequests} 100-job queries over 4 connections; CPU = utime + stime of the gateway process from /proc. The profiles come from separate gateways started with \`--cpu-prof\` (one uncached running the same 100-job load, one with the default config serving a finished job from its cache), their samples cut to the load's window; profiling slows them, so no figure is taken from them.`,
    `- c also reports server CPU per request (from /proc, over each run) for jobgraph and for the bare server, and the throughput of a default-config gateway answering a finished job from its cross-request cache.`,
    `- g: the finished demo jobs, split by a probe with a \`jobs:secrets:read\` token into those with no value in any sensitive field (the cache may keep them) and those carrying a secret (it must not); each set queried twice on a fresh default-config gateway.`,
    `- e: idle RSS = median of 5 readings after the previous load drained; then ${s.memoryConnections} connections each send one 100-job query, so ${s.memoryConnections} are in flight together; RSS read every 100 ms, peak used. Soak: ${s.soakSeconds} s (\`BENCH_SOAK_S\`), ${s.soakConnections} connections, fresh unknown IDs in every request, RSS every second.`,
    `- f: the emulators' accepted-connection counters after warm-up and after the runs listed; the emulators' HTTP servers close a keep-alive socket after 5 s idle (Node's default), so the 1-job runs — which keep only a few sockets per provider busy — come after the second reading and are reported separately.`,
    '',
  );
  out.push(
    ...table(
      ['gateway', 'jobgraph settings (secrets left out)'],
      Object.entries(m.gateways).map(([k, v]) => [
        k,
        Object.entries(v)
          .filter(([n]) => !n.startsWith('AWS_ENDPOINT') && n !== 'COS_BATCH_ENDPOINT_URL')
          .map(([n, x]) => `${n}=${x}`)
          .join(' '),
      ]),
    ),
    '',
  );

  out.push('## Summary', '');
  out.push(
    ...table(
      ['', 'figure', 'value', 'baseline', 'ratio', 'goal', 'result'],
      figures.map((f) => [
        f.section,
        f.label,
        fmt(f.value, f.unit, f.digits),
        f.baseline ? fmt(f.baseline.value, f.baseline.unit) : '—',
        f.ratio !== undefined ? `${f.ratio}×` : '—',
        f.goal ? goalText(f.goal, f.unit, f.digits) : '—',
        verdict(f),
      ]),
    ),
    '',
  );

  for (const section of Object.keys(SECTION_TITLES)) {
    const list = figures.filter((f) => f.section === section);
    if (!list.length) continue;
    out.push(`### ${SECTION_TITLES[section]}`, '');
    for (const f of list) {
      out.push(
        `- **${f.label}**: ${fmt(f.value, f.unit, f.digits)}${f.baseline ? ` vs ${f.baseline.label} ${fmt(f.baseline.value, f.baseline.unit)} → ${f.ratio}×` : ''}${f.goal ? `; goal ${goalText(f.goal, f.unit, f.digits)} → ${verdict(f)}` : ''}. Runs: ${f.runs.map((r) => r.toFixed(f.digits)).join(', ')}.${f.note ? ` ${f.note}.` : ''}`,
      );
    }
    out.push('');
  }

  if (data.cpu.profile) out.push(...profileSection('CPU profile: 100-job queries, uncached (d)', data.cpu.profile));
  if (data.cpu.requestProfile)
    out.push(...profileSection('CPU profile: cache-served 1-job queries — the fixed cost of a request (c)', data.cpu.requestProfile));

  const misses = figures.map((f) => missAnalysis(f, data)).filter((x): x is string => x !== null);
  if (misses.length) {
    out.push('## Misses and what the measurements show', '');
    for (const line of misses) out.push(`- ${line}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
