import { UpstreamError } from '../../errors.ts';
import type { JobState } from '../../model/job.ts';
import { inTimeRange, statusFilter } from '../listing/filter.ts';
import { listStream, present } from '../listing/streams.ts';
import { listed, stateFields, type Listed } from '../listing/summaries.ts';
import { accountLabel, awsAlias } from '../shared/accounts.ts';
import type { ProviderList } from '../shared/provider.ts';
import { IMPORTEXPORT_KEY } from './key.ts';
import {
  IMPORTEXPORT_LIST,
  IMPORTEXPORT_LIST_MAX_JOBS,
  type ImportExportJobSummary,
} from './list.ts';
import { IMPORTEXPORT_STATE_MAP, type ImportExportJobRecord } from './record.ts';

/**
 * A ListJobs member as a listed job, its fields as the describe record has them, and the
 * summary's `IsCanceled` (a `states` filter needs it: the summary has no status).
 */
function importExportListed(s: ImportExportJobSummary, account?: string): Listed | null {
  const fields: Partial<ImportExportJobRecord> = {
    name: null,
    jobId: s.jobId,
    jobType: s.jobType,
    creationDate: s.createdAt.toISOString(),
  };
  const key = { provider: 'AWS_IMPORT_EXPORT', jobId: s.jobId } as const;
  const header = { state: s.state, createdAt: s.createdAt, updatedAt: null, completedAt: null };
  const item = listed(IMPORTEXPORT_KEY, key, header, fields, account);
  return item && { ...item, isCanceled: s.isCanceled };
}

/**
 * listJobs: Import/Export documents its order (newest first), so its one stream an account (a
 * global service) is read page by page (its pages kept as the snapshots are: listing/
 * snapshotStream.ts `pagedStream`) and its position kept in cursors. Its summaries carry no status
 * (only IsCanceled): under a `states` filter, a job the summary cannot decide is looked up
 * through the describe path when it is about to be merged (`ListEnv.lookUp`: the cross-request
 * cache, calls shared with other requests, the caller's fair share, the request's job budget;
 * describe calls, not counted in `upstreamCalls`), and one that is gone by then is left out.
 */
export const IMPORTEXPORT_LISTING: ProviderList = {
  sources(env) {
    const { plan } = env;
    const account = awsAlias(env.account);
    if (statusFilter(plan, IMPORTEXPORT_STATE_MAP).kind === 'none')
      return [{ referenceStoreId: null, stream: null }];
    const states = plan.states;
    // IsCanceled false says "not CANCELLED", which decides a filter asking for nothing else.
    const onlyCancelled = states !== null && [...states].every((s) => s === 'CANCELLED');
    const lookUp = async (item: Listed): Promise<Listed | null> => {
      let state: JobState;
      try {
        state = (await env.lookUp(item.job)).state;
      } catch (err) {
        if (err instanceof UpstreamError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
      if (states !== null && !states.has(state)) return null;
      const summary = { ...item.job.summary, ...stateFields(state) };
      return { ...item, job: { ...item.job, state, summary } };
    };
    const stream = listStream(plan, {
      provider: 'AWS_IMPORT_EXPORT',
      id: `importexport${accountLabel(account)}`,
      newestFirst: true,
      maxPageSize: IMPORTEXPORT_LIST_MAX_JOBS,
      async read(token, size, subject) {
        const page = await env.call(
          IMPORTEXPORT_LIST,
          { maxJobs: size, marker: token },
          { breakerRegion: 'global', subject, account },
        );
        return {
          items: page.items.map((s) => importExportListed(s, account)).filter(present),
          next: page.nextToken,
        };
      },
      select: (items) =>
        Promise.resolve(
          items.filter((item) => {
            if (!inTimeRange(plan, item.createdMs)) return false;
            if (states === null) return true;
            if (item.job.state !== null) return states.has(item.job.state);
            return !(item.isCanceled === false && onlyCancelled);
          }),
        ),
      complete: {
        needs: (item) => states !== null && item.job.state === null,
        run: (items) => Promise.all(items.map(lookUp)),
      },
    });
    return [{ referenceStoreId: null, stream }];
  },
};
