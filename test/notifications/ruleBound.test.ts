// The bound on notification rules (docs/notifications.md, "Bounds"; src/notifications/ruleBound.ts)
// is counted per (provider, account) pair, as a grant is: through the real demo gateway, on a real
// SQLite file and a real PostgreSQL server, a token granted `staging` on AWS alone fills AWS Batch's
// `staging` and COS Batch's `staging` still takes rules. The bound narrowed to 3 (`bounds`), as a
// test narrows every fixed bound; ruleGrants.test.ts makes the default's 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { notifyTokens } from '../support/accountTokens.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { rule { id covers { provider account } } } }`;
const UPDATE = `mutation ($id: ID!, $input: NotificationRuleInput!) {
  updateNotificationRule(id: $id, input: $input) { id } }`;
const RULES = `{ notificationRules(first: 100) { totalCount } }`;
const BOUND = 3;
const AWS_FULL = `AWS_BATCH account "staging" has ${BOUND} notification rules, the most it may have: delete one first.`;
const COS_FULL = `TENCENT_COS_BATCH account "staging" has ${BOUND} notification rules, the most it may have: delete one first.`;

describe.each(historyStores())('The rule bound, on a $name', ({ skip, fresh }) => {
  let gw: TestGateway;
  let store: HistoryStoreConfig;
  const tokens = { every: '', cosStaging: '', awsStaging: '', staging: '' };
  beforeAll(async () => {
    if (skip) return;
    store = await fresh();
    gw = await startTestGateway(
      {
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
      },
      { bounds: { notifyMaxRules: BOUND } },
    );
    Object.assign(tokens, await notifyTokens(gw));
  });
  afterAll(async () => {
    await gw?.close();
  });

  const input = (over: Record<string, unknown> = {}) => ({
    name: 'failures',
    on: ['FAILED'],
    target: { kind: 'WEBHOOK', url: 'https://127.0.0.1:9/hook' },
    ...over,
  });
  const attempt = (token: string, over: Record<string, unknown> = {}) =>
    gql(gw, CREATE, { token, variables: { input: input(over) } });
  const create = async (token: string, over: Record<string, unknown> = {}) => {
    const res = await attempt(token, over);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createNotificationRule.rule as {
      id: string;
      covers: { provider: string; account: string }[];
    };
  };
  const refusal = async (token: string, over: Record<string, unknown> = {}) => {
    const res = await attempt(token, over);
    expect(res.body.data?.createNotificationRule ?? null).toBeNull();
    return res.body.errors?.[0];
  };
  const stored = async () =>
    (await gql(gw, RULES, { token: tokens.every })).body.data!.notificationRules
      .totalCount as number;

  it.skipIf(skip)(
    "counts a rule against each pair it covers: AWS Batch's staging full leaves COS Batch's staging room",
    async () => {
      const aws = [];
      for (let i = 0; i < BOUND; i++)
        aws.push(
          await create(tokens.awsStaging, {
            name: `aws ${i}`,
            filter: { providers: ['AWS_BATCH'] },
          }),
        );
      expect(aws.map((r) => r.covers)).toEqual(
        aws.map(() => [{ provider: 'AWS_BATCH', account: 'staging' }]),
      );
      // The AWS-only token's next rule is refused, naming its full pair.
      const awsRefused = await refusal(tokens.awsStaging, { filter: { providers: ['AWS_BATCH'] } });
      expect(awsRefused?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: BOUND });
      expect(awsRefused?.message).toBe(AWS_FULL);
      // The same alias on another provider is another account: COS Batch's staging has room.
      const cos = await create(tokens.cosStaging, { name: 'cos' });
      expect(cos.covers).toEqual([{ provider: 'TENCENT_COS_BATCH', account: 'staging' }]);
      // A rule covering both is refused when any of its pairs is full, naming only the full one.
      const both = await refusal(tokens.staging, {
        filter: { providers: ['AWS_BATCH', 'TENCENT_COS_BATCH'] },
      });
      expect(both?.message).toBe(AWS_FULL);
      // A rule of every account counts against every pair: AWS Batch's staging among them.
      expect((await refusal(tokens.every))?.message).toContain(AWS_FULL.split(' has ')[0]);
      // What was refused was not written; COS Batch's staging fills to the bound in its turn.
      expect(await stored()).toBe(BOUND + 1);
      for (let i = 1; i < BOUND; i++) await create(tokens.cosStaging, { name: `cos ${i}` });
      expect((await refusal(tokens.cosStaging))?.message).toBe(COS_FULL);
      // An update counts as the rule's new coverage, less its own row: AWS staging's rule renamed.
      const renamed = await gql(gw, UPDATE, {
        token: tokens.awsStaging,
        variables: {
          id: aws[0]!.id,
          input: input({ name: 'renamed', filter: { providers: ['AWS_BATCH'] } }),
        },
      });
      expect(renamed.body.errors).toBeUndefined();
      expect(await stored()).toBe(2 * BOUND);
    },
  );
});
