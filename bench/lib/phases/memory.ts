import type { BenchContext } from '../context.ts';
import type { GatewayProcess } from '../../rig/gateway.ts';
import { runLoad } from '../../rig/load.ts';
import { sleep, waitForIdle } from '../../rig/proc.ts';
import { median } from '../../rig/stats.ts';

const MB = 1024 * 1024;

/** Quiet (ms) before an idle reading, fixed so runs compare: nothing forces a collection. */
export const IDLE_SETTLE_MS = 12_000;

/** Median of 5 RSS readings 200 ms apart while the gateway does nothing, in MB, after IDLE_SETTLE_MS of quiet. */
export async function idleRss(gateway: GatewayProcess): Promise<number> {
  await sleep(IDLE_SETTLE_MS);
  const values: number[] = [];
  for (let i = 0; i < 5; i++) {
    values.push(gateway.rss() / MB);
    await sleep(200);
  }
  return median(values);
}

/**
 * `memoryConnections` queries of `nextBody`, `connections` in flight (default all), peak RSS read
 * every 100 ms: MB per in-flight request = (peak − idle) ÷ `memoryConnections`.
 */
export async function rssUnderLoad(
  ctx: BenchContext,
  gateway: GatewayProcess,
  nextBody: () => string,
  connections = ctx.settings.memoryConnections,
) {
  await waitForIdle(gateway.pid);
  const idleMb = await idleRss(gateway);
  let peak = 0;
  const amount = ctx.settings.memoryConnections;
  const spec = { url: gateway.url, nextBody, headers: ctx.authHeaders, connections, amount };
  const onSample = () => (peak = Math.max(peak, gateway.rss()));
  const load = await runLoad({ ...spec, timeoutS: 120, onSample, sampleEveryMs: 100 });
  const peakMb = peak / MB;
  return { idleMb, peakMb, inFlight: connections, mbPerRequest: (peakMb - idleMb) / amount, load };
}
