import { describe, expect, it } from 'vitest';
import type { CodePipelineKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/codepipeline/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { expectRecordMatchesType, fieldsOf } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('codepipeline');
const key: CodePipelineKey = {
  provider: 'AWS_CODEPIPELINE',
  region: 'us-east-1',
  jobId: 'f4f4ff82-2d11-EXAMPLE',
};
const record = (name: string) => parse(key, JSON.parse(loadFixture(name).body) as unknown);

describe('CodePipeline record', () => {
  it('has every Job interface field on CodePipelineJob', () => {
    for (const field of fieldsOf('Job')) expect(fieldsOf('CodePipelineJob')).toContain(field);
  });

  it('names every field, nested ones too, exactly as the GraphQL types do, so default resolvers work', () => {
    expectRecordMatchesType(record('success-full'), 'CodePipelineJob');
    expectRecordMatchesType(record('one-element-lists'), 'CodePipelineJob');
  });
});
