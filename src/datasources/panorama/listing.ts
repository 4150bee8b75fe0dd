import { statusFilter } from '../listing/filter.ts';
import type { StreamPage } from '../listing/merge.ts';
import { listStream, present } from '../listing/streams.ts';
import { isoOrNull, listed, pageOnce, type Listed } from '../listing/summaries.ts';
import { tableStatus } from '../../model/job.ts';
import { accountLabel, awsAlias } from '../shared/accounts.ts';
import type { ListCall, ProviderList, ProviderWatch } from '../shared/provider.ts';
import { PANORAMA_KEY } from './key.ts';
import { PANORAMA_LIST, PANORAMA_LIST_MAX_RESULTS, type PanoramaJobSummary } from './list.ts';
import { PANORAMA_STATE_MAP, type PanoramaPackageImportJobRecord } from './record.ts';

/** A ListPackageImportJobs summary as a listed job, its fields as the describe record has them. */
function panoramaListed(region: string, s: PanoramaJobSummary, account?: string): Listed | null {
  const fields: Partial<PanoramaPackageImportJobRecord> = {
    name: null,
    providerStatus: s.upstreamStatus,
    statusMessage: s.statusMessage,
    jobId: s.jobId,
    jobType: s.jobType,
    createdTime: s.createdAt.toISOString(),
    lastUpdatedTime: isoOrNull(s.updatedAt),
    status: tableStatus(PANORAMA_STATE_MAP, s.upstreamStatus),
  };
  const key = { provider: 'AWS_PANORAMA', region, jobId: s.jobId } as const;
  return listed(PANORAMA_KEY, key, s, fields, account);
}

/**
 * One ListPackageImportJobs page of a region in the account aliased `account` (undefined: the
 * default one), as listed jobs (listJobs' streams and the watches' read schedules).
 */
async function page(
  call: ListCall,
  account: string | undefined,
  region: string,
  size: number,
  token: string | null,
  subject: string,
): Promise<StreamPage<Listed>> {
  const answer = await call(
    PANORAMA_LIST,
    { region, maxResults: size, nextToken: token },
    { breakerRegion: region, subject, account },
  );
  return pageOnce(answer, () => ({
    items: answer.items.map((s) => panoramaListed(region, s, account)).filter(present),
    next: answer.nextToken,
  }));
}

/**
 * listJobs: one source an account and region, read whole (Panorama documents no order of its
 * list).
 */
export const PANORAMA_LISTING: ProviderList = {
  sources(env, region) {
    const at = region as string;
    const account = awsAlias(env.account);
    if (statusFilter(env.plan, PANORAMA_STATE_MAP).kind === 'none')
      return [{ referenceStoreId: null, stream: null }];
    const stream = listStream(env.plan, {
      provider: 'AWS_PANORAMA',
      id: `panorama${accountLabel(account)}:${at}`,
      newestFirst: false,
      maxPageSize: PANORAMA_LIST_MAX_RESULTS,
      read: (token, size, subject) => page(env.call, account, at, size, token, subject),
    });
    return [{ referenceStoreId: null, stream }];
  },
};

/**
 * Watching through ListPackageImportJobs: Status and StatusMessage are all Panorama's
 * `changeSignature` compares (it reports no progress). Its list comes 25 jobs a page in no
 * documented order, and a pass reads every page (its list is then the source's snapshot, shared
 * with listJobs), so a pass costs as many calls as the list has pages: the list-watch group lists
 * only where a pass is expected to cost fewer calls than the describes it spares (the demo's 65
 * jobs are three pages).
 */
export const PANORAMA_WATCH: ProviderWatch<'AWS_PANORAMA'> = {
  signature: (record) =>
    JSON.stringify([
      record.state ?? null,
      record.providerStatus ?? null,
      record.statusMessage ?? null,
    ]),
  sourceOf: (key) => `panorama${accountLabel(key.account)}:${key.region}`,
  page: (call, _config, key, token, subject) =>
    page(call, key.account, key.region, PANORAMA_LIST_MAX_RESULTS, token, subject),
};
