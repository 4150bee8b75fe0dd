import type { CodePipelineKey } from '../../../src/model/globalId.ts';
import { parse } from '../../../src/datasources/codepipeline/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { describeRecordContract } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('codepipeline');
const key: CodePipelineKey = {
  provider: 'AWS_CODEPIPELINE',
  region: 'us-east-1',
  jobId: 'f4f4ff82-2d11-EXAMPLE',
};

describeRecordContract('CodePipeline', 'CodePipelineJob', (name) =>
  parse(key, JSON.parse(loadFixture(name).body) as unknown),
);
