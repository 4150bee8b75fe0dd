import type { ImportExportKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/importexport/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { describeRecordContract } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('importexport');
const key: ImportExportKey = { provider: 'AWS_IMPORT_EXPORT', jobId: 'ABCDE' };

describeRecordContract('ImportExport', 'ImportExportJob', (name) =>
  parse(key, loadFixture(name).body),
);
