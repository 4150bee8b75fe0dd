import { listed } from '../../src/datasources/listing/summaries.ts';
import { PANORAMA_KEY } from '../../src/datasources/panorama/key.ts';

/** `count` finished Panorama jobs of us-east-1 as a list reads them, one a minute back from `anchor` (ms). */
export function listedPanoramaJobs(count: number, anchor: number) {
  return Array.from({ length: count }, (_, n) => {
    const jobId = `pkgimport-${n.toString(16).padStart(16, '0')}`;
    const createdAt = new Date(anchor - n * 60_000);
    return listed(
      PANORAMA_KEY,
      { provider: 'AWS_PANORAMA', region: 'us-east-1', jobId },
      { state: 'SUCCEEDED', createdAt, updatedAt: createdAt, completedAt: createdAt },
      { providerStatus: 'SUCCEEDED', jobId, status: 'SUCCEEDED' } as never,
    )!;
  });
}
