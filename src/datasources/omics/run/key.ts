import type { KeyGrammar } from '../../../model/keyGrammar.ts';

/**
 * HealthOmics workflow runs' keys and global IDs, `omicsrun:{region}:{uuid}:{runId}`: the run ID
 * (`nativeId`) with the run's `uuid`, since HealthOmics gives a deleted run's ID to a later run
 * and never its UUID. No ARN form: a run's ARN (`arn:aws:omics:{region}:{account}:run/{runId}`)
 * names no UUID, so it cannot say which run of that ID it means.
 */
export const OMICS_RUN_KEY: KeyGrammar<'AWS_OMICS'> = {
  provider: 'AWS_OMICS',
  kind: 'run',
  typeName: 'OmicsRun',
  prefix: 'omicsrun',
  parts: [
    ['region', 'awsRegion'],
    ['uuid', 'omicsRunUuid'],
    ['runId', 'omicsRunId'],
  ],
};
