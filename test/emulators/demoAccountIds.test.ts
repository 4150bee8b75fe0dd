import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStartupSummary } from '../../src/cli/startupSummary.ts';
import { loadConfig } from '../../src/config/index.ts';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_AWS_USER,
  DEMO_DATA,
  DEMO_SECOND_AWS_ACCOUNT,
  emulatorEnvironment,
  listedDemoJobs,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';

/**
 * The demo names two AWS accounts, each by one number everywhere: the demo keys' (the
 * default) and the second account's. A newcomer reading an ARN in a demo job, the
 * environment `jobgraph emulators` prints and the start-up banner finds the same numbers.
 */

/** Every AWS account an ARN, an `accountId` member or an S3 bucket name in `value` names. */
function accountsNamed(value: unknown): Set<string> {
  const text = JSON.stringify(value);
  const found = new Set<string>();
  for (const m of text.matchAll(/arn:aws:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/g)) found.add(m[1]!);
  for (const m of text.matchAll(/"accountId":"(\d+)"/g)) found.add(m[1]!);
  for (const m of text.matchAll(/"BucketName":"[a-z0-9.-]*?-(\d{12})"/gi)) found.add(m[1]!);
  return found;
}

let set: EmulatorSet;
beforeAll(async () => {
  set = await startEmulators();
});
afterAll(() => set.close());

describe('the demo account numbers', () => {
  it('the demo keys, their user ARN and the environment name the default account', () => {
    expect(DEMO_AWS_USER.arn).toBe(`arn:aws:iam::${DEMO_AWS_ACCOUNT_ID}:user/jobgraph-demo`);
    expect(emulatorEnvironment(set).AWS_ACCOUNT_ID).toBe(DEMO_AWS_ACCOUNT_ID);
  });

  it("the second account's role ARN, environment line and banner name the second account", () => {
    const { alias, accountId, roleArn } = DEMO_SECOND_AWS_ACCOUNT;
    expect(roleArn).toBe(`arn:aws:iam::${accountId}:role/jobgraph-read`);
    expect(accountId).not.toBe(DEMO_AWS_ACCOUNT_ID);
    const env = emulatorEnvironment(set);
    expect(env.JOBGRAPH_AWS_ACCOUNTS).toBe(`${alias}=${roleArn}`);
    const config = loadConfig({ mode: 'live' }, env);
    expect(config.awsAccounts).toEqual([expect.objectContaining({ alias, accountId, roleArn })]);
    const banner = formatStartupSummary({
      config,
      aws: { state: 'static', source: 'environment' },
      jwksFetched: false,
      warnings: [],
    }).join('\n');
    expect(banner).toContain(`${alias} (${accountId})`);
  });

  it("every ARN, account member and bucket in the default account's demo jobs names it", () => {
    const listed = listedDemoJobs(Date.UTC(2026, 0, 1));
    expect([...accountsNamed(DEMO_DATA)]).toEqual([DEMO_AWS_ACCOUNT_ID]);
    for (const jobs of Object.values(listed)) {
      for (const id of accountsNamed(jobs)) expect(id).toBe(DEMO_AWS_ACCOUNT_ID);
    }
  });

  it("the second account's listed jobs name no account but the second one", () => {
    const listed = listedDemoJobs(Date.UTC(2026, 0, 1), { account: 'staging' });
    for (const jobs of Object.values(listed)) {
      for (const id of accountsNamed(jobs)) expect(id).toBe(DEMO_SECOND_AWS_ACCOUNT.accountId);
    }
  });
});
