import { DEMO_AWS_ACCOUNT_ID } from '../accounts.ts';
import {
  fastHexHash,
  hexHash,
  listedSlots,
  unitHash,
  type BigAccountSpec,
  type ListedSlot,
  type ListPlace,
  type StatusMix,
} from '../listing.ts';
import { packageOutput, PANORAMA_DEMO_REGION, type PanoramaDemoJob } from './data.ts';

/**
 * The package import jobs ListPackageImportJobs shows in the demo region: generated, with
 * fixed IDs, over the 90 days before the emulator started (`anchorMs`), so the demo always
 * has a recent history. Every one is a full DescribePackageImportJob body too, so the
 * describe route answers for each listed job with the same Status and times. The fixed demo
 * jobs of data.ts (dated 2024) are describe fixtures and are not listed.
 */

/** How many listed jobs have each Status (the service's three). PENDING ones are the newest. */
export const PANORAMA_LIST_STATUS_COUNTS = Object.freeze({ PENDING: 4, FAILED: 12, SUCCEEDED: 48 });

/** How many jobs the list shows besides the progressing job. */
export const PANORAMA_LIST_JOB_COUNT = Object.values(PANORAMA_LIST_STATUS_COUNTS).reduce(
  (a, b) => a + b,
  0,
);

const ACCOUNT = DEMO_AWS_ACCOUNT_ID;
const PACKAGES = [
  'people_counter',
  'shelf_monitor',
  'queue_length',
  'object_detector',
  'mask_detector',
  'ppe_checker',
  'forklift_tracker',
  'dwell_time',
];

/** The JobId of listed job `index` (0 = newest): `pkgimport-` and 16 hex digits, the same on every run. */
function panoramaListedJobId(index: number): string {
  return `pkgimport-${hexHash(`panorama-listed-${index}`, 16)}`;
}

/** Every listed job (without the progressing one), newest first, for an emulator started at `anchorMs`. */
export function panoramaListedJobs(anchorMs: number): PanoramaDemoJob[] {
  const { PENDING, FAILED, SUCCEEDED } = PANORAMA_LIST_STATUS_COUNTS;
  return listedSlots({
    anchorMs,
    count: PANORAMA_LIST_JOB_COUNT,
    seed: 'panorama',
    recent: [['PENDING', PENDING]],
    settled: [
      ['FAILED', FAILED],
      ['SUCCEEDED', SUCCEEDED],
    ],
  }).map(({ createdMs, status }, index) =>
    listedJob({ id: panoramaListedJobId(index), index, createdMs, status }, PANORAMA_DEMO_REGION),
  );
}

/**
 * A big account's Status mix (weights): a few PENDING imports, the newest; about one in six
 * of the rest FAILED.
 */
export const PANORAMA_BIG_STATUS_MIX: StatusMix = {
  recent: [['PENDING', 1]],
  settled: [
    ['FAILED', 16],
    ['SUCCEEDED', 83],
  ],
};

/** The JobId of big-account job `index` (0 = newest) of `region`: `pkgimport-` and 16 hex digits. */
function panoramaBigJobId(region: string, index: number): string {
  return `pkgimport-${fastHexHash(`panorama-big/${region}/${index}`, 16)}`;
}

/**
 * A big account's package import jobs in a region (`jobsPerSource`), each a full
 * DescribePackageImportJob body built when asked.
 */
export const PANORAMA_BIG_ACCOUNT: BigAccountSpec<PanoramaDemoJob> = {
  seed: 'panorama-big',
  mix: PANORAMA_BIG_STATUS_MIX,
  id: panoramaBigJobId,
  build: listedJob,
};

function listedJob(slot: ListedSlot, region: string): PanoramaDemoJob {
  const { id: jobId, index, createdMs, status } = slot;
  const pkg = PACKAGES[index % PACKAGES.length] as string;
  const version = `${1 + (index % 3)}.${index % 10}`;
  const marketplace = index % 4 === 3;
  const took = Math.round(
    (status === 'FAILED' ? 20 : 60) * 1000 + unitHash(`panorama-took-${index}`) * 300_000,
  );
  const updatedMs = status === 'PENDING' ? createdMs : createdMs + took;
  const seconds = (ms: number) => ms / 1000;
  return {
    description: `Listed ${status} ${marketplace ? 'marketplace ' : ''}package import of ${pkg} ${version}`,
    // Every seventh job writes its times as a Coral service may: 1.719826003456E9.
    timestampStyle: index % 7 === 5 ? 'scientific' : 'decimal',
    wire: {
      ...(index % 3 === 0
        ? { ClientToken: `${pkg.replace(/_/g, '-')}-${version.replace('.', '-')}-${index}` }
        : {}),
      CreatedTime: seconds(createdMs),
      InputConfig: {
        PackageVersionInputConfig: {
          S3Location: {
            BucketName: `panorama-demo-packages-${ACCOUNT}`,
            ObjectKey: `${marketplace ? 'marketplace' : 'descriptors'}/${pkg}/${version}/package_import_descriptor.json`,
          },
        },
      },
      JobId: jobId,
      ...(index % 5 === 0
        ? {
            JobTags: [
              {
                ResourceType: 'PACKAGE',
                Tags: { team: index % 2 === 0 ? 'retail-vision' : 'warehouse-safety' },
              },
            ],
          }
        : {}),
      JobType: marketplace ? 'MARKETPLACE_NODE_PACKAGE_VERSION' : 'NODE_PACKAGE_VERSION',
      LastUpdatedTime: seconds(updatedMs),
      ...(status === 'SUCCEEDED'
        ? {
            Output: packageOutput({
              account: ACCOUNT,
              region,
              pkg,
              version,
              packageId: `package-${hexHash(`panorama-package-${pkg}`, 26)}`,
              patchVersion: hexHash(`panorama-patch-${index}`, 64),
            }),
          }
        : {}),
      OutputConfig: {
        PackageVersionOutputConfig: {
          MarkLatest: index % 2 === 0,
          PackageName: pkg,
          PackageVersion: version,
        },
      },
      Status: status,
      StatusMessage:
        status === 'SUCCEEDED'
          ? `Package version ${version} of ${pkg} was imported.`
          : status === 'FAILED'
            ? `Package version ${version} of ${pkg} already exists and cannot be overwritten.`
            : 'Import job is pending.',
    },
  };
}

/** Where a Panorama job stands in a list: CreatedTime (epoch seconds) in ms, JobId, Status. */
export function panoramaListPlace(job: PanoramaDemoJob): ListPlace {
  return {
    createdMs: Math.round((job.wire.CreatedTime as number) * 1000),
    id: job.wire.JobId as string,
    status: job.wire.Status as string,
  };
}
