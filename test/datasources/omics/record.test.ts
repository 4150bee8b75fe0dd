import { describe, expect, it } from 'vitest';
import type { OmicsKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/omics/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { expectRecordMatchesType, fieldsOf } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('omics');
const key: OmicsKey = {
  provider: 'AWS_OMICS',
  region: 'us-west-2',
  referenceStoreId: '5038720581',
  id: '8110394857',
};
const record = (name: string) => parse(key, JSON.parse(loadFixture(name).body) as unknown);

describe('Omics record', () => {
  it('has every Job interface field on OmicsReferenceImportJob', () => {
    for (const field of fieldsOf('Job'))
      expect(fieldsOf('OmicsReferenceImportJob')).toContain(field);
  });

  it('names every field, nested ones too, exactly as the GraphQL types do, so default resolvers work', () => {
    expectRecordMatchesType(record('success-full'), 'OmicsReferenceImportJob');
    expectRecordMatchesType(record('one-element-lists'), 'OmicsReferenceImportJob');
  });
});
