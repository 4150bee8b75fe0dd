import type { PanoramaPackageImportJobRecord } from '../../../src/datasources/panorama/record.ts';

type Identity =
  'id' | 'provider' | 'nativeId' | 'name' | 'region' | 'jobId' | 'createdTime' | 'lastUpdatedTime';

/**
 * The record of us-east-1 job `jobId`: its identity from the ID, its createdTime and
 * lastUpdatedTime the record's createdAt and updatedAt, the rest as `fields` give.
 */
export function panoramaRecord(
  jobId: string,
  fields: Omit<PanoramaPackageImportJobRecord, Identity>,
): PanoramaPackageImportJobRecord {
  return {
    id: `panorama:us-east-1:${jobId}`,
    provider: 'AWS_PANORAMA',
    nativeId: jobId,
    // Panorama names the package, not the job.
    name: null,
    region: 'us-east-1',
    ...fields,
    jobId,
    createdTime: fields.createdAt,
    lastUpdatedTime: fields.updatedAt,
  };
}

/** The example job's record as the emulator serves it (the golden full response adds one tag set). */
export const EXAMPLE_RECORD = panoramaRecord('pkgimport-5f3a9c1e7b2d4086', {
  state: 'SUCCEEDED',
  providerStatus: 'SUCCEEDED',
  statusMessage: 'Package version 2.0 of people_counter was imported.',
  terminal: true,
  createdAt: '2024-07-01T09:26:43.456Z',
  updatedAt: '2024-07-01T09:29:47.120Z',
  completedAt: '2024-07-01T09:29:47.120Z',
  clientToken: 'people-counter-2-0-import-7f1c',
  jobType: 'NODE_PACKAGE_VERSION',
  status: 'SUCCEEDED',
  inputConfig: {
    packageVersionInputConfig: {
      s3Location: {
        bucketName: 'panorama-demo-packages-123456789012',
        objectKey: 'descriptors/people_counter/2.0/package_import_descriptor.json',
        region: 'us-west-2',
      },
    },
  },
  outputConfig: {
    packageVersionOutputConfig: {
      markLatest: false,
      packageName: 'people_counter',
      packageVersion: '2.0',
    },
  },
  output: {
    outputS3Location: {
      bucketName: 'panorama-packages-us-east-1-123456789012',
      objectKey: '123456789012/nodePackage/people_counter/2.0/descriptor.json',
    },
    packageId: 'package-4q2wfbkc7xpzmv3ngh6jdtr5ya',
    packageVersion: '2.0',
    patchVersion: '7d1e3f5a7b9c0d2e4f6a8b0c1d3e5f7e2a7b9c14d0f3385a6b1c7d9e0f2a4b6c',
  },
  jobTags: [
    {
      resourceType: 'PACKAGE',
      tags: [
        { key: 'team', value: 'retail-vision' },
        { key: 'cost-center', value: 'cc-4410' },
        { key: 'reviewed', value: '' },
      ],
    },
  ],
});

/** The pending Marketplace job's record as the emulator serves it (the golden one-element-lists response adds a tag). */
export const PENDING_RECORD = panoramaRecord('pkgimport-8c2e6a0d4f1b3957', {
  state: 'QUEUED',
  providerStatus: 'PENDING',
  statusMessage: 'Import job is pending.',
  terminal: false,
  createdAt: '2024-07-03T10:00:12.007Z',
  updatedAt: '2024-07-03T10:00:12.007Z',
  completedAt: null,
  clientToken: null,
  jobType: 'MARKETPLACE_NODE_PACKAGE_VERSION',
  status: 'PENDING',
  inputConfig: {
    packageVersionInputConfig: {
      s3Location: {
        bucketName: 'panorama-demo-packages-123456789012',
        objectKey: 'marketplace/shelf_monitor/1.3/package_import_descriptor.json',
        region: null,
      },
    },
  },
  outputConfig: {
    packageVersionOutputConfig: {
      markLatest: true,
      packageName: 'shelf_monitor',
      packageVersion: '1.3',
    },
  },
  output: null,
  jobTags: [],
});

/** The minimal Marketplace job's record, the same from the golden minimal response and the emulator. */
export const MINIMAL_RECORD = panoramaRecord('pkgimport-2a4c6e8f0b1d3579', {
  state: 'SUCCEEDED',
  providerStatus: 'SUCCEEDED',
  statusMessage: '',
  terminal: true,
  createdAt: '2024-06-01T12:00:00.000Z',
  updatedAt: '2024-06-01T12:01:00.000Z',
  completedAt: '2024-06-01T12:01:00.000Z',
  clientToken: null,
  jobType: 'MARKETPLACE_NODE_PACKAGE_VERSION',
  status: 'SUCCEEDED',
  inputConfig: { packageVersionInputConfig: null },
  outputConfig: { packageVersionOutputConfig: null },
  output: {
    outputS3Location: {
      bucketName: 'panorama-packages-us-east-1-123456789012',
      objectKey: '123456789012/nodePackage/queue_length/1.0/descriptor.json',
    },
    packageId: 'package-m3x8c2v7n5b1z6k4j9h0g2f5d8',
    packageVersion: '1.0',
    patchVersion: 'a9c1e3f5b7d9',
  },
  jobTags: [],
});

/** The failed job's record as the emulator serves it. */
export const FAILED_RECORD = panoramaRecord('pkgimport-b71d3f5a9e0c2864', {
  state: 'FAILED',
  providerStatus: 'FAILED',
  statusMessage: 'Package version 1.1 of object_detector already exists and cannot be overwritten.',
  terminal: true,
  createdAt: '2024-07-02T09:25:45.678Z',
  updatedAt: '2024-07-02T09:26:41.000Z',
  completedAt: '2024-07-02T09:26:41.000Z',
  clientToken: 'object-detector-1-1-retry-2',
  jobType: 'NODE_PACKAGE_VERSION',
  status: 'FAILED',
  inputConfig: {
    packageVersionInputConfig: {
      s3Location: {
        bucketName: 'panorama-demo-packages-123456789012',
        objectKey: 'descriptors/object_detector/1.1/package_import_descriptor.json',
        region: null,
      },
    },
  },
  outputConfig: {
    packageVersionOutputConfig: {
      markLatest: null,
      packageName: 'object_detector',
      packageVersion: '1.1',
    },
  },
  output: null,
  jobTags: [{ resourceType: 'PACKAGE', tags: [{ key: 'team', value: 'retail-vision' }] }],
});
