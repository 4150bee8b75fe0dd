import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { panoramaWire } from './client.ts';
import { PANORAMA_KEY } from './key.ts';
import { PANORAMA_LISTING, PANORAMA_WATCH } from './listing.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';
import { panoramaFailure } from './failureRules.ts';
import { panoramaFacts } from './facts.ts';

/** AWS Panorama package import jobs (DescribePackageImportJob). */
export const panorama: Provider<'AWS_PANORAMA', PanoramaPackageImportJobRecord, AwsSourceOptions> =
  {
    name: 'AWS_PANORAMA',
    key: PANORAMA_KEY,
    rootField: { name: 'panoramaPackageImportJob', defaults: { region: (c) => c.awsRegion } },
    rpcSystem: 'aws-api',
    permissions: ['panorama:DescribePackageImportJob', 'panorama:ListPackageImportJobs'],
    // Panorama reports no progress beyond its status.
    progress: { fields: [] },
    failure: panoramaFailure,
    facts: panoramaFacts,
    // The Sandbox dashboard shows its output package.
    dashboardFields: 'output { packageId packageVersion patchVersion }',
    // AWS ended Panorama on 2026-05-31 (its endpoints may stop answering: UPSTREAM_UNAVAILABLE).
    setup: {
      ...awsSetup((config) => config.endpoints.panorama, panoramaWire),
      ended: '2026-05-31',
    },
    list: PANORAMA_LISTING,
    watch: PANORAMA_WATCH,
  };
