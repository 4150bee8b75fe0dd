import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { KeyGrammar } from '../../model/keyGrammar.ts';
import type { JobKind } from './provider.ts';

/**
 * A further kind of an AWS provider (`Provider.kinds`): the key's provider and `key`, its root
 * field `root` (its `region` argument defaulting to the configured AWS region), and the rest of
 * what the gateway knows of it as `kind` says.
 */
export function awsKind<P extends JobProvider, R extends JobRecord>(
  key: KeyGrammar<P>,
  root: string,
  kind: Omit<JobKind<P, R>, 'name' | 'key' | 'rootField'>,
): JobKind<P, R> {
  return {
    name: key.provider,
    key,
    rootField: { name: root, defaults: { region: (c) => c.awsRegion } },
    ...kind,
  };
}
