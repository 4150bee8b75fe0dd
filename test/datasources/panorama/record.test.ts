import { describe, expect, it } from 'vitest';
import type { PanoramaKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/panorama/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { expectRecordMatchesType, fieldsOf } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('panorama');
const key: PanoramaKey = {
  provider: 'AWS_PANORAMA',
  region: 'us-east-1',
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
};
const record = (name: string) => parse(key, JSON.parse(loadFixture(name).body) as unknown);

describe('Panorama record', () => {
  it('has every Job interface field on PanoramaPackageImportJob', () => {
    for (const field of fieldsOf('Job'))
      expect(fieldsOf('PanoramaPackageImportJob')).toContain(field);
  });

  it('names every field, nested ones too, exactly as the GraphQL types do, so default resolvers work', () => {
    expectRecordMatchesType(record('success-full'), 'PanoramaPackageImportJob');
    expectRecordMatchesType(record('one-element-lists'), 'PanoramaPackageImportJob');
  });
});
