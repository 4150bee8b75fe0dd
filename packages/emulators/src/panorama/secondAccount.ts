import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
import { packageOutput, PANORAMA_DEMO_REGION, type PanoramaDemoJob } from './data.ts';

/**
 * The second demo account's (staging's) package import jobs, all in the demo region and all
 * listed, created hours to weeks before the emulator started (`anchorMs`). One has the JobId of
 * the default account's example job, with another status and package, so a client can show
 * that the same native ID in two accounts names two jobs.
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;

/** The second account's job IDs by what they show. */
export const PANORAMA_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's JobId (SUCCEEDED there): FAILED here, another package. */
  shared: 'pkgimport-5f3a9c1e7b2d4086',
  succeeded: 'pkgimport-57a9e00000000001',
  pending: 'pkgimport-57a9e00000000002',
  failed: 'pkgimport-57a9e00000000003',
  marketplace: 'pkgimport-57a9e00000000004',
});

type Row = SecondAccountRow<
  keyof typeof PANORAMA_SECOND_ACCOUNT_JOB_IDS,
  { status: 'PENDING' | 'SUCCEEDED' | 'FAILED'; pkg: string; message: string; type?: string }
>;

// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'pending', age: '2h', status: 'PENDING', pkg: 'staging_shelf_monitor', message: 'Import job is pending.' },
  { job: 'shared', age: '1d', status: 'FAILED', pkg: 'staging_people_counter', message: 'staging: the package descriptor of staging_people_counter 1.0 does not validate.' },
  { job: 'succeeded', age: '3d', status: 'SUCCEEDED', pkg: 'staging_queue_length', message: 'Package version 1.0 of staging_queue_length was imported.' },
  { job: 'failed', age: '9d', status: 'FAILED', pkg: 'staging_object_detector', message: 'staging: package version 1.0 of staging_object_detector already exists.' },
  { job: 'marketplace', age: '30d', status: 'SUCCEEDED', pkg: 'staging_dwell_time', message: 'Package version 1.0 of staging_dwell_time was imported.', type: 'MARKETPLACE_NODE_PACKAGE_VERSION' },
];

/** One row on the wire. */
function template(row: Row, { jobId, createdMs }: SecondAccountSlot): PanoramaDemoJob {
  const { status, pkg } = row;
  const created = Math.round(createdMs) / 1000;
  const version = '1.0';
  return {
    description: `staging account: ${status} import of ${pkg}`,
    timestampStyle: 'decimal',
    wire: {
      CreatedTime: created,
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-staging-packages-${ACCOUNT}`,
            ObjectKey: `descriptors/${pkg}/${version}/package_import_descriptor.json`,
          },
        },
      },
      JobId: jobId,
      JobTags: [{ ResourceType: 'PACKAGE', Tags: { environment: 'staging' } }],
      JobType: row.type ?? 'NODE_PACKAGE_VERSION',
      LastUpdatedTime: status === 'PENDING' ? created : created + 95.5,
      ...(status === 'SUCCEEDED'
        ? {
            Output: packageOutput({
              account: ACCOUNT,
              region: PANORAMA_DEMO_REGION,
              pkg,
              version,
              packageId: `package-staging${jobId.slice(-12)}`,
              patchVersion: `57a9e${jobId.slice(-12)}`,
            }),
          }
        : {}),
      OutputConfig: { PackageVersionOutputConfig: { PackageName: pkg, PackageVersion: version } },
      Status: status,
      StatusMessage: row.message,
    },
  };
}

/** The second account's jobs (region PANORAMA_DEMO_REGION), newest first, for an emulator started at `anchorMs`. */
export function panoramaSecondAccountJobs(anchorMs: number): PanoramaDemoJob[] {
  return secondAccountJobs(
    { ids: PANORAMA_SECOND_ACCOUNT_JOB_IDS, rows: ROWS },
    anchorMs,
    template,
  );
}

/** The region the second account's jobs live in. */
export const PANORAMA_SECOND_ACCOUNT_REGION = PANORAMA_DEMO_REGION;
