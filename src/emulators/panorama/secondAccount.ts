import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { PANORAMA_DEMO_REGION, type PanoramaDemoJob } from './data.ts';

/**
 * The second demo account's (staging's) package import jobs, all in the demo region and all
 * listed, created hours to weeks before the emulator started (`anchorMs`). One has the JobId of
 * the default account's example job, with another status and package, so a client can show
 * that the same native ID in two accounts names two jobs.
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The second account's job IDs by what they show. */
export const PANORAMA_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's JobId (SUCCEEDED there): FAILED here, another package. */
  shared: 'pkgimport-5f3a9c1e7b2d4086',
  succeeded: 'pkgimport-57a9e00000000001',
  pending: 'pkgimport-57a9e00000000002',
  failed: 'pkgimport-57a9e00000000003',
  marketplace: 'pkgimport-57a9e00000000004',
});

const J = PANORAMA_SECOND_ACCOUNT_JOB_IDS;

function stagingJob(
  anchorMs: number,
  jobId: string,
  ageMs: number,
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED',
  packageName: string,
  statusMessage: string,
  jobType = 'NODE_PACKAGE_VERSION',
): PanoramaDemoJob {
  const created = Math.round(anchorMs - ageMs) / 1000;
  const version = '1.0';
  return {
    description: `staging account: ${status} import of ${packageName}`,
    timestampStyle: 'decimal',
    wire: {
      CreatedTime: created,
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-staging-packages-${ACCOUNT}`,
            ObjectKey: `descriptors/${packageName}/${version}/package_import_descriptor.json`,
          },
        },
      },
      JobId: jobId,
      JobTags: [{ ResourceType: 'PACKAGE', Tags: { environment: 'staging' } }],
      JobType: jobType,
      LastUpdatedTime: status === 'PENDING' ? created : created + 95.5,
      ...(status === 'SUCCEEDED'
        ? {
            Output: {
              OutputS3Location: {
                BucketName: `panorama-packages-us-east-1-${ACCOUNT}`,
                ObjectKey: `${ACCOUNT}/nodePackage/${packageName}/${version}/descriptor.json`,
              },
              PackageId: `package-staging${jobId.slice(-12)}`,
              PackageVersion: version,
              PatchVersion: `57a9e${jobId.slice(-12)}`,
            },
          }
        : {}),
      OutputConfig: {
        PackageVersionOutputConfig: { PackageName: packageName, PackageVersion: version },
      },
      Status: status,
      StatusMessage: statusMessage,
    },
  };
}

/** The second account's jobs (region PANORAMA_DEMO_REGION), newest first, for an emulator started at `anchorMs`. */
export function panoramaSecondAccountJobs(anchorMs: number): PanoramaDemoJob[] {
  return [
    stagingJob(
      anchorMs,
      J.pending,
      2 * HOUR,
      'PENDING',
      'staging_shelf_monitor',
      'Import job is pending.',
    ),
    stagingJob(
      anchorMs,
      J.shared,
      1 * DAY,
      'FAILED',
      'staging_people_counter',
      'staging: the package descriptor of staging_people_counter 1.0 does not validate.',
    ),
    stagingJob(
      anchorMs,
      J.succeeded,
      3 * DAY,
      'SUCCEEDED',
      'staging_queue_length',
      'Package version 1.0 of staging_queue_length was imported.',
    ),
    stagingJob(
      anchorMs,
      J.failed,
      9 * DAY,
      'FAILED',
      'staging_object_detector',
      'staging: package version 1.0 of staging_object_detector already exists.',
    ),
    stagingJob(
      anchorMs,
      J.marketplace,
      30 * DAY,
      'SUCCEEDED',
      'staging_dwell_time',
      'Package version 1.0 of staging_dwell_time was imported.',
      'MARKETPLACE_NODE_PACKAGE_VERSION',
    ),
  ];
}

/** The region the second account's jobs live in. */
export const PANORAMA_SECOND_ACCOUNT_REGION = PANORAMA_DEMO_REGION;
