import type { Config } from '../../config/index.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { cosWire } from './client.ts';
import { COSBATCH_KEY } from './key.ts';
import { accountByUin, COSBATCH_LISTING, COSBATCH_VERIFY, COSBATCH_WATCH } from './listing.ts';
import type { CosBatchJobRecord } from './record.ts';

const ALIAS_BY_UIN = new WeakMap<Config['tencent']['accounts'], ReadonlyMap<string, string>>();

/** The configured accounts' aliases by UIN (made once per configuration). */
function aliasByUin(config: Config): ReadonlyMap<string, string> {
  const { accounts } = config.tencent;
  let byUin = ALIAS_BY_UIN.get(accounts);
  if (!byUin) ALIAS_BY_UIN.set(accounts, (byUin = new Map(accounts.map((a) => [a.uin, a.alias]))));
  return byUin;
}

/**
 * What the start-up summary says of the Tencent Cloud configuration (never a value but the region).
 */
function describeTencent(config: Config): string {
  const t = config.tencent;
  const missing = COSBATCH_VERIFY.accounts(config)[0]!.missing;
  // Configured only with everything a call needs: keys without an APPID answer every job
  // PROVIDER_NOT_CONFIGURED.
  const keys =
    missing.length === 0
      ? `configured from TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY${t.credentials?.sessionToken ? ' (+ session token)' : ''}, COS_UIN and COS_APPID`
      : `NOT configured: ${missing.join(', ')} not set (answers PROVIDER_NOT_CONFIGURED)`;
  return `${keys} · region ${t.region}`;
}

/**
 * Tencent COS Batch jobs (DescribeJob), signed with the Tencent Cloud keys, on the account's
 * control host.
 */
export const cosBatch: Provider<'TENCENT_COS_BATCH', CosBatchJobRecord, CosSourceOptions> = {
  name: 'TENCENT_COS_BATCH',
  key: COSBATCH_KEY,
  rootField: {
    name: 'cosBatchJob',
    // The account is the configured one: the field has no `uin` argument.
    defaults: { region: (c) => c.tencent.region, uin: (c) => c.tencent.uin },
    unconfigured: 'the COS account UIN (COS_UIN)',
  },
  rpcSystem: 'tencentcloud-api',
  // The task counts.
  progress: { fields: ['progressSummary'] },
  // The Sandbox dashboard shows its priority, task counts and failure reasons.
  dashboardFields:
    'priority progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } failureReasons { failureCode failureReason }',
  setup: {
    endpoint: (config) => config.endpoints.cosBatch,
    credentials: describeTencent,
    wire: cosWire,
    // The APPID its UIN's account is called with.
    accountId: (config, key) => accountByUin(config, key.uin)?.appId ?? null,
    accountAliases: (config) => config.tencent.accounts.map((a) => a.alias),
    // A UIN of no configured account is read with the default keys: the default account's reach.
    accountAlias: (config, key) => aliasByUin(config).get(key.uin) ?? DEFAULT_ACCOUNT,
    accountDirectory: ({ tencent: t }) => [
      {
        alias: DEFAULT_ACCOUNT,
        ids: [t.uin, t.appId].filter((id): id is string => typeof id === 'string' && id !== ''),
      },
      ...t.accounts.map((a) => ({ alias: a.alias, ids: [a.uin, a.appId] })),
    ],
    options: (config, transport) => ({
      ...transport,
      credentials: config.tencent.credentials,
      appId: config.tencent.appId,
      accounts: config.tencent.accounts,
      ...(config.endpoints.cosBatch ? { endpoint: config.endpoints.cosBatch } : {}),
    }),
  },
  list: COSBATCH_LISTING,
  watch: COSBATCH_WATCH,
  verify: COSBATCH_VERIFY,
};
