import type { PanoramaPackageImportJobRecord } from '../../../src/datasources/panorama/record.ts';

/** The example job's record as the emulator serves it (the golden full response adds one tag set). */
export const EXAMPLE_RECORD: PanoramaPackageImportJobRecord = {
  id: 'panorama:us-east-1:pkgimport-5f3a9c1e7b2d4086',
  provider: 'AWS_PANORAMA',
  nativeId: 'pkgimport-5f3a9c1e7b2d4086',
  region: 'us-east-1',
  state: 'SUCCEEDED',
  providerStatus: 'SUCCEEDED',
  statusMessage: 'Package version 2.0 of people_counter was imported.',
  terminal: true,
  createdAt: '2024-07-01T09:26:43.456Z',
  updatedAt: '2024-07-01T09:29:47.120Z',
  completedAt: '2024-07-01T09:29:47.120Z',
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
  clientToken: 'people-counter-2-0-import-7f1c',
  jobType: 'NODE_PACKAGE_VERSION',
  createdTime: '2024-07-01T09:26:43.456Z',
  lastUpdatedTime: '2024-07-01T09:29:47.120Z',
  status: 'SUCCEEDED',
  inputConfig: {
    packageVersionInputConfig: {
      s3Location: {
        bucketName: 'panorama-demo-packages-111122223333',
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
      bucketName: 'panorama-packages-us-east-1-111122223333',
      objectKey: '111122223333/nodePackage/people_counter/2.0/descriptor.json',
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
};

/** The pending Marketplace job's record as the emulator serves it (the golden one-element-lists response adds a tag). */
export const PENDING_RECORD: PanoramaPackageImportJobRecord = {
  id: 'panorama:us-east-1:pkgimport-8c2e6a0d4f1b3957',
  provider: 'AWS_PANORAMA',
  nativeId: 'pkgimport-8c2e6a0d4f1b3957',
  region: 'us-east-1',
  state: 'QUEUED',
  providerStatus: 'PENDING',
  statusMessage: 'Import job is pending.',
  terminal: false,
  createdAt: '2024-07-03T10:00:12.007Z',
  updatedAt: '2024-07-03T10:00:12.007Z',
  completedAt: null,
  jobId: 'pkgimport-8c2e6a0d4f1b3957',
  clientToken: null,
  jobType: 'MARKETPLACE_NODE_PACKAGE_VERSION',
  createdTime: '2024-07-03T10:00:12.007Z',
  lastUpdatedTime: '2024-07-03T10:00:12.007Z',
  status: 'PENDING',
  inputConfig: {
    packageVersionInputConfig: {
      s3Location: {
        bucketName: 'panorama-demo-packages-111122223333',
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
};
