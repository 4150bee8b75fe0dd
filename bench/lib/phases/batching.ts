import type { BenchContext } from '../context.ts';
import type { GatewayProcess } from '../../rig/gateway.ts';
import { mixedIds } from '../ids.ts';
import { entitiesBody, errorCodes, jobsBody, post, type GraphQLResponse } from '../queries.ts';

const PER_QUERY_MAX = 100;

/**
 * Upstream calls for `distinct` jobs of the five providers in queries of at most 100 IDs (demo jobs
 * first); those for a job asked before, the answers' error codes, answers not a 200 of every job.
 */
export async function measureBatching(
  ctx: BenchContext,
  gateway: GatewayProcess,
  entry: 'jobs' | '_entities',
  distinct: number,
) {
  const queries = Math.ceil(distinct / PER_QUERY_MAX);
  const before = await ctx.emulators.counters();
  const answers: GraphQLResponse[] = [];
  let badResponses = 0;
  for (let q = 0; q < queries; q++) {
    const size = Math.min(PER_QUERY_MAX, distinct - q * PER_QUERY_MAX);
    const ids = mixedIds(size / 5, ctx.unknownIds, q === 0);
    const body = entry === 'jobs' ? jobsBody(ids) : entitiesBody(ids);
    const res = await post(gateway.url, body, ctx.authHeaders);
    const list = res.json.data?.[entry];
    if (res.status !== 200 || !Array.isArray(list) || list.length !== size) badResponses += 1;
    answers.push(res.json);
  }
  const calls = await ctx.emulators.callsSince(before);
  const jobs = calls.map((c) => `${c.emulator}:${c.job}`);
  return {
    entry,
    distinctJobs: distinct,
    queries,
    upstreamCalls: calls.length,
    repeatedCalls: jobs.length - new Set(jobs).size,
    errorCodes: errorCodes(...answers),
    badResponses,
  };
}

/** One query naming 50 distinct jobs twice each: 50 upstream calls once de-duplicated. */
export async function measureDuplicates(ctx: BenchContext, gateway: GatewayProcess) {
  const ids = mixedIds(10, ctx.unknownIds, false);
  const before = await ctx.emulators.counters();
  await post(gateway.url, jobsBody([...ids, ...ids]), ctx.authHeaders);
  const calls = await ctx.emulators.callsSince(before);
  return { idsAsked: ids.length * 2, distinctJobs: ids.length, upstreamCalls: calls.length };
}

/** The same query of finished jobs twice; upstream calls counted for each. */
export async function repeatedTerminalQuery(
  ctx: BenchContext,
  gateway: GatewayProcess,
  terminalIds: readonly string[],
) {
  const body = jobsBody(terminalIds);
  const first = await ctx.emulators.counters();
  await post(gateway.url, body, ctx.authHeaders);
  const second = await ctx.emulators.counters();
  await post(gateway.url, body, ctx.authHeaders);
  const firstCalls = await ctx.emulators.callsSince(first);
  const secondCalls = await ctx.emulators.callsSince(second);
  return {
    jobs: terminalIds.length,
    firstRunCalls: firstCalls.length - secondCalls.length,
    secondRunCalls: secondCalls.length,
    // Jobs asked upstream again on the second run, as the call log names them.
    refetched: secondCalls.map((c) => `${c.emulator}:${c.job}`),
  };
}
