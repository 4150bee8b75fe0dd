import type { BenchData } from './data.ts';
import { FAIRNESS_LATENCY_MS, FLOOD_CONNECTIONS } from './phases/fairness.ts';
import { delta } from './emulators.ts';
import { figure, type Figure } from './results.ts';
import { median, round } from './stats.ts';

const p50 = (runs: { latencyMs: { p50: number } }[]) => runs.map((r) => r.latencyMs.p50);
const p99 = (runs: { latencyMs: { p99: number } }[]) => runs.map((r) => r.latencyMs.p99);
const rps = (runs: { rps: number }[]) => runs.map((r) => r.rps);

/** Turn the measurements into the reported figures, each with its goal. */
export function buildFigures(data: BenchData): Figure[] {
  const figures: Figure[] = [];

  // a. batching: upstream calls ÷ distinct jobs.
  for (const b of data.batching) {
    const codes: Record<string, number> = {};
    for (const r of b.runs) for (const [k, v] of Object.entries(r.errorCodes)) codes[k] = (codes[k] ?? 0) + v;
    const bad = b.runs.reduce((s, r) => s + r.badResponses, 0);
    const repeated = b.runs.reduce((s, r) => s + r.repeatedCalls, 0);
    figures.push(
      figure({
        id: `a.${b.entry}.${b.distinct}`,
        section: 'a',
        label: `${b.entry === 'jobs' ? 'jobs(ids:)' : '_entities'} — ${b.distinct} distinct jobs (${b.runs[0]?.queries ?? 0} quer${(b.runs[0]?.queries ?? 0) > 1 ? 'ies' : 'y'})`,
        unit: 'calls/job',
        runs: b.runs.map((r) => r.upstreamCalls / r.distinctJobs),
        goal: { on: 'value', op: '==', target: 1 },
        note: `upstream calls per run: ${b.runs.map((r) => r.upstreamCalls).join(', ')}; repeated calls: ${repeated}; bad responses: ${bad}; error codes over all runs: ${JSON.stringify(codes)}`,
      }),
    );
  }
  if (data.duplicates.length) {
    const d = data.duplicates[0];
    figures.push(
      figure({
        id: 'a.jobs.duplicates',
        section: 'a',
        label: `jobs(ids:) — ${d?.idsAsked} IDs naming ${d?.distinctJobs} distinct jobs twice each`,
        unit: 'calls/job',
        runs: data.duplicates.map((r) => r.upstreamCalls / r.distinctJobs),
        goal: { on: 'value', op: '==', target: 1 },
        note: `upstream calls per run: ${data.duplicates.map((r) => r.upstreamCalls).join(', ')}`,
      }),
    );
  }

  // b. latency at one connection.
  const directP50 = median(p50(data.latency.direct));
  const directP99 = median(p99(data.latency.direct));
  const rtt = { label: 'direct signed request to one emulator', unit: 'ms' };
  figures.push(
    figure({
      id: 'b.p50',
      section: 'b',
      label: '100-job query over 5 providers, 1 connection — p50',
      unit: 'ms',
      runs: p50(data.latency.gateway),
      baseline: { ...rtt, value: round(directP50) },
      goal: { on: 'ratio', op: '<=', target: 1.15 },
      note: `requests per run: ${data.latency.gateway.map((r) => r.latencyMs.count).join(', ')}; baseline runs p50: ${p50(data.latency.direct)
        .map((v) => round(v))
        .join(', ')} ms`,
    }),
    figure({
      id: 'b.p99',
      section: 'b',
      label: '100-job query over 5 providers, 1 connection — p99',
      unit: 'ms',
      runs: p99(data.latency.gateway),
      baseline: { ...rtt, value: round(directP99) },
      goal: { on: 'ratio', op: '<=', target: 1.3 },
      note: `baseline runs p99: ${p99(data.latency.direct)
        .map((v) => round(v))
        .join(', ')} ms`,
    }),
  );
  if (data.latency.whatIf) {
    const w = data.latency.whatIf;
    figures.push(
      figure({
        id: 'b.whatIf.p50',
        section: 'b',
        label: `(what-if) same, JOBGRAPH_PROVIDER_CONCURRENCY=${w.concurrency} — p50`,
        unit: 'ms',
        runs: p50(w.runs),
        baseline: { ...rtt, value: round(directP50) },
        note: 'informational: shows how much of the p50 the per-provider cap accounts for',
      }),
      figure({
        id: 'b.whatIf.p99',
        section: 'b',
        label: `(what-if) same, JOBGRAPH_PROVIDER_CONCURRENCY=${w.concurrency} — p99`,
        unit: 'ms',
        runs: p99(w.runs),
        baseline: { ...rtt, value: round(directP99) },
      }),
    );
  }

  // c. saturated throughput vs the bare graphql-js server.
  const c = data.throughput;
  const conns = data.meta.settings.throughputConnections;
  const cap = data.meta.providerConcurrency;
  const rttS = directP50 / 1000;
  const ceilingOne = conns / rttS;
  const ceilingTwenty = Math.min(conns, cap / 4) / rttS;
  figures.push(
    figure({
      id: 'c.oneJob',
      section: 'c',
      label: `1-job query, ${conns} connections`,
      unit: 'req/s',
      digits: 0,
      runs: rps(c.gatewayOne),
      baseline: { label: 'bare graphql-js, same JSON from memory', value: Math.round(median(rps(c.baselineOne))), unit: 'req/s' },
      goal: { on: 'ratio', op: '>=', target: 0.5 },
      note: `upstream-latency ceiling ≈ ${Math.round(ceilingOne)} req/s (${conns} connections × 1 round trip of ${round(directP50)} ms); non-2xx: ${c.gatewayOne.reduce((s, r) => s + r.non2xx, 0)}`,
    }),
    figure({
      id: 'c.twentyJobs',
      section: 'c',
      label: `20-job query (4 per provider), ${conns} connections`,
      unit: 'req/s',
      digits: 0,
      runs: rps(c.gatewayTwenty),
      baseline: { label: 'bare graphql-js, same JSON from memory', value: Math.round(median(rps(c.baselineTwenty))), unit: 'req/s' },
      goal: { on: 'ratio', op: '>=', target: 0.5 },
      note: `upstream-latency ceiling ≈ ${Math.round(ceilingTwenty)} req/s (min(${conns} connections, ${cap} calls per provider ÷ 4 jobs per provider) ÷ ${round(directP50)} ms); non-2xx: ${c.gatewayTwenty.reduce((s, r) => s + r.non2xx, 0)}`,
    }),
  );
  const cpuPerRequest = (runs: { cpuMicrosPerRequest: number }[]) => runs.map((r) => r.cpuMicrosPerRequest);
  const bareOne = { label: 'bare graphql-js', value: Math.round(median(cpuPerRequest(c.baselineOne))), unit: 'µs' };
  figures.push(
    figure({
      id: 'c.cached.oneJob',
      section: 'c',
      label: `(default config, job cache on) 1-job query of a finished job, ${conns} connections`,
      unit: 'req/s',
      digits: 0,
      runs: rps(c.cachedOne),
      baseline: { label: 'bare graphql-js', value: Math.round(median(rps(c.baselineOne))), unit: 'req/s' },
      note: 'informational: the job comes from the cross-request cache, so no upstream wait — what is left is the per-request cost of the gateway',
    }),
    figure({
      id: 'c.cpu.cachedOne',
      section: 'c',
      label: 'server CPU per request — cache-served 1-job query',
      unit: 'µs',
      digits: 0,
      runs: cpuPerRequest(c.cachedOne),
      baseline: bareOne,
      note: `informational: one core serves at most ≈ ${Math.round(1e6 / median(cpuPerRequest(c.cachedOne)))} such requests per second`,
    }),
    figure({
      id: 'c.cpu.oneJob',
      section: 'c',
      label: 'server CPU per request — 1-job query (upstream call)',
      unit: 'µs',
      digits: 0,
      runs: cpuPerRequest(c.gatewayOne),
      baseline: bareOne,
      note: 'informational',
    }),
    figure({
      id: 'c.cpu.twentyJobs',
      section: 'c',
      label: 'server CPU per request — 20-job query (upstream calls)',
      unit: 'µs',
      digits: 0,
      runs: cpuPerRequest(c.gatewayTwenty),
      baseline: { label: 'bare graphql-js', value: Math.round(median(cpuPerRequest(c.baselineTwenty))), unit: 'µs' },
      note: 'informational',
    }),
  );

  // d. CPU per job.
  figures.push(
    figure({
      id: 'd.cpuPerJob',
      section: 'd',
      label: `gateway CPU per job, 100-job queries (${data.meta.settings.cpuRequests} requests, 4 connections)`,
      unit: 'µs/job',
      digits: 1,
      runs: data.cpu.runs.map((r) => r.microsPerJob),
      goal: { on: 'value', op: '<=', target: 40 },
      note: `user+system CPU from /proc/<pid>/stat; ${round(median(data.cpu.runs.map((r) => r.microsPerJob)) / 10, 1)} ms per 100-job request${
        data.cpu.profiled ? `; under --cpu-prof: ${round(data.cpu.profiled.microsPerJob, 1)} µs/job` : ''
      }`,
    }),
  );

  // e. memory.
  const m = data.memory;
  figures.push(
    figure({
      id: 'e.mbPerInFlight',
      section: 'e',
      label: `RSS per in-flight 100-job query (${data.meta.settings.memoryConnections} at once)`,
      unit: 'MB',
      digits: 3,
      runs: m.inFlight.map((r) => r.mbPerRequest),
      goal: { on: 'value', op: '<=', target: 0.5 },
      note: `idle RSS ${m.inFlight.map((r) => round(r.idleMb, 1)).join(', ')} MB; peak ${m.inFlight.map((r) => round(r.peakMb, 1)).join(', ')} MB; longest answer ${m.inFlight.map((r) => Math.round(r.load.latencyMs.max)).join(', ')} ms (the per-job budget is 15 s); idle rises run to run because V8 keeps the heap it grew, so each run is measured from the idle just before it; non-2xx ${m.inFlight.reduce((s, r) => s + r.load.non2xx, 0)}, errors ${m.inFlight.reduce((s, r) => s + r.load.errors, 0)}`,
    }),
    figure({
      id: 'e.soakGrowth',
      section: 'e',
      label: `soak: RSS growth, first → last third (${m.soak.seconds} s, ${data.meta.settings.soakConnections} connections, fresh IDs per request)`,
      unit: '%',
      digits: 1,
      runs: [m.soak.growthPercent],
      goal: { on: 'value', op: '<=', target: 5 },
      note: `first third ${round(m.soak.firstThirdMb, 1)} MB → last third ${round(m.soak.lastThirdMb, 1)} MB (${round(m.soak.growthMb, 1)} MB); ${Math.round(m.soak.load.ok)} queries at ${round(m.soak.load.rps, 1)} req/s, p99 ${Math.round(m.soak.load.latencyMs.p99)} ms; goal is the bench's own (the brief sets none)`,
    }),
  );

  // f. upstream connections.
  const k = data.connections;
  const newConns = delta(k.afterWarmup, k.afterRuns, 'connections');
  figures.push(
    figure({
      id: 'f.newConnections',
      section: 'f',
      label: 'new upstream connections after warm-up (a, b, d, e, soak, c 20-job)',
      unit: 'connections',
      digits: 0,
      runs: [newConns],
      goal: { on: 'value', op: '==', target: 0 },
      note: `${k.callsInWindow} upstream calls in that window; per emulator after warm-up → after: ${Object.keys(k.afterRuns)
        .map((n) => `${n} ${k.afterWarmup[n as keyof typeof k.afterWarmup].connections}→${k.afterRuns[n as keyof typeof k.afterRuns].connections}`)
        .join(', ')}; during the 1-job throughput runs that followed: ${delta(k.afterRuns, k.afterOneJobRuns, 'connections')} more`,
    }),
  );

  // g. finished jobs asked twice.
  const { clean, secretHolding } = data.cache;
  figures.push(
    figure({
      id: 'g.secondRunCalls',
      section: 'g',
      label: `repeated query of ${clean.jobs} finished jobs without secrets (default config) — upstream calls on the 2nd run`,
      unit: 'calls',
      digits: 0,
      runs: [clean.secondRunCalls],
      goal: { on: 'value', op: '==', target: 0 },
      note: `1st run: ${clean.firstRunCalls} calls${clean.refetched.length ? `; asked again: ${clean.refetched.join(', ')}` : ''}`,
    }),
    figure({
      id: 'g.secondRunCallsWithSecrets',
      section: 'g',
      label: `repeated query of ${secretHolding.jobs} finished jobs that carry a secret — upstream calls on the 2nd run`,
      unit: 'calls',
      digits: 0,
      runs: [secretHolding.secondRunCalls],
      note: `informational: a record holding a secret (signature, manifest, presigned URL, credentials) must not outlive its request, so these are expected to go upstream every time; 1st run: ${secretHolding.firstRunCalls} calls; all ${clean.jobs + secretHolding.jobs} finished jobs together: ${clean.secondRunCalls + secretHolding.secondRunCalls} calls on the 2nd run`,
    }),
  );
  // h. fairness between callers.
  const fair = data.fairness;
  if (fair) {
    figures.push(
      figure({
        id: 'h.aloneP50',
        section: 'h',
        label: `caller B's 1-job query, alone (upstream latency ${FAIRNESS_LATENCY_MS} ms) — p50`,
        unit: 'ms',
        runs: [fair.alone.latencyMs.p50],
      }),
      figure({
        id: 'h.underFloodP50',
        section: 'h',
        label: `caller B's 1-job query while caller A keeps ${FLOOD_CONNECTIONS} 100-job queries at the same provider in flight — p50`,
        unit: 'ms',
        runs: [fair.underFlood.latencyMs.p50],
        // Fair: at most one more upstream round trip than alone.
        goal: { on: 'value', op: '<=', target: Math.round(fair.alone.latencyMs.p50 + FAIRNESS_LATENCY_MS) },
        note: `p99 ${fair.underFlood.latencyMs.p99} ms; caller A meanwhile: ${fair.flood.rps.toFixed(2)} queries/s`,
      }),
    );
  }
  return figures;
}
