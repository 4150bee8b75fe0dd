import { withLatency, type BenchContext } from '../context.ts';
import type { GatewayProcess } from '../../rig/gateway.ts';
import { demoIds } from '../ids.ts';
import { runLoad } from '../../rig/load.ts';
import { sleep, waitForIdle } from '../../rig/proc.ts';
import { readToken } from '../../rig/stack.ts';
import { jobBody, jobsBody } from '../queries.ts';

/** Connections caller A keeps busy with 100-job queries while B is measured. */
export const FLOOD_CONNECTIONS = 2;
/** Upstream latency (ms), so that B waits on A's queue, not on a CPU the flood saturates. */
export const FAIRNESS_LATENCY_MS = 100;

/**
 * Caller B's 1-job Panorama query, alone and while caller A floods Panorama with 100-job queries:
 * behind one FIFO per provider B waits for A's hundreds; with fair queueing, the next free slot.
 */
export async function callerFairness(ctx: BenchContext, gateway: GatewayProcess) {
  const a = { authorization: `Bearer ${await readToken(ctx.jwtSecret, 'bench-flood-a')}` };
  const b = { authorization: `Bearer ${await readToken(ctx.jwtSecret, 'bench-single-b')}` };
  const single = jobBody(demoIds('panorama')[0] as string);
  let n = 0;
  // Fresh unknown IDs each query, so the job cache (if on) and DataLoader cannot absorb the flood.
  const floodBody = () =>
    jobsBody(
      Array.from({ length: 100 }, () => `panorama:us-east-1:bench-flood-${(n++).toString(36)}`),
    );
  const seconds = ctx.settings.fairnessSeconds;
  const callerB = (durationS: number) =>
    runLoad({ url: gateway.url, body: single, headers: b, connections: 1, durationS });
  return withLatency(ctx, FAIRNESS_LATENCY_MS, async () => {
    await callerB(1);
    const alone = await callerB(seconds);
    await waitForIdle(gateway.pid);
    const floodLoad = { nextBody: floodBody, headers: a, connections: FLOOD_CONNECTIONS };
    const floodRun = runLoad({ url: gateway.url, ...floodLoad, durationS: seconds + 2 });
    // Let the flood fill the queues before measuring B.
    await sleep(1000);
    const underFlood = await callerB(seconds);
    const flood = await floodRun;
    await waitForIdle(gateway.pid);
    return { alone, underFlood, flood };
  });
}
