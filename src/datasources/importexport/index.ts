import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { importExportWire } from './client.ts';
import { IMPORTEXPORT_KEY } from './key.ts';
import type { ImportExportJobRecord } from './record.ts';

/** AWS Import/Export jobs (GetStatus), a global service. */
export const importExport: Provider<'AWS_IMPORT_EXPORT', ImportExportJobRecord, AwsSourceOptions> =
  {
    name: 'AWS_IMPORT_EXPORT',
    typeName: 'ImportExportJob',
    key: IMPORTEXPORT_KEY,
    setup: awsSetup((config) => config.endpoints.importexport),
    wire: importExportWire,
  };
