import { parseGlobalId, type PanoramaKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/panorama/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { describeRecordContract } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('panorama');
const key = parseGlobalId('panorama:us-east-1:pkgimport-5f3a9c1e7b2d4086') as PanoramaKey;

describeRecordContract('Panorama', 'PanoramaPackageImportJob', (name) =>
  parse(key, JSON.parse(loadFixture(name).body) as unknown),
);
