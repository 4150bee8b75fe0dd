import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../../src/datasources/codepipeline/parse.ts';
import { CODEPIPELINE_STATE_MAP } from '../../../src/datasources/codepipeline/record.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { CODEPIPELINE_TEST_KEY as key } from '../../support/keys.ts';

describe('CodePipeline parse', () => {
  it('has an empty state table because GetJobDetails carries no status', () => {
    expect(CODEPIPELINE_STATE_MAP).toEqual({});
  });

  it('takes the native ID from the key when the response omits jobDetails.id', () => {
    const record = parse(key, { jobDetails: { accountId: '123456789012' } });
    expect(record.nativeId).toBe(key.jobId);
    expect(record.id).toBe(`codepipeline:us-east-1:${key.jobId}`);
    expect(record.actionTypeId).toBeNull();
  });

  it('rejects a null artifact naming its position', () => {
    expect(() =>
      parse(key, { jobDetails: { id: key.jobId, data: { inputArtifacts: [null] } } }),
    ).toThrow(new MalformedBodyError('inputArtifacts[0] is null'));
  });

  it('names only the field, never the value, when a credential has the wrong type', () => {
    const run = () =>
      parse(key, {
        jobDetails: {
          id: key.jobId,
          data: {
            artifactCredentials: { accessKeyId: 'ASIAJOBGRAPHTEST0001', secretAccessKey: 42 },
          },
        },
      });
    expect(run).toThrow(
      new MalformedBodyError('artifactCredentials.secretAccessKey is not a string'),
    );
  });

  it('either returns a record or throws MalformedBodyError for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (jobDetails, data) => {
        for (const output of [
          jobDetails,
          { jobDetails },
          { jobDetails: { id: key.jobId, data } },
        ]) {
          try {
            const record = parse(key, output);
            expect(record.state).toBe('UNKNOWN');
            expect(record.terminal).toBe(false);
          } catch (err) {
            expect(err).toBeInstanceOf(MalformedBodyError);
          }
        }
      }),
      { seed: 20150709, numRuns: 300 },
    );
  });
});
