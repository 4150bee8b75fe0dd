import type { OmicsKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/omics/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { describeRecordContract } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('omics');
const key: OmicsKey = {
  provider: 'AWS_OMICS',
  region: 'us-west-2',
  referenceStoreId: '5038720581',
  id: '8110394857',
};

describeRecordContract('Omics', 'OmicsReferenceImportJob', (name) =>
  parse(key, JSON.parse(loadFixture(name).body) as unknown),
);
