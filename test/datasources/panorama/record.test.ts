import type { PanoramaKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/panorama/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { describeRecordContract } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('panorama');
const key: PanoramaKey = {
  provider: 'AWS_PANORAMA',
  region: 'us-east-1',
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
};

describeRecordContract('Panorama', 'PanoramaPackageImportJob', (name) =>
  parse(key, JSON.parse(loadFixture(name).body) as unknown),
);
