import type { JobState } from '../../model/job.ts';
import { statusFilter } from '../listing/filter.ts';
import type { MergeStream } from '../listing/merge.ts';
import { present, type StreamSpec } from '../listing/streams.ts';
import type { Listed } from '../listing/summaries.ts';
import type { ListPage } from '../shared/paging.ts';
import { awsAlias } from '../shared/accounts.ts';
import type { ListEnv, ListSource } from '../shared/provider.ts';
import type { Operation } from '../shared/source.ts';
import type { WorkflowsStatusListCall } from './workflows.ts';

/**
 * What a region's workflow list stream (ListRuns, ListBatch) shares: read whole (HealthOmics
 * documents no order of its lists) by `op` with the service-side status filter, as `readFilter`
 * names it, each item a row by `row` (null: left out).
 */
export function workflowsStatusStream<S extends string, T>(
  env: ListEnv,
  op: Operation<WorkflowsStatusListCall<S>, ListPage<T>>,
  where: { region: string; account: string | undefined; status: S | undefined },
  row: (item: T) => Listed | null,
): Pick<StreamSpec, 'provider' | 'newestFirst' | 'readFilter' | 'read'> {
  const { region, account, status } = where;
  return {
    provider: 'AWS_OMICS',
    newestFirst: false,
    readFilter: status === undefined ? '' : `status=${status}`,
    async read(token, size, subject) {
      const input: WorkflowsStatusListCall<S> = {
        region,
        maxResults: size,
        nextToken: token,
        ...(status === undefined ? {} : { status }),
      };
      const page = await env.call(op, input, { breakerRegion: region, subject, account });
      return {
        items: page.items.map(row).filter(present),
        next: page.nextToken,
      };
    },
  };
}

/**
 * A workflow kind's sources in a region (runs, run batches): none when the caller names reference
 * stores (theirs are import jobs only); else one stream for the caller's account, sent the one
 * status the asked states come to (`table`), or none at all (LISTED without a call) when no status
 * of the kind can match.
 */
export function workflowsSources<S extends string>(
  env: ListEnv,
  table: Readonly<Record<string, JobState>>,
  stream: (account: string | undefined, status: S | undefined) => MergeStream<Listed>,
): ListSource[] {
  if (env.plan.omicsReferenceStoreIds) return [];
  const status = statusFilter(env.plan, table);
  const listed =
    status.kind === 'none'
      ? null
      : stream(awsAlias(env.account), status.kind === 'status' ? (status.status as S) : undefined);
  return [{ referenceStoreId: null, stream: listed }];
}
