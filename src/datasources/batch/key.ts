import { MalformedBodyError } from '../../errors.ts';
import type { AnyKeyOf } from '../../model/keys.ts';
import { keyFromParts, type KeyGrammar } from '../../model/keyGrammar.ts';
import { str } from '../shared/json.ts';
import type { EventPlace } from '../shared/provider.ts';

/**
 * AWS Batch keys and global IDs, `batch:{region}:{jobId}` (`batch@{alias}:…` in another
 * account): a job ID is a UUID, an array job's child `UUID:index` (its `:` kept in the last part)
 * or a multi-node job's node `UUID#index`.
 */
export const BATCH_KEY: KeyGrammar<'AWS_BATCH'> = {
  provider: 'AWS_BATCH',
  typeName: 'BatchJob',
  prefix: 'batch',
  parts: [
    ['region', 'awsRegion'],
    ['jobId', 'batchJobId'],
  ],
  lastPartHasColons: true,
  // DescribeJobs' `jobArn` (an array child's ends `:index`, a node's `#index`), as the console shows it.
  arn: { service: 'batch', resource: 'job' },
};

/**
 * The key of the job an event's `detail.jobId` names, in the event's account and region, by
 * `grammar` (a job's or a service job's): a detail without a job ID is malformed.
 */
export function eventJobKey(
  grammar: KeyGrammar<'AWS_BATCH'>,
  detail: Record<string, unknown>,
  place: EventPlace,
): AnyKeyOf<'AWS_BATCH'> {
  const jobId = str(detail.jobId, 'detail.jobId');
  if (jobId === null) throw new MalformedBodyError('detail.jobId is missing');
  return keyFromParts(
    grammar,
    [place.region, jobId],
    (part) => `detail.${part}`,
    place.account,
  ) as AnyKeyOf<'AWS_BATCH'>;
}
