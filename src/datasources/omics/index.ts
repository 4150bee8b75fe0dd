import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { omicsWire } from './client.ts';
import { OMICS_KEY } from './key.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/** AWS HealthOmics reference import jobs (GetReferenceImportJob). */
export const omics: Provider<'AWS_OMICS', OmicsReferenceImportJobRecord, AwsSourceOptions> = {
  name: 'AWS_OMICS',
  typeName: 'OmicsReferenceImportJob',
  key: OMICS_KEY,
  setup: awsSetup((config) => config.endpoints.omics),
  wire: omicsWire,
};
