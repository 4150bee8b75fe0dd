import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { DEMO_SECOND_AWS_ACCOUNT, DEMO_SECOND_TENCENT_ACCOUNT } from '@jobgraph/emulators';
import { SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { gqlAt, useNotifyingReplicas } from './notifyingReplicas.ts';

// Whose a notification rule is, on the compiled gateway (live mode, bin/jobgraph.mjs) against the
// emulators with a staging account on each cloud (docs/notifications.md, "Whose a rule is"): a
// rule made by a token granted staging on Tencent COS only (its UIN) receives nothing of an AWS
// Batch job of staging that failed, while a rule of every account does; and a token granted
// staging on AWS only neither sees, rotates nor retargets a rule of every account.

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id } } }`;
const READ = `query ($id: ID!) { job(id: $id) { state } }`;
const JOB = BATCH_SECOND_ACCOUNT_JOB_IDS.running;
const JOB_ID = `batch@${DEMO_SECOND_AWS_ACCOUNT.alias}:us-east-1:${JOB}`;

const [sqlite] = historyStores();

describe('Whose a notification rule is, on the compiled gateway', () => {
  const set = useNotifyingReplicas(sqlite!.fresh);
  let gateway: LiveProcess;
  const tokens = { cos: '', aws: '' };
  beforeAll(async () => {
    gateway = await set.start();
    const token = (accounts: string[]) =>
      mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read', 'notifications:write'], accounts });
    tokens.cos = await token([DEMO_SECOND_TENCENT_ACCOUNT.uin]);
    tokens.aws = await token([DEMO_SECOND_AWS_ACCOUNT.accountId]);
  });
  const create = async (token: string, filter: object | null) => {
    const res = await gqlAt(gateway, token, CREATE, {
      input: {
        name: 'failures',
        filter,
        on: ['FAILED'],
        target: { kind: 'WEBHOOK', url: set.receiver.url },
      },
    });
    expect(res.errors).toBeUndefined();
    return res.data!.createNotificationRule.rule.id as string;
  };
  const ruleOf = (r: { body: string }) =>
    (JSON.parse(r.body) as { data: { rule: { id: string } } }).data.rule.id;

  it("delivers a staging AWS Batch failure to a rule of every account, never to a COS-only staging token's rule", async () => {
    const cosRule = await create(tokens.cos, null);
    const every = await create(set.token, { providers: ['AWS_BATCH'], accounts: ['staging'] });
    expect((await gqlAt(gateway, set.token, READ, { id: JOB_ID })).data?.job?.state).toBe(
      'IN_PROGRESS',
    );
    set.emulators.batch.jobs!.changeState(JOB, 'FAILED', {
      account: DEMO_SECOND_AWS_ACCOUNT.accountId,
    });
    expect((await gqlAt(gateway, set.token, READ, { id: JOB_ID })).data?.job?.state).toBe('FAILED');
    await vi.waitFor(
      () => expect(set.receiver.received.filter((r) => ruleOf(r) === every)).toHaveLength(1),
      { timeout: 30_000, interval: 50 },
    );
    expect(set.receiver.received.filter((r) => ruleOf(r) === cosRule)).toEqual([]);
  });

  it('keeps a rule of every account from a token holding staging on AWS only', async () => {
    const id = await create(set.token, { accounts: ['staging'] });
    const rotate = await gqlAt(
      gateway,
      tokens.aws,
      `mutation ($id: ID!) { rotateNotificationSecret(id: $id) { secret } }`,
      { id },
    );
    expect(rotate.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    const retarget = await gqlAt(
      gateway,
      tokens.aws,
      `mutation ($id: ID!, $input: NotificationRuleInput!) { updateNotificationRule(id: $id, input: $input) { id } }`,
      {
        id,
        input: {
          name: 'mine',
          on: ['FAILED'],
          target: { kind: 'WEBHOOK', url: 'http://127.0.0.1:9/x' },
        },
      },
    );
    expect(retarget.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    const listed = await gqlAt(gateway, tokens.aws, `{ notificationRules { nodes { id } } }`, {});
    expect(listed.data?.notificationRules.nodes).toEqual([]);
  });
});
