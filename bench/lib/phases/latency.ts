import type { BenchContext } from '../context.ts';
import { signedPanoramaRequest } from '../directRequest.ts';
import { demoIds } from '../ids.ts';
import { runLoad, type LoadResult } from '../load.ts';

/** Baseline: one connection replaying a signed DescribePackageImportJob straight at the Panorama emulator. */
export async function directRoundTrip(ctx: BenchContext): Promise<LoadResult[]> {
  const jobId = demoIds('panorama')[0] as string;
  const { url, headers } = await signedPanoramaRequest(ctx.emulators.urls.panorama, jobId);
  const runs: LoadResult[] = [];
  for (let r = 0; r < ctx.settings.runs; r++) {
    const result = await runLoad({ url, method: 'GET', headers, connections: 1, durationS: ctx.settings.baselineLatencySeconds });
    if (result.ok === 0) throw new Error('direct emulator baseline got no 2xx answer (signature refused?)');
    runs.push(result);
  }
  return runs;
}

/** One connection, one query at a time, `runs` times. */
export async function oneConnectionLatency(ctx: BenchContext, url: string, body: string): Promise<LoadResult[]> {
  const runs: LoadResult[] = [];
  for (let r = 0; r < ctx.settings.runs; r++) {
    runs.push(await runLoad({ url, body, headers: ctx.authHeaders, connections: 1, durationS: ctx.settings.latencySeconds }));
  }
  return runs;
}
