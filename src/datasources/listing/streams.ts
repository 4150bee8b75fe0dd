import { BadUserInputError, UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { inTimeRange, stateAsked } from './filter.ts';
import { PageLimitError, type MergeStream, type StreamPage } from './merge.ts';
import type { ListPlan } from './types.ts';
import type { Listed } from './summaries.ts';
import type { JobListSourceState } from './types.ts';

/**
 * The pieces every provider's list streams are made of (each provider's listing.ts builds its
 * own with them): a stream of upstream pages as the merge reads it, and a failed source as its
 * report shows it.
 */

/**
 * Codes with which the providers refuse a page token they did not make or no longer accept, at
 * HTTP 400: AWS JSON `ValidationException` (Panorama, HealthOmics: "invalid or expired
 * nextToken"), COS `InvalidArgument`, Import/Export `InvalidParameterException` (a Marker that
 * names no job).
 */
const REFUSED_TOKEN_CODES: ReadonlySet<string> = new Set([
  'ValidationException',
  'InvalidArgument',
  'InvalidParameterException',
]);

/** The client's error for a refused token from its cursor; other failures are the source's. */
function cursorTokenRefused(provider: JobProvider, err: unknown): BadUserInputError | null {
  if (
    !(err instanceof UpstreamError) ||
    err.httpStatus !== 400 ||
    err.upstreamCode === null ||
    !REFUSED_TOKEN_CODES.has(err.upstreamCode)
  )
    return null;
  return new BadUserInputError(
    `The position of argument "after" at ${PROVIDER_LABEL[provider]} has expired or is no longer valid there; list again without \`after\`.`,
    { argument: 'after' },
  );
}

/** Whether a job with a known (or UNKNOWN) state passes the plan. */
function passes(plan: ListPlan, item: Listed): boolean {
  return inTimeRange(plan, item.createdMs) && stateAsked(plan, item.job.state ?? 'UNKNOWN');
}

export const present = <T>(value: T | null): value is T => value !== null;

/** One list stream as a provider describes it. */
export interface StreamSpec {
  provider: JobProvider;
  /** Names the stream in cursors (`panorama:us-east-1`); never changes for a source. */
  id: string;
  /** See MergeStream: read page by page, its position kept in cursors. */
  newestFirst: boolean;
  maxPageSize: number;
  /** One page from `token` of at most `size` items; `subject` is the stream's, for the breaker. */
  read(token: string | null, size: number, subject: string): Promise<StreamPage<Listed>>;
  /** The items that pass the filter (default: the plan's time bounds and states). */
  select?: (items: Listed[]) => Promise<Listed[]>;
  complete?: MergeStream<Listed>['complete'];
  /**
   * What the provider itself filters by in `read` (`status=FAILED`, `after=…`), as a canonical
   * string; none when it reads the whole source. A stream read whole is kept as a snapshot under
   * its `id` and this (see `ListStream.snapshot`); a stream read page by page keeps its pages
   * under them (`ListStream.pages`).
   */
  readFilter?: string;
}

/** Where a stream read whole is kept (listing/snapshots.ts): never a caller, never a secret. */
export interface SnapshotKeys {
  provider: JobProvider;
  /** The stream's id, then `?` and the provider-side filter when there is one. */
  key: string;
  /** The stream's id: the unfiltered snapshot, which serves a filtered read as well. */
  base: string;
}

/**
 * A provider's list stream: one not read page by page says where its snapshot is kept, one read
 * page by page where its pages are (snapshotStream.ts `pagedStream`).
 */
export type ListStream = MergeStream<Listed> & {
  readonly snapshot?: SnapshotKeys;
  readonly pages?: SnapshotKeys;
};

/**
 * A provider's list stream as the merge reads it: a page token from a client's cursor that the
 * provider refuses is the client's BAD_USER_INPUT naming `after`; by default the items that pass
 * the plan's time bounds and states are kept.
 */
export function listStream(plan: ListPlan, spec: StreamSpec): ListStream {
  const keys: SnapshotKeys = {
    provider: spec.provider,
    key: spec.readFilter ? `${spec.id}?${spec.readFilter}` : spec.id,
    base: spec.id,
  };
  return {
    ...(spec.newestFirst ? { pages: keys } : { snapshot: keys }),
    id: spec.id,
    newestFirst: spec.newestFirst,
    maxPageSize: spec.maxPageSize,
    async readPage(token, size, fromCursor) {
      try {
        return await spec.read(token, size, `list:${spec.id}`);
      } catch (err) {
        throw (fromCursor ? cursorTokenRefused(spec.provider, err) : null) ?? err;
      }
    },
    select: spec.select ?? ((items) => Promise.resolve(items.filter((i) => passes(plan, i)))),
    ...(spec.complete ? { complete: spec.complete } : {}),
  };
}

/**
 * The failure of a source as its report shows it: PROVIDER_NOT_CONFIGURED is NOT_CONFIGURED, the
 * rest FAILED.
 */
export function failedReport(err: unknown): { state: JobListSourceState; code: string } {
  if (err instanceof UpstreamError)
    return {
      state: err.code === 'PROVIDER_NOT_CONFIGURED' ? 'NOT_CONFIGURED' : 'FAILED',
      code: err.code,
    };
  if (err instanceof PageLimitError) return { state: 'FAILED', code: 'UPSTREAM_UNAVAILABLE' };
  return { state: 'FAILED', code: 'INTERNAL_SERVER_ERROR' };
}
