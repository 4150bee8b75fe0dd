import { CANCEL_ACTION, IMPORTEXPORT_ACTIONS } from './actions.ts';
import { awsSetup } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { importExportWire } from './client.ts';
import { IMPORTEXPORT_KEY } from './key.ts';
import { IMPORTEXPORT_LISTING } from './listing.ts';
import type { ImportExportJobRecord } from './record.ts';
import { importExportFailure } from './failureRules.ts';
import { importExportFacts } from './facts.ts';

/**
 * AWS Import/Export jobs (GetStatus), a global service, listed newest first. Not watched through
 * its list: ListJobs carries no status.
 */
export const importExport: Provider<'AWS_IMPORT_EXPORT', ImportExportJobRecord, AwsSourceOptions> =
  {
    name: 'AWS_IMPORT_EXPORT',
    key: IMPORTEXPORT_KEY,
    rootField: { name: 'importExportJob' },
    rpcSystem: 'aws-api',
    permissions: ['importexport:GetStatus', 'importexport:ListJobs', 'importexport:CancelJob'],
    // The device's location and the error count.
    progress: { fields: ['locationCode', 'locationMessage', 'errorCount'] },
    failure: importExportFailure,
    facts: importExportFacts,
    // The Sandbox dashboard shows its progress, location and carrier.
    dashboardFields:
      'jobType progressCode progressMessage locationCode locationMessage carrier trackingNumber errorCount',
    // Its cancel is added here: actions.ts reads client.ts' constants.
    setup: awsSetup(
      (config) => config.endpoints.importexport,
      (options) => ({
        ...importExportWire(options),
        actions: { cancel: CANCEL_ACTION },
      }),
    ),
    list: IMPORTEXPORT_LISTING,
    actions: IMPORTEXPORT_ACTIONS,
  };
