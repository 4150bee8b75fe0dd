import { DEMO_AWS_ACCOUNT_ID } from '../accounts.ts';
import { demoMover } from '../demoDates.ts';
/**
 * Demo data for the Panorama emulator: package import jobs as the service stores them, in
 * wire form (PascalCase members, epoch-second timestamps). Every status (PENDING, SUCCEEDED,
 * FAILED), both job types, every optional member on one job, a job with only the members the
 * model marks required, and job IDs that always answer an error.
 */

/** Region the demo jobs live in; a request signed for another region finds no job. */
export const PANORAMA_DEMO_REGION = 'us-east-1';

/** One stored job. */
export interface PanoramaDemoJob {
  /** What the job demonstrates. */
  description: string;
  /**
   * How the emulator writes this job's timestamps: `decimal` (`1719826003.456`) or `scientific`
   * (`1.719826003456E9`, Java `Double.toString` style, as a Coral/Jackson service may).
   */
  timestampStyle: 'decimal' | 'scientific';
  /** The DescribePackageImportJob response body, as a JSON object. */
  wire: Record<string, unknown>;
}

const ACCOUNT = DEMO_AWS_ACCOUNT_ID;

/** The package version a SUCCEEDED import made (see `packageOutput`). */
export interface ImportedPackage {
  account: string;
  region: string;
  /** The package's name and version (`people_counter`, `2.0`). */
  pkg: string;
  version: string;
  packageId: string;
  patchVersion: string;
}

/**
 * A SUCCEEDED import's `Output`: the package version's descriptor where Panorama stores it, in the
 * account's `panorama-packages-{region}-{account}` bucket under `{account}/nodePackage/`.
 */
export function packageOutput(p: ImportedPackage): Record<string, unknown> {
  return {
    OutputS3Location: {
      BucketName: `panorama-packages-${p.region}-${p.account}`,
      ObjectKey: `${p.account}/nodePackage/${p.pkg}/${p.version}/descriptor.json`,
    },
    PackageId: p.packageId,
    PackageVersion: p.version,
    PatchVersion: p.patchVersion,
  };
}

/**
 * The demo jobs by JobId, dated as of PANORAMA_DEMO_JOBS_REFERENCE_MS; the emulator serves
 * `panoramaDemoJobsAt(anchorMs)`, the same jobs moved to its start.
 */
export const PANORAMA_DEMO_JOBS: Readonly<Record<string, PanoramaDemoJob>> = Object.freeze({
  'pkgimport-5f3a9c1e7b2d4086': {
    description:
      'SUCCEEDED node package import with every optional member: ClientToken, S3 Region, MarkLatest false, JobTags with an empty tag value',
    timestampStyle: 'decimal',
    wire: {
      ClientToken: 'people-counter-2-0-import-7f1c',
      CreatedTime: 1719826003.456,
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-demo-packages-${ACCOUNT}`,
            ObjectKey: 'descriptors/people_counter/2.0/package_import_descriptor.json',
            Region: 'us-west-2',
          },
        },
      },
      JobId: 'pkgimport-5f3a9c1e7b2d4086',
      JobTags: [
        {
          ResourceType: 'PACKAGE',
          Tags: { team: 'retail-vision', 'cost-center': 'cc-4410', reviewed: '' },
        },
      ],
      JobType: 'NODE_PACKAGE_VERSION',
      LastUpdatedTime: 1719826187.12,
      Output: packageOutput({
        account: ACCOUNT,
        region: PANORAMA_DEMO_REGION,
        pkg: 'people_counter',
        version: '2.0',
        packageId: 'package-4q2wfbkc7xpzmv3ngh6jdtr5ya',
        patchVersion: '7d1e3f5a7b9c0d2e4f6a8b0c1d3e5f7e2a7b9c14d0f3385a6b1c7d9e0f2a4b6c',
      }),
      OutputConfig: {
        PackageVersionOutputConfig: {
          MarkLatest: false,
          PackageName: 'people_counter',
          PackageVersion: '2.0',
        },
      },
      Status: 'SUCCEEDED',
      StatusMessage: 'Package version 2.0 of people_counter was imported.',
    },
  },
  'pkgimport-8c2e6a0d4f1b3957': {
    description: 'PENDING marketplace package import: no Output yet, MarkLatest true, no tags',
    timestampStyle: 'decimal',
    wire: {
      CreatedTime: 1720000812.007,
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-demo-packages-${ACCOUNT}`,
            ObjectKey: 'marketplace/shelf_monitor/1.3/package_import_descriptor.json',
          },
        },
      },
      JobId: 'pkgimport-8c2e6a0d4f1b3957',
      JobType: 'MARKETPLACE_NODE_PACKAGE_VERSION',
      LastUpdatedTime: 1720000812.007,
      OutputConfig: {
        PackageVersionOutputConfig: {
          MarkLatest: true,
          PackageName: 'shelf_monitor',
          PackageVersion: '1.3',
        },
      },
      Status: 'PENDING',
      StatusMessage: 'Import job is pending.',
    },
  },
  'pkgimport-b71d3f5a9e0c2864': {
    description:
      'FAILED node package import, timestamps in scientific notation, one tag set with one tag',
    timestampStyle: 'scientific',
    wire: {
      ClientToken: 'object-detector-1-1-retry-2',
      CreatedTime: 1719912345.678,
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-demo-packages-${ACCOUNT}`,
            ObjectKey: 'descriptors/object_detector/1.1/package_import_descriptor.json',
          },
        },
      },
      JobId: 'pkgimport-b71d3f5a9e0c2864',
      JobTags: [{ ResourceType: 'PACKAGE', Tags: { team: 'retail-vision' } }],
      JobType: 'NODE_PACKAGE_VERSION',
      LastUpdatedTime: 1719912401,
      OutputConfig: {
        PackageVersionOutputConfig: { PackageName: 'object_detector', PackageVersion: '1.1' },
      },
      Status: 'FAILED',
      StatusMessage:
        'Package version 1.1 of object_detector already exists and cannot be overwritten.',
    },
  },
  'pkgimport-2a4c6e8f0b1d3579': {
    description:
      'Minimal SUCCEEDED marketplace import: only the members the model marks required, empty StatusMessage',
    timestampStyle: 'decimal',
    wire: {
      CreatedTime: 1717243200,
      InputConfig: {},
      JobId: 'pkgimport-2a4c6e8f0b1d3579',
      JobType: 'MARKETPLACE_NODE_PACKAGE_VERSION',
      LastUpdatedTime: 1717243260,
      Output: packageOutput({
        account: ACCOUNT,
        region: PANORAMA_DEMO_REGION,
        pkg: 'queue_length',
        version: '1.0',
        packageId: 'package-m3x8c2v7n5b1z6k4j9h0g2f5d8',
        patchVersion: 'a9c1e3f5b7d9',
      }),
      OutputConfig: {},
      Status: 'SUCCEEDED',
      StatusMessage: '',
    },
  },
});

/** The instant PANORAMA_DEMO_JOBS are dated against: a day after the newest update. */
export const PANORAMA_DEMO_JOBS_REFERENCE_MS = Date.parse('2024-07-04T10:00:12Z');

/**
 * A demo job as an emulator started at `anchorMs` answers it: each time (epoch seconds) as long
 * before that start as it lies before PANORAMA_DEMO_JOBS_REFERENCE_MS. A copy made at each
 * answer, so a test that moves a PANORAMA_DEMO_JOBS entry by hand is answered its move.
 */
export function panoramaDemoJobAt(job: PanoramaDemoJob, anchorMs: number): PanoramaDemoJob {
  const move = demoMover(PANORAMA_DEMO_JOBS_REFERENCE_MS, anchorMs);
  const seconds = (value: unknown) =>
    typeof value === 'number' ? move(Math.round(value * 1000)) / 1000 : value;
  return {
    ...job,
    wire: {
      ...job.wire,
      CreatedTime: seconds(job.wire['CreatedTime']),
      LastUpdatedTime: seconds(job.wire['LastUpdatedTime']),
    },
  };
}

/** PANORAMA_DEMO_JOBS as an emulator started at `anchorMs` answers them (`panoramaDemoJobAt`). */
export function panoramaDemoJobsAt(anchorMs: number): Record<string, PanoramaDemoJob> {
  return Object.fromEntries(
    Object.entries(PANORAMA_DEMO_JOBS).map(([id, job]) => [id, panoramaDemoJobAt(job, anchorMs)]),
  );
}

/** Job IDs that always answer an error, whatever the region. */
export const PANORAMA_ERROR_JOB_IDS = Object.freeze({
  /** 404 ResourceNotFoundException (any unknown job does too). */
  notFound: 'pkgimport-not-found',
  /** 429 TooManyRequestsException (Panorama models no throttling error; this is the generic AWS answer). */
  throttled: 'pkgimport-throttled',
  /** 500 InternalServerException with `Retry-After`. */
  serverError: 'pkgimport-server-error',
  /** 403 AccessDeniedException (the caller's IAM policy does not allow the action). */
  accessDenied: 'pkgimport-access-denied',
});

const globalId = (jobId: string) => `panorama:${PANORAMA_DEMO_REGION}:${jobId}`;

/** A nice, complete, succeeded job. */
export const EXAMPLE_GLOBAL_ID = globalId('pkgimport-5f3a9c1e7b2d4086');

/** Every demo job, as global IDs. */
export const DEMO_GLOBAL_IDS: string[] = Object.keys(PANORAMA_DEMO_JOBS).map(globalId);

/** Global IDs that always answer not-found, throttled and a 5xx. */
export const ERROR_CASE_GLOBAL_IDS: { notFound: string; throttled: string; serverError: string } = {
  notFound: globalId(PANORAMA_ERROR_JOB_IDS.notFound),
  throttled: globalId(PANORAMA_ERROR_JOB_IDS.throttled),
  serverError: globalId(PANORAMA_ERROR_JOB_IDS.serverError),
};

/** A global ID that always answers 403 AccessDeniedException (UPSTREAM_ACCESS_DENIED). */
export const ACCESS_DENIED_GLOBAL_ID = globalId(PANORAMA_ERROR_JOB_IDS.accessDenied);
