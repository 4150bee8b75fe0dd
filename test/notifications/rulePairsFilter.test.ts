// A rule's filter names accounts by alias; what it covers is decided per (provider, account) pair
// by the one grant check (src/notifications/rulePairs.ts → mayRead), never by the alias alone:
// through the real demo gateway on the emulators, whose staging account is configured on AWS and
// on Tencent COS alike, a token granted staging on AWS only (its account ID) cannot name staging
// on COS Batch through a rule's filter, at creation or at an update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT, DEMO_SECOND_TENCENT_ACCOUNT } from '@jobgraph/emulators';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { rule { id covers { provider account } } } }`;
const UPDATE = `mutation ($id: ID!, $input: NotificationRuleInput!) {
  updateNotificationRule(id: $id, input: $input) { id covers { provider account } } }`;
const RULE = `query ($id: ID!) { notificationRule(id: $id) { covers { provider account } } }`;

const [sqlite] = historyStores();

describe('A rule’s filter naming an account, on the demo gateway', () => {
  let gw: TestGateway;
  let awsStaging = '';
  beforeAll(async () => {
    gw = await startTestGateway({
      JOBGRAPH_HISTORY_URL: historyUrlOf(await sqlite!.fresh()),
      JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
    });
    // Both clouds have an account aliased staging (the demo's second accounts).
    expect(DEMO_SECOND_AWS_ACCOUNT.alias).toBe('staging');
    expect(DEMO_SECOND_TENCENT_ACCOUNT.alias).toBe('staging');
    awsStaging = await accountToken(gw, [DEMO_SECOND_AWS_ACCOUNT.accountId], 'aws-staging', [
      SCOPE_READ,
      SCOPE_NOTIFY,
    ]);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const input = (filter: Record<string, unknown>) => ({
    name: 'staging failures',
    filter,
    on: ['FAILED'],
    target: { kind: 'WEBHOOK', url: 'http://127.0.0.1:9/hook' },
  });
  const refusedFor = (res: Awaited<ReturnType<typeof gql>>) => {
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    return String(res.body.errors?.[0]?.message);
  };

  it('refuses staging on COS Batch to a token granted staging on AWS only, however the filter names it', async () => {
    const create = (filter: Record<string, unknown>) =>
      gql(gw, CREATE, { token: awsStaging, variables: { input: input(filter) } });
    for (const filter of [
      { providers: ['TENCENT_COS_BATCH'], accounts: ['staging'] },
      { providers: ['AWS_BATCH', 'TENCENT_COS_BATCH'], accounts: ['staging'] },
      { accounts: ['staging'] },
      { accounts: ['staging', 'staging'] },
    ])
      expect(refusedFor(await create(filter))).toContain('"staging on TENCENT_COS_BATCH"');
    // On its own cloud, the same alias is its own.
    const made = await create({ providers: ['AWS_BATCH'], accounts: ['staging'] });
    expect(made.body.errors).toBeUndefined();
    expect(made.body.data?.createNotificationRule.rule.covers).toEqual([
      { provider: 'AWS_BATCH', account: 'staging' },
    ]);
  });

  it('refuses an update of its own rule onto staging on COS Batch, and the rule covers what it did', async () => {
    const made = await gql(gw, CREATE, {
      token: awsStaging,
      variables: { input: input({ providers: ['AWS_BATCH'], accounts: ['staging'] }) },
    });
    const id = made.body.data!.createNotificationRule.rule.id as string;
    const moved = await gql(gw, UPDATE, {
      token: awsStaging,
      variables: { id, input: input({ providers: ['TENCENT_COS_BATCH'], accounts: ['staging'] }) },
    });
    expect(refusedFor(moved)).toContain('"staging on TENCENT_COS_BATCH"');
    const widened = await gql(gw, UPDATE, {
      token: awsStaging,
      variables: { id, input: input({ accounts: ['staging'] }) },
    });
    expect(refusedFor(widened)).toContain('"staging on TENCENT_COS_BATCH"');
    const shown = await gql(gw, RULE, { token: awsStaging, variables: { id } });
    expect(shown.body.data?.notificationRule.covers).toEqual([
      { provider: 'AWS_BATCH', account: 'staging' },
    ]);
  });
});
