import { homedir } from 'node:os';
import { join } from 'node:path';
import { bool, int, opt, url, type Env } from './env.ts';
import type { Config } from './types.ts';

/** The endpoint overrides: only the configuration reads the environment, so each provider's variable is named here. */
export function endpointsOf(env: Env): Config['endpoints'] {
  const endpoints: Config['endpoints'] = {};
  const set = (k: keyof Config['endpoints'], v: string | undefined) => {
    if (v !== undefined) endpoints[k] = v;
  };
  // As the AWS SDK reads them: the service's own variable, else AWS_ENDPOINT_URL for every AWS
  // service, neither when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
  const ignoreAwsEndpoints = bool(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', false);
  const awsEndpoint = (service: string) =>
    ignoreAwsEndpoints
      ? undefined
      : (url(env, `AWS_ENDPOINT_URL_${service}`) ?? url(env, 'AWS_ENDPOINT_URL'));
  set('panorama', awsEndpoint('PANORAMA'));
  set('omics', awsEndpoint('OMICS'));
  set('codepipeline', awsEndpoint('CODEPIPELINE'));
  set('importexport', awsEndpoint('IMPORTEXPORT'));
  set('batch', awsEndpoint('BATCH'));
  set('sts', awsEndpoint('STS'));
  set('sqs', awsEndpoint('SQS'));
  set('logs', awsEndpoint('CLOUDWATCH_LOGS'));
  set('cosBatch', url(env, 'COS_BATCH_ENDPOINT_URL'));
  return endpoints;
}

/** The AWS SDK's own settings jobgraph reads: shared files, endpoint variants, attempts. */
export function awsSettingsOf(
  env: Env,
): Pick<Config, 'awsShared' | 'awsEndpointVariant' | 'awsMaxAttempts'> {
  return {
    awsShared: {
      profile: opt(env, 'AWS_PROFILE') ?? null,
      configFile: opt(env, 'AWS_CONFIG_FILE') ?? join(homedir(), '.aws', 'config'),
      credentialsFile:
        opt(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? join(homedir(), '.aws', 'credentials'),
    },
    awsEndpointVariant: {
      useFips: bool(env, 'AWS_USE_FIPS_ENDPOINT', false),
      useDualStack: bool(env, 'AWS_USE_DUALSTACK_ENDPOINT', false),
    },
    // The SDK's AWS_MAX_ATTEMPTS, for the AWS providers only and only when jobgraph's own variable
    // is unset; above jobgraph's most (3) it is used as 3, which keeps a job's worst case bounded.
    awsMaxAttempts:
      opt(env, 'JOBGRAPH_UPSTREAM_MAX_ATTEMPTS') === undefined &&
      opt(env, 'AWS_MAX_ATTEMPTS') !== undefined
        ? Math.min(3, int(env, 'AWS_MAX_ATTEMPTS', 3, 1, 1_000_000))
        : null,
  };
}
