import type { Config } from '../../config/index.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import type { CosBatchKey } from '../../model/keys.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import type { ProviderSetup } from '../shared/provider.ts';
import { cosWire } from './client.ts';
import { accountByUin, COSBATCH_VERIFY } from './listing.ts';
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
 * How a COS Batch source is made from the configuration: the account's control endpoint, the
 * Tencent Cloud keys, and each job's account told by its UIN (the default keys for a UIN of no
 * configured account).
 */
export const COSBATCH_SETUP: ProviderSetup<CosBatchKey, CosBatchJobRecord, CosSourceOptions> = {
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
};
