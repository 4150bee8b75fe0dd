import type { Config } from '../../config/index.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import { statusFilter } from '../listing/filter.ts';
import type { StreamPage } from '../listing/merge.ts';
import { listStream, present } from '../listing/streams.ts';
import { isoOrNull, listed, pageOnce, type Listed } from '../listing/summaries.ts';
import type { ListCall, ProviderList, ProviderVerify, ProviderWatch } from '../shared/provider.ts';
import { COSBATCH_KEY } from './key.ts';
import {
  COS_LIST_MAX_RESULTS,
  cosListOperation,
  type CosJobSummary,
  type CosListCall,
} from './list.ts';
import { COSBATCH_STATE_MAP, type CosBatchJobRecord } from './record.ts';

/** A ListJobs summary as a listed job, its fields as the describe record has them. */
function cosListed(region: string, uin: string, s: CosJobSummary): Listed | null {
  const fields: Partial<CosBatchJobRecord> = {
    providerStatus: s.upstreamStatus,
    uin,
    jobId: s.jobId,
    creationTime: s.createdAt.toISOString(),
    name: s.description,
    description: s.description,
    priority: s.priority,
    progressSummary: s.progressSummary,
    status: s.upstreamStatus,
    terminationDate: isoOrNull(s.completedAt),
  };
  const key = { provider: 'TENCENT_COS_BATCH', region, uin, jobId: s.jobId } as const;
  const { state, createdAt, completedAt } = s;
  return listed(COSBATCH_KEY, key, { state, createdAt, updatedAt: null, completedAt }, fields);
}

/**
 * One ListJobs page of an account in a region, as listed jobs (listJobs' streams and the watch
 * read schedules).
 */
async function page(
  call: ListCall,
  account: CosAccount,
  ask: Omit<CosListCall, 'nextToken' | 'uin'> & { token: string | null; subject: string },
): Promise<StreamPage<Listed>> {
  const { token, subject, ...rest } = ask;
  const input = { ...rest, uin: account.uin };
  const answer = await call(
    cosListOperation(account.appId),
    { ...input, nextToken: token },
    { breakerRegion: input.region, subject, account: account.uin },
  );
  return pageOnce(answer, () => ({
    items: answer.items.map((s) => cosListed(input.region, input.uin, s)).filter(present),
    next: answer.nextToken,
  }));
}

/**
 * A COS account as its list calls go: its UIN (the host label, and the pipeline's account, by
 * which the wire picks its keys, as for its jobs' describe calls) and its APPID (`x-cos-appid`).
 */
interface CosAccount {
  uin: string;
  appId: string;
}

/**
 * The account aliased `alias` (`default`: COS_UIN, COS_APPID and the default keys); null when it
 * lacks its UIN, APPID or keys.
 */
function accountByAlias(config: Config, alias: string): CosAccount | null {
  if (alias !== DEFAULT_ACCOUNT) {
    const a = config.tencent.accounts.find((x) => x.alias === alias);
    return a ? { uin: a.uin, appId: a.appId } : null;
  }
  const { uin, appId, credentials } = config.tencent;
  return uin && appId && credentials ? { uin, appId } : null;
}

/**
 * Live mode's check of each COS account's keys: one ListJobs page of one job in the account's
 * region (the cheapest signed call COS Batch has that reads nothing of a job), the default account
 * by COS_UIN, COS_APPID and the default keys, each JOBGRAPH_TENCENT_ACCOUNTS account by its own.
 */
export const COSBATCH_VERIFY: ProviderVerify = {
  cloud: 'tencent',
  accounts(config) {
    const t = config.tencent;
    const missing = [
      ...(t.credentials ? [] : ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY']),
      ...(t.uin ? [] : ['COS_UIN']),
      ...(t.appId ? [] : ['COS_APPID']),
    ];
    return [
      { alias: DEFAULT_ACCOUNT, accountId: t.appId, missing },
      ...t.accounts.map((a) => ({ alias: a.alias, accountId: a.appId, missing: [] })),
    ];
  },
  async check(call, config, alias) {
    const account = accountByAlias(config, alias);
    if (!account) throw new TypeError(`COS account ${alias} is not configured`);
    const region = config.tencent.region;
    await page(call, account, { region, maxResults: 1, token: null, subject: `verify:${alias}` });
  },
};

/**
 * The account a job of `uin` is listed with: a JOBGRAPH_TENCENT_ACCOUNTS account's own APPID and
 * keys, else the default APPID and keys (as its describe call goes); null without a default APPID.
 */
export function accountByUin(config: Config, uin: string): CosAccount | null {
  const a = config.tencent.accounts.find((x) => x.uin === uin);
  if (a) return { uin, appId: a.appId };
  return config.tencent.appId ? { uin, appId: config.tencent.appId } : null;
}

/**
 * listJobs: each account's jobs in each region, one source an account and region, read whole
 * (Tencent documents no order); the default account by COS_UIN, COS_APPID and the default keys,
 * each JOBGRAPH_TENCENT_ACCOUNTS account by its own. NOT_CONFIGURED without the account's UIN,
 * credentials or APPID. COS filters by one
 * status a request (`jobStatuses`): asked when the states allow exactly one (a read that is its
 * own snapshot, unless the unfiltered one is at hand); the merge re-checks.
 */
export const COSBATCH_LISTING: ProviderList = {
  sources(env, region) {
    const at = region as string;
    const account = accountByAlias(env.config, env.account);
    if (!account)
      return [{ referenceStoreId: null, state: 'NOT_CONFIGURED', code: 'PROVIDER_NOT_CONFIGURED' }];
    const status = statusFilter(env.plan, COSBATCH_STATE_MAP, {
      Complete: 'SUCCEEDED_WITH_ERRORS',
    });
    if (status.kind === 'none') return [{ referenceStoreId: null, stream: null }];
    const jobStatus = status.kind === 'status' ? { jobStatus: status.status } : {};
    const stream = listStream(env.plan, {
      provider: 'TENCENT_COS_BATCH',
      id: `cos:${at}:${account.uin}`,
      newestFirst: false,
      maxPageSize: COS_LIST_MAX_RESULTS,
      ...(status.kind === 'status' ? { readFilter: `jobStatuses=${status.status}` } : {}),
      read: (token, size, subject) =>
        page(env.call, account, { region: at, maxResults: size, token, subject, ...jobStatus }),
    });
    return [{ referenceStoreId: null, stream }];
  },
};

/**
 * Watching through ListJobs, unfiltered at 1000 jobs a page (the account's jobs in a region, one
 * status a call is all `jobStatuses` takes): the summary carries Status and the ProgressSummary
 * task counts. Not `statusMessage`, which the describe record takes from StatusUpdateReason, the
 * first FailureReason or SuspendedCause: each is written with a Status change (the reason of the
 * last status update; a job failure; a suspension), so the Status shows that change too. Not
 * `ProgressSummary.AutoManifestStatus` either (the emulator's list omits it; Tencent documents no
 * list of the summary's members): a change of it alone is seen at the job's next change.
 */
export const COSBATCH_WATCH: ProviderWatch<'TENCENT_COS_BATCH'> = {
  signature(record) {
    const p = (record as { progressSummary?: Record<string, unknown> | null }).progressSummary;
    return JSON.stringify([
      record.state ?? null,
      record.providerStatus ?? null,
      p?.numberOfTasksFailed ?? null,
      p?.numberOfTasksSucceeded ?? null,
      p?.totalNumberOfTasks ?? null,
    ]);
  },
  sourceOf: (key, config) =>
    accountByUin(config, key.uin) ? `cos:${key.region}:${key.uin}` : null,
  page(call, config, { region, uin }, token, subject) {
    const account = accountByUin(config, uin);
    if (!account)
      throw new TypeError(`no COS APPID for UIN ${uin}: sourceOf says it is not listed`);
    return page(call, account, { region, maxResults: COS_LIST_MAX_RESULTS, token, subject });
  },
};
