import { DEMO_AWS_ACCOUNT_ID } from '../accounts.ts';
import { cyclePhases, phaseAt, type CyclePoint } from '../progress.ts';
import { packageOutput, PANORAMA_DEMO_REGION, type PanoramaDemoJob } from './data.ts';

/**
 * The progressing Panorama package import: `PENDING` for 40 s, then `SUCCEEDED` with its
 * `Output` until the cycle ends. The service's Status enum has only PENDING, SUCCEEDED and
 * FAILED (there is no IN_PROGRESS), so a running import reads PENDING until it ends.
 *
 * It starts again in place, under this one ID, each cycle. That is the demo's simplification, not
 * the service's way: each CreatePackageImportJob makes a new JobId, so each run is a new job there too, and its timeline runs SUCCEEDED → PENDING at each cycle's start. The
 * demo gateway never caches it (`IN_PLACE_PROGRESSING_JOB_IDS`, src/app.ts), so every cycle is
 * read; making each run a new job, as batch/progressing.ts and omics/progressing.ts do with
 * `cycleRuns`, is still to do for it (the tests and the console's screenshots lean on its one ID).
 */
export const PANORAMA_PROGRESSING_JOB_ID = 'pkgimport-demo-progressing';

export const PANORAMA_PROGRESS_PHASES = cyclePhases([
  ['PENDING', 40_000],
  ['SUCCEEDED', 60_000],
]);

const ACCOUNT = DEMO_AWS_ACCOUNT_ID;

/** The job at a point of the cycle, in the same shape (and through the same serializer) as the static demo jobs. */
export function panoramaProgressingJob(point: CyclePoint): PanoramaDemoJob {
  const phase = phaseAt(PANORAMA_PROGRESS_PHASES, point.offsetMs);
  const seconds = (ms: number) => (point.cycleStartMs + ms) / 1000;
  const done = phase.providerStatus === 'SUCCEEDED';
  return {
    description:
      'Progressing node package import: PENDING, then SUCCEEDED with its Output, every cycle',
    timestampStyle: 'decimal',
    wire: {
      CreatedTime: seconds(0),
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-demo-packages-${ACCOUNT}`,
            ObjectKey: 'descriptors/line_counter/1.0/package_import_descriptor.json',
          },
        },
      },
      JobId: PANORAMA_PROGRESSING_JOB_ID,
      JobTags: [{ ResourceType: 'PACKAGE', Tags: { demo: 'progressing' } }],
      JobType: 'NODE_PACKAGE_VERSION',
      LastUpdatedTime: seconds(phase.fromMs),
      ...(done
        ? {
            Output: packageOutput({
              account: ACCOUNT,
              region: PANORAMA_DEMO_REGION,
              pkg: 'line_counter',
              version: '1.0',
              packageId: 'package-demoprogressinglinecounter01',
              patchVersion: `c${String(point.cycle >>> 0).padStart(8, '0')}`,
            }),
          }
        : {}),
      OutputConfig: {
        PackageVersionOutputConfig: {
          MarkLatest: true,
          PackageName: 'line_counter',
          PackageVersion: '1.0',
        },
      },
      Status: phase.providerStatus,
      StatusMessage: done
        ? 'Package version 1.0 of line_counter was imported.'
        : 'Import job is pending.',
    },
  };
}
