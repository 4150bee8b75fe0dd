import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
} from './accounts.ts';
import type { UpstreamEndpointName } from './descriptor.ts';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from './framework.ts';
import { EMULATORS, type AnyEmulator } from './registry.ts';

/** An AWS account of jobgraph's configuration (its `AwsAccount`: JOBGRAPH_AWS_ACCOUNTS). */
interface UpstreamAwsAccount {
  alias: string;
  roleArn: string;
  accountId: string;
  externalId: string | null;
}

/**
 * The part of jobgraph's configuration the demo sets: every provider's endpoint, the demo
 * credentials and the second accounts, typed as the gateway's `Config` types those fields.
 */
export interface DemoUpstreams {
  endpoints: Partial<Record<UpstreamEndpointName, string>>;
  awsCredentials: { accessKeyId: string; secretAccessKey: string; accountId: string };
  awsAccounts: readonly UpstreamAwsAccount[];
  tencent: {
    credentials: { secretId: string; secretKey: string };
    region: string;
    uin: string;
    appId: string;
    accounts: readonly {
      alias: string;
      uin: string;
      appId: string;
      credentials: { secretId: string; secretKey: string };
    }[];
  };
}

/** What `withDemoUpstreams` reads of the configuration it is given. */
interface UpstreamsBase {
  endpoints: { sqs?: string };
  awsAccounts: readonly UpstreamAwsAccount[];
}

/**
 * `base` (jobgraph's configuration) with every provider pointed at `emulators` and the demo
 * credentials they accept.
 */
export function withDemoUpstreams<C extends UpstreamsBase>(
  base: C,
  emulators: Record<AnyEmulator['name'] | 'sts' | 'logs', { url: string }>,
): C & DemoUpstreams {
  return {
    ...base,
    endpoints: {
      ...Object.fromEntries(EMULATORS.map((d) => [d.endpoint.config, emulators[d.name].url])),
      sts: emulators.sts.url,
      logs: emulators.logs.url,
      // An SQS endpoint of the environment stays (its event queues are not the demo's).
      ...(base.endpoints.sqs ? { sqs: base.endpoints.sqs } : {}),
    },
    awsCredentials: { ...DEMO_AWS_CREDENTIALS, accountId: DEMO_AWS_ACCOUNT_ID },
    // The demo's second account, then any the environment names (a role the emulated STS
    // refuses shows an account that cannot be assumed).
    awsAccounts: [
      {
        alias: DEMO_SECOND_AWS_ACCOUNT.alias,
        roleArn: DEMO_SECOND_AWS_ACCOUNT.roleArn,
        accountId: DEMO_SECOND_AWS_ACCOUNT.accountId,
        externalId: null,
      },
      ...base.awsAccounts.filter((a) => a.alias !== DEMO_SECOND_AWS_ACCOUNT.alias),
    ],
    tencent: {
      credentials: {
        secretId: DEMO_TENCENT_CREDENTIALS.secretId,
        secretKey: DEMO_TENCENT_CREDENTIALS.secretKey,
      },
      region: DEMO_TENCENT_CREDENTIALS.region,
      uin: DEMO_TENCENT_CREDENTIALS.uin,
      appId: DEMO_TENCENT_CREDENTIALS.appId,
      accounts: [
        {
          alias: DEMO_SECOND_TENCENT_ACCOUNT.alias,
          uin: DEMO_SECOND_TENCENT_ACCOUNT.uin,
          appId: DEMO_SECOND_TENCENT_ACCOUNT.appId,
          credentials: {
            secretId: DEMO_SECOND_TENCENT_ACCOUNT.secretId,
            secretKey: DEMO_SECOND_TENCENT_ACCOUNT.secretKey,
          },
        },
      ],
    },
  };
}
