import { UpstreamError } from '../../../errors.ts';
import type { OmicsRunKey } from '../../../model/keys.ts';
import { PATTERNS } from '../../../config/patterns.ts';
import { stateAsked } from '../../listing/filter.ts';
import type { MergeStream } from '../../listing/merge.ts';
import { listStream } from '../../listing/streams.ts';
import { stateFields, type Listed } from '../../listing/summaries.ts';
import { accountLabel } from '../../shared/accounts.ts';
import type { ListEnv, ListSource } from '../../shared/provider.ts';
import { workflowsSources, workflowsStatusStream } from '../workflowsListing.ts';
import {
  OMICS_GET_LISTED_RUN,
  OMICS_LIST_RUNS,
  OMICS_RUN_LIST_MAX_RESULTS,
  type OmicsRunSummary,
} from './list.ts';
import { OMICS_RUN_STATE_MAP, type OmicsRunRecord, type OmicsRunStatus } from './record.ts';

/**
 * A ListRuns item as a row still to be read: an item names no `uuid`, so no global ID, and the
 * row is no job until GetRun names it (`readRuns`). Its `id` places it in the merged order and in
 * cursors for good, the read row too (`omicsrun:{region}:listed:{runId}`, the account's alias
 * after `omicsrun` as a source's): never a global ID, never shown. A run ID outside the documented
 * pattern cannot be read: left out.
 */
function unreadRow(region: string, s: OmicsRunSummary, account?: string): Listed | null {
  if (!PATTERNS.omicsRunId.re.test(s.runId)) return null;
  const id = `omicsrun${accountLabel(account)}:${region}:listed:${s.runId}`;
  const key = { provider: 'AWS_OMICS', kind: 'run', region, uuid: '', runId: s.runId } as const;
  const createdAt = s.createdAt.toISOString();
  return {
    createdMs: s.createdAt.getTime(),
    id,
    job: {
      key: account === undefined ? key : { ...key, account },
      id,
      provider: 'AWS_OMICS',
      createdAt,
      state: s.state,
      summary: {
        id,
        provider: 'AWS_OMICS',
        kind: 'run',
        ...stateFields(s.state),
        nativeId: s.runId,
        region,
        createdAt,
        providerStatus: s.upstreamStatus,
      },
    },
  };
}

/**
 * The unread rows of `items`, each read by GetRun through the provider's pipeline (its fair
 * share, circuit breaker, rate budget and retries), counted first in the request's job budget;
 * each record told to the request (`ListEnv.reads`: the job-state store, the request's loader).
 * The row becomes that record, in its place. A row is dropped (null) when GetRun no longer finds
 * the run (ResourceNotFoundException: deleted since ListRuns listed it), when the ID now names a
 * run created at another time (HealthOmics gave a deleted run's ID to a later run, which ListRuns
 * lists by its own item), or when the run has since left the filter's states. Any other failure
 * fails the source, as a failed list call does.
 */
async function readRuns(
  env: ListEnv,
  region: string,
  account: string | undefined,
  items: Listed[],
): Promise<(Listed | null)[]> {
  const read = async (item: Listed): Promise<Listed | null> => {
    env.budget?.job(item.id);
    const sentAt = env.reads?.now() ?? Date.now();
    const runId = (item.job.key as OmicsRunKey).runId;
    let record: OmicsRunRecord;
    try {
      record = await env.read(
        OMICS_GET_LISTED_RUN,
        { region, runId, ...(account !== undefined ? { account } : {}) },
        { breakerRegion: region, subject: `list:${streamId(region, account)}`, account },
      );
    } catch (err) {
      if (err instanceof UpstreamError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
    env.reads?.read(record, sentAt);
    if (record.createdAt === null || Date.parse(record.createdAt) !== item.createdMs) return null;
    if (!stateAsked(env.plan, record.state ?? 'UNKNOWN')) return null;
    const key: OmicsRunKey = { ...(item.job.key as OmicsRunKey), uuid: record.uuid };
    return {
      createdMs: item.createdMs,
      id: item.id,
      job: {
        key,
        id: record.id,
        provider: 'AWS_OMICS',
        createdAt: record.createdAt,
        state: record.state,
        summary: record,
      },
      record,
    };
  };
  return Promise.all(items.map(read));
}

/** The stream's ID in cursors and snapshot keys: `omicsrun:us-east-1`, `omicsrun@staging:…`. */
const streamId = (region: string, account: string | undefined) =>
  `omicsrun${accountLabel(account)}:${region}`;

/** The region's runs by ListRuns, read whole (HealthOmics documents no order of its list). */
function runStream(
  env: ListEnv,
  account: string | undefined,
  region: string,
  status: OmicsRunStatus | undefined,
): MergeStream<Listed> {
  return listStream(env.plan, {
    id: streamId(region, account),
    maxPageSize: OMICS_RUN_LIST_MAX_RESULTS,
    ...workflowsStatusStream(env, OMICS_LIST_RUNS, { region, account, status }, (s) =>
      unreadRow(region, s, account),
    ),
    // Selected by the listed time and status (listStream's default), then read when about to be
    // merged, at most as many as the page still needs (merge.ts): a page
    // of `first` rows reads about `first` runs, never a whole ListRuns page beyond them.
    complete: {
      needs: (item) => item.record === undefined,
      run: (items) => readRuns(env, region, account, items),
    },
  });
}

/**
 * `listJobs`' workflow run source of a region (beside its run batches' and reference stores'):
 * ListRuns, filtered by HealthOmics when one run status matches the asked states, each row read
 * by GetRun as it is about to be shown. None when the filter names reference stores
 * (`omicsReferenceStoreIds`: only those are listed), and a source with no stream (LISTED without
 * a call) when no run status can match.
 */
export function runSources(env: ListEnv, region: string): ListSource[] {
  return workflowsSources<OmicsRunStatus>(env, OMICS_RUN_STATE_MAP, (account, status) =>
    runStream(env, account, region, status),
  );
}
