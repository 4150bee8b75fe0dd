import { afterAll, beforeAll } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyUrlOf } from '../support/historyStores.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

/** A started notifying gateway, its receiver and its three callers' tokens. */
interface NotifyingGateway {
  gw: TestGateway;
  receiver: Receiver;
  tokens: { notify: string; reader: string; staging: string };
}

/**
 * A demo gateway on `store` whose rules may deliver to a receiver on 127.0.0.1, with three
 * callers: `notify` (jobs:read and notifications:write, every account), `reader` (jobs:read alone)
 * and `staging` (both scopes, the staging account alone).
 */
async function startNotifyingGateway(store: HistoryStoreConfig): Promise<NotifyingGateway> {
  const receiver = await startReceiver();
  const gw = await startTestGateway({
    JOBGRAPH_HISTORY_URL: historyUrlOf(store),
    JOBGRAPH_NOTIFY_ALLOW_HOSTS: new URL(receiver.url).host,
  });
  const tokens = {
    notify: await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]),
    reader: await accountToken(gw, undefined, 'reader-bob', [SCOPE_READ]),
    staging: await accountToken(gw, ['staging'], 'staging-carol', [SCOPE_READ, SCOPE_NOTIFY]),
  };
  return { gw, receiver, tokens };
}

/**
 * `startNotifyingGateway` on the store `fresh()` makes, unless `skip`: started before a block's
 * first test (handed to `use`, with its store) and closed after its last. Answers the callers'
 * tokens, filled in once started.
 */
export function useNotifyingGateway(
  skip: boolean,
  fresh: () => Promise<HistoryStoreConfig>,
  use: (made: NotifyingGateway & { store: HistoryStoreConfig }) => void,
): NotifyingGateway['tokens'] {
  const tokens = { notify: '', reader: '', staging: '' };
  let made: NotifyingGateway | undefined;
  beforeAll(async () => {
    if (skip) return;
    const store = await fresh();
    made = await startNotifyingGateway(store);
    Object.assign(tokens, made.tokens);
    use({ ...made, store });
  });
  afterAll(async () => {
    await made?.gw.close();
    await made?.receiver.close();
  });
  return tokens;
}

/** A rule's input (NotificationRuleInput) on every failed AWS Batch job, named `name`, delivering to `url` as `kind`. */
export const failedBatchInput = (url: string, kind = 'WEBHOOK', name = 'failed batch jobs') => ({
  name,
  filter: { providers: ['AWS_BATCH'] },
  on: ['FAILED'],
  target: { kind, url },
});

/**
 * A WEBHOOK rule of `gw` on every failed AWS Batch job, made by an on-call token of every account
 * (returned), delivering to `receiver`, which is given the rule's `whsec_` secret to verify by.
 */
export async function failedBatchRule(gw: TestGateway, receiver: Receiver): Promise<string> {
  const token = await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]);
  const res = await gql(
    gw,
    `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { secret } }`,
    {
      token,
      variables: { input: failedBatchInput(receiver.url) },
    },
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  receiver.secret = res.body.data!.createNotificationRule.secret as string;
  return token;
}
