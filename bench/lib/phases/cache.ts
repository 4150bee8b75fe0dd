import type { BenchContext } from '../context.ts';
import type { GatewayProcess } from '../../rig/gateway.ts';
import { jobsBody, post } from '../queries.ts';

/** The same query of finished jobs twice; upstream calls counted for each. */
export async function repeatedTerminalQuery(
  ctx: BenchContext,
  gateway: GatewayProcess,
  terminalIds: readonly string[],
): Promise<{ jobs: number; firstRunCalls: number; secondRunCalls: number; refetched: string[] }> {
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
