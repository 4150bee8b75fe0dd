import type { Config } from '../../config.ts';
import { BadUserInputError, UpstreamError } from '../../errors.ts';
import { PATTERNS, type ImportExportKey } from '../../model/globalId.ts';
import type { JobProvider, JobState } from '../../model/job.ts';
import { COS_LIST_MAX_RESULTS, cosListOperation, type CosListCall } from '../cosbatch/list.ts';
import { COSBATCH_STATE_MAP } from '../cosbatch/record.ts';
import { fetchJobShared } from '../guard/loader.ts';
import { IMPORTEXPORT_LIST, IMPORTEXPORT_LIST_MAX_JOBS } from '../importexport/list.ts';
import { IMPORTEXPORT_STATE_MAP } from '../importexport/record.ts';
import type { Sources } from '../index.ts';
import {
  OMICS_LIST_JOBS,
  OMICS_LIST_MAX_RESULTS,
  OMICS_LIST_STORES,
  type OmicsListCall,
  type OmicsListPage,
  type OmicsReferenceStore,
} from '../omics/list.ts';
import { OMICS_STATE_MAP, type OmicsReferenceImportJobStatus } from '../omics/record.ts';
import { PANORAMA_LIST, PANORAMA_LIST_MAX_RESULTS } from '../panorama/list.ts';
import { PANORAMA_STATE_MAP } from '../panorama/record.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { guardedCall, isProviderSource, type ListCallContext } from './guardedCall.ts';
import {
  MAX_PAGES_PER_STREAM,
  PageLimitError,
  type MergeStream,
  type StreamPage,
} from './merge.ts';
import { inTimeRange, listSourceCount, stateAsked, statusFilter, type ListPlan } from './plan.ts';
import {
  cosListed,
  importExportListed,
  omicsListed,
  panoramaListed,
  stateFields,
  type Listed,
} from './summaries.ts';
import type { JobListSourceState, ListBudget } from './types.ts';

/** One source of a page: where it lists, and the stream to merge, or why there is none. */
export interface SourceEntry {
  provider: JobProvider;
  region: string | null;
  referenceStoreId: string | null;
  /** Absent when the source is not called: see `state`. */
  stream?: MergeStream<Listed>;
  /** The source's state when it has no stream (LISTED: its filter leaves nothing to list). */
  state?: JobListSourceState;
  code?: string | null;
}

/** What the streams of one page share. */
export interface StreamEnv {
  sources: Sources;
  config: Config;
  plan: ListPlan;
  ctx: ListCallContext;
  /** The request's budgets (list sources, looked-up jobs); none: unbounded. */
  budget?: ListBudget | undefined;
}

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

const present = <T>(value: T | null): value is T => value !== null;

/** What one list page asks: its size, the previous page's token, the fair-share subject. */
interface PageAsk {
  size: number;
  token: string | null;
  subject: string;
}

/** One Panorama ListPackageImportJobs page of a region, as listed jobs (listJobs' streams and the watch pollers). */
export async function panoramaPage(
  sources: Sources,
  ctx: ListCallContext,
  region: string,
  { size, token, subject }: PageAsk,
): Promise<StreamPage<Listed>> {
  const page = await guardedCall(
    sources.AWS_PANORAMA,
    PANORAMA_LIST,
    { region, maxResults: size, nextToken: token },
    { breakerRegion: region, subject },
    ctx,
  );
  return {
    items: page.items.map((s) => panoramaListed(region, s)).filter(present),
    next: page.nextToken,
  };
}

/** One COS Batch ListJobs page of an account in a region, as listed jobs (listJobs' streams and the watch pollers). */
export async function cosPage(
  sources: Sources,
  ctx: ListCallContext,
  operation: ReturnType<typeof cosListOperation>,
  region: string,
  uin: string,
  { size, token, subject, jobStatus }: PageAsk & { jobStatus?: string },
): Promise<StreamPage<Listed>> {
  const input: CosListCall = {
    region,
    uin,
    maxResults: size,
    nextToken: token,
    ...(jobStatus !== undefined ? { jobStatus } : {}),
  };
  const page = await guardedCall(
    sources.TENCENT_COS_BATCH,
    operation,
    input,
    { breakerRegion: region, subject },
    ctx,
  );
  return {
    items: page.items.map((s) => cosListed(region, uin, s)).filter(present),
    next: page.nextToken,
  };
}

interface StreamSpec {
  provider: JobProvider;
  id: string;
  newestFirst: boolean;
  maxPageSize: number;
  read(token: string | null, size: number, subject: string): Promise<StreamPage<Listed>>;
  select?: (items: Listed[]) => Promise<Listed[]>;
  complete?: MergeStream<Listed>['complete'];
  resumeAfter?: MergeStream<Listed>['resumeAfter'];
}

function stream(env: StreamEnv, spec: StreamSpec): MergeStream<Listed> {
  return {
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
    select: spec.select ?? ((items) => Promise.resolve(items.filter((i) => passes(env.plan, i)))),
    ...(spec.complete ? { complete: spec.complete } : {}),
    ...(spec.resumeAfter ? { resumeAfter: spec.resumeAfter } : {}),
  };
}

function panoramaStream(env: StreamEnv, region: string): MergeStream<Listed> | null {
  if (statusFilter(env.plan, PANORAMA_STATE_MAP).kind === 'none') return null;
  return stream(env, {
    provider: 'AWS_PANORAMA',
    id: `panorama:${region}`,
    newestFirst: false,
    maxPageSize: PANORAMA_LIST_MAX_RESULTS,
    read: (token, size, subject) =>
      panoramaPage(env.sources, env.ctx, region, { size, token, subject }),
  });
}

function omicsStream(
  env: StreamEnv,
  region: string,
  referenceStoreId: string,
): MergeStream<Listed> | null {
  const { plan } = env;
  const status = statusFilter(plan, OMICS_STATE_MAP);
  if (status.kind === 'none') return null;
  // HealthOmics filters server-side: one status per call, and the creation-time bounds (re-checked here).
  const filter: NonNullable<OmicsListCall['filter']> = {
    ...(status.kind === 'status' ? { status: status.status as OmicsReferenceImportJobStatus } : {}),
    ...(plan.createdAfterMs !== null ? { createdAfter: new Date(plan.createdAfterMs) } : {}),
    ...(plan.createdBeforeMs !== null ? { createdBefore: new Date(plan.createdBeforeMs) } : {}),
  };
  return stream(env, {
    provider: 'AWS_OMICS',
    id: `omics:${region}:${referenceStoreId}`,
    newestFirst: false,
    maxPageSize: OMICS_LIST_MAX_RESULTS,
    async read(token, size, subject) {
      const page = await guardedCall(
        env.sources.AWS_OMICS,
        OMICS_LIST_JOBS,
        { region, referenceStoreId, maxResults: size, nextToken: token, filter },
        { breakerRegion: region, subject },
        env.ctx,
      );
      return {
        items: page.items.map((s) => omicsListed(region, referenceStoreId, s)).filter(present),
        next: page.nextToken,
      };
    },
  });
}

function cosStream(
  env: StreamEnv,
  region: string,
  uin: string,
  appId: string,
): MergeStream<Listed> | null {
  const status = statusFilter(env.plan, COSBATCH_STATE_MAP, { Complete: 'SUCCEEDED_WITH_ERRORS' });
  if (status.kind === 'none') return null;
  const operation = cosListOperation(appId);
  return stream(env, {
    provider: 'TENCENT_COS_BATCH',
    id: `cos:${region}:${uin}`,
    newestFirst: false,
    maxPageSize: COS_LIST_MAX_RESULTS,
    read: (token, size, subject) =>
      cosPage(env.sources, env.ctx, operation, region, uin, {
        size,
        token,
        subject,
        // One status per request (`jobStatuses`); COS filters, the merge re-checks.
        ...(status.kind === 'status' ? { jobStatus: status.status } : {}),
      }),
  });
}

/**
 * Import/Export documents its order (newest first), so its stream is read page by page and its
 * position kept in cursors. Its summaries carry no status (only IsCanceled): under a `states`
 * filter, a job the summary cannot decide is looked up through the describe path when it is
 * about to be merged (`fetchJobShared`: the cross-request cache, calls shared with other
 * requests, the caller's fair share; describe calls, not counted in `upstreamCalls`), and one
 * that is gone by then is left out.
 */
function importExportStream(env: StreamEnv): MergeStream<Listed> | null {
  const { plan, sources, ctx } = env;
  if (statusFilter(plan, IMPORTEXPORT_STATE_MAP).kind === 'none') return null;
  const states = plan.states;
  // IsCanceled false says "not CANCELLED", which decides a filter asking for nothing else.
  const onlyCancelled = states !== null && [...states].every((s) => s === 'CANCELLED');
  const lookUp = async (item: Listed): Promise<Listed | null> => {
    let state: JobState;
    // A lookup is a describe call: it counts in the request's job budget like any other.
    env.budget?.job(item.job.id);
    try {
      const key = item.job.key as ImportExportKey;
      state = (await fetchJobShared(sources.AWS_IMPORT_EXPORT, key, ctx.caller)).state;
    } catch (err) {
      if (err instanceof UpstreamError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
    if (states !== null && !states.has(state)) return null;
    const summary = { ...item.job.summary, ...stateFields(state) };
    return { ...item, job: { ...item.job, state, summary } };
  };
  return stream(env, {
    provider: 'AWS_IMPORT_EXPORT',
    id: 'importexport',
    newestFirst: true,
    maxPageSize: IMPORTEXPORT_LIST_MAX_JOBS,
    // "Marker: the JOBID to start after" (ListJobs).
    resumeAfter: ({ job: { key } }) => {
      if (key.provider !== 'AWS_IMPORT_EXPORT') throw new Error('not an Import/Export job');
      return key.jobId;
    },
    async read(token, size, subject) {
      const page = await guardedCall(
        sources.AWS_IMPORT_EXPORT,
        IMPORTEXPORT_LIST,
        { maxJobs: size, marker: token },
        { breakerRegion: 'global', subject },
        ctx,
      );
      return { items: page.items.map(importExportListed).filter(present), next: page.nextToken };
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
}

/** A region's reference stores (every page of ListReferenceStores), sorted; IDs outside the documented pattern left out. */
async function referenceStores(env: StreamEnv, region: string): Promise<string[]> {
  const ids = new Set<string>();
  let token: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES_PER_STREAM) throw new PageLimitError(MAX_PAGES_PER_STREAM);
    const page: OmicsListPage<OmicsReferenceStore> = await guardedCall(
      env.sources.AWS_OMICS,
      OMICS_LIST_STORES,
      { region, maxResults: OMICS_LIST_MAX_RESULTS, nextToken: token },
      { breakerRegion: region, subject: `list:omics:${region}` },
      env.ctx,
    );
    for (const store of page.items) if (PATTERNS.omicsId.re.test(store.id)) ids.add(store.id);
    token = page.nextToken;
    if (token === null) return [...ids].sort();
  }
}

/** The failure of a source as its report shows it: PROVIDER_NOT_CONFIGURED is NOT_CONFIGURED, the rest FAILED. */
export function failedReport(err: unknown): { state: JobListSourceState; code: string } {
  if (err instanceof UpstreamError)
    return {
      state: err.code === 'PROVIDER_NOT_CONFIGURED' ? 'NOT_CONFIGURED' : 'FAILED',
      code: err.code,
    };
  if (err instanceof PageLimitError) return { state: 'FAILED', code: 'UPSTREAM_UNAVAILABLE' };
  return { state: 'FAILED', code: 'INTERNAL_SERVER_ERROR' };
}

/**
 * Every source of the plan, in provider order (JOB_PROVIDERS), then region, then reference
 * store. HealthOmics lists per reference store: the filter's, else JOBGRAPH_OMICS_REFERENCE_STORES,
 * else each region's from ListReferenceStores (those calls count toward the page; a region whose
 * stores cannot be listed is one FAILED source without a store, and one without stores a LISTED
 * one). COS Batch is NOT_CONFIGURED without an account UIN, credentials or APPID; CodePipeline is
 * NOT_LISTABLE (its only job listing, PollForJobs, claims work) and never called.
 */
export async function planSources(env: StreamEnv): Promise<SourceEntry[]> {
  const { plan, config, sources } = env;
  // Counted before any call; a region's stores found by ListReferenceStores are counted when found.
  env.budget?.sources(listSourceCount(plan, config.listing.omicsReferenceStores));
  const entries: (SourceEntry | Promise<SourceEntry[]>)[] = [];
  const listing = (provider: JobProvider, stream: MergeStream<Listed> | null) =>
    stream === null
      ? { state: 'LISTED' as const, code: null }
      : isProviderSource(sources[provider].source)
        ? { stream }
        : { state: 'NOT_LISTABLE' as const, code: null };
  for (const provider of plan.providers) {
    switch (provider) {
      case 'AWS_PANORAMA':
        for (const region of plan.awsRegions)
          entries.push({
            provider,
            region,
            referenceStoreId: null,
            ...listing(provider, panoramaStream(env, region)),
          });
        break;
      case 'AWS_OMICS':
        for (const region of plan.awsRegions) {
          const known = plan.omicsReferenceStoreIds ?? config.listing.omicsReferenceStores;
          // No HealthOmics status matches the asked states: no store need be looked for.
          const none = statusFilter(plan, OMICS_STATE_MAP).kind === 'none';
          const stores = known
            ? Promise.resolve([...known])
            : none
              ? Promise.resolve([])
              : referenceStores(env, region);
          entries.push(
            stores.then(
              (ids): SourceEntry[] => {
                if (!known && ids.length > 1) env.budget?.sources(ids.length - 1);
                return ids.length === 0
                  ? [{ provider, region, referenceStoreId: null, state: 'LISTED', code: null }]
                  : ids.map((referenceStoreId) => ({
                      provider,
                      region,
                      referenceStoreId,
                      ...listing(provider, omicsStream(env, region, referenceStoreId)),
                    }));
              },
              (err: unknown): SourceEntry[] => {
                if (err instanceof BadUserInputError) throw err;
                return [{ provider, region, referenceStoreId: null, ...failedReport(err) }];
              },
            ),
          );
        }
        break;
      case 'TENCENT_COS_BATCH': {
        const { uin, appId, credentials } = config.tencent;
        for (const region of plan.cosRegions)
          entries.push({
            provider,
            region,
            referenceStoreId: null,
            ...(uin && appId && credentials
              ? listing(provider, cosStream(env, region, uin, appId))
              : { state: 'NOT_CONFIGURED' as const, code: 'PROVIDER_NOT_CONFIGURED' }),
          });
        break;
      }
      case 'AWS_IMPORT_EXPORT':
        entries.push({
          provider,
          region: null,
          referenceStoreId: null,
          ...listing(provider, importExportStream(env)),
        });
        break;
      case 'AWS_CODEPIPELINE':
        for (const region of plan.awsRegions)
          entries.push({
            provider,
            region,
            referenceStoreId: null,
            state: 'NOT_LISTABLE',
            code: null,
          });
        break;
    }
  }
  return (
    await Promise.all(entries.map((e) => (e instanceof Promise ? e : Promise.resolve([e]))))
  ).flat();
}
