import type { EmulatorDescriptor } from '../descriptor.ts';
import { awsEmulator, isoOf, listedEntries, madeUpIds } from '../descriptor.ts';
import { bigAccountJobs } from '../listing.ts';
import * as data from './data.ts';
import { createPanoramaEmulator } from './emulator.ts';
import { PANORAMA_BIG_ACCOUNT, panoramaListedJobs } from './listData.ts';
import { PANORAMA_PROGRESSING_JOB_ID, PANORAMA_PROGRESS_PHASES } from './progressing.ts';
import {
  PANORAMA_SECOND_ACCOUNT_JOB_IDS,
  PANORAMA_SECOND_ACCOUNT_REGION,
  panoramaSecondAccountJobs,
} from './secondAccount.ts';

const region = data.PANORAMA_DEMO_REGION;
const summaries = (jobs: readonly data.PanoramaDemoJob[], jobRegion: string) =>
  jobs.map((j) => ({
    globalId: `panorama:${jobRegion}:${j.wire.JobId as string}`,
    createdAt: isoOf(j.wire.CreatedTime as number),
    providerStatus: j.wire.Status as string,
  }));

/** AWS Panorama's emulator: the demo region's package import jobs. */
export const panoramaEmulator = {
  ...awsEmulator('panorama', 'AWS Panorama', 1),
  data,
  progressingJobId: `panorama:${region}:${PANORAMA_PROGRESSING_JOB_ID}`,
  progressPhases: PANORAMA_PROGRESS_PHASES,
  // Demo IDs are `pkgimport-` then hex digits or words, none of them `made`.
  madeUpIds: madeUpIds((f) => `pkgimport-made${f}-`),
  create: createPanoramaEmulator,
  list: {
    operations: ['ListPackageImportJobs'],
    demo: (anchorMs) => summaries(panoramaListedJobs(anchorMs), region),
    big: (anchorMs, n) =>
      listedEntries(
        bigAccountJobs(PANORAMA_BIG_ACCOUNT, anchorMs, region, n - 1),
        (id) => `panorama:${region}:${id}`,
        // The wire time is epoch seconds: read back as the demo path reads it.
        (ms) => new Date((ms / 1000) * 1000).toISOString(),
      ),
    secondAccount: (anchorMs) =>
      summaries(panoramaSecondAccountJobs(anchorMs), PANORAMA_SECOND_ACCOUNT_REGION),
  },
  secondAccount: {
    shared: {
      region: PANORAMA_SECOND_ACCOUNT_REGION,
      jobId: PANORAMA_SECOND_ACCOUNT_JOB_IDS.shared,
    },
    example: {
      region: PANORAMA_SECOND_ACCOUNT_REGION,
      jobId: PANORAMA_SECOND_ACCOUNT_JOB_IDS.succeeded,
    },
  },
} as const satisfies EmulatorDescriptor<'panorama', typeof data, { region: string; jobId: string }>;
