import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { accountToken } from '../support/accountTokens.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyUrlOf } from '../support/historyStores.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

/**
 * A demo gateway on `store` whose rules may deliver to a receiver on 127.0.0.1, with three
 * callers: `notify` (jobs:read and notifications:write, every account), `reader` (jobs:read alone)
 * and `staging` (both scopes, the staging account alone).
 */
export async function startNotifyingGateway(store: HistoryStoreConfig): Promise<{
  gw: TestGateway;
  receiver: Receiver;
  tokens: { notify: string; reader: string; staging: string };
}> {
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
