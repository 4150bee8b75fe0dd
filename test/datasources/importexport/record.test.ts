import { describe, expect, it } from 'vitest';
import type { ImportExportKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/importexport/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { expectRecordMatchesType, fieldsOf } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('importexport');
const key: ImportExportKey = { provider: 'AWS_IMPORT_EXPORT', jobId: 'ABCDE' };
const record = (name: string) => parse(key, loadFixture(name).body);

describe('ImportExport record', () => {
  it('has every Job interface field on ImportExportJob', () => {
    for (const field of fieldsOf('Job')) expect(fieldsOf('ImportExportJob')).toContain(field);
  });

  it('names every field, nested ones too, exactly as the GraphQL types do, so default resolvers work', () => {
    expectRecordMatchesType(record('success-full'), 'ImportExportJob');
    expectRecordMatchesType(record('one-element-lists'), 'ImportExportJob');
  });
});
