import type { Config } from '../../config.ts';
import { DEFAULT_ACCOUNT } from '../../model/keyGrammar.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import type { Provider } from '../shared/provider.ts';
import { cosWire } from './client.ts';
import { COSBATCH_KEY } from './key.ts';
import { accountByUin, COSBATCH_LISTING, COSBATCH_WATCH } from './listing.ts';
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
function describeTencent({ tencent: t }: Config): string {
  const keys = t.credentials
    ? `configured from TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY${t.credentials.sessionToken ? ' (+ session token)' : ''}`
    : 'NOT configured: TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY not set (answers PROVIDER_NOT_CONFIGURED)';
  return `${keys} · region ${t.region} · COS_UIN ${t.uin ? 'set' : 'not set'} · COS_APPID ${t.appId ? 'set' : 'not set'}`;
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
};
