import type { Config } from '../../config/index.ts';
import type { JobProvider } from '../../model/job.ts';
import { fetchJobShared, type GuardedSource } from '../guard/loader.ts';
import type { Sources } from '../index.ts';
import { accountOf, PROVIDERS } from '../registry.ts';
import { failureFiltered } from './failureFilter.ts';
import type { ListEnv, ListSource } from '../shared/provider.ts';
import { SourceNotRead, type ColdSources } from './coldSources.ts';
import { guardedCall, isProviderSource, type ListCallContext } from './guardedCall.ts';
import type { MergeStream } from './merge.ts';
import { accountsOf, regionsOf, type ListPlan } from './plan.ts';
import { callContextOf, pagedStream, snapshotStream } from './snapshotStream.ts';
import type { ListSnapshots } from './snapshots.ts';
import type { ListStream } from './streams.ts';
import type { Listed } from './summaries.ts';
import type {
  JobListSourceState,
  ListAccess,
  ListBudget,
  ListedJob,
  ListedReads,
} from './types.ts';

/** One source of a page: where it lists, and the stream to merge, or why there is none. */
export interface SourceEntry {
  provider: JobProvider;
  /** The account's alias; `default` for the default account. */
  account: string;
  region: string | null;
  referenceStoreId: string | null;
  /** The AWS Batch job queue listed; null for the other providers. */
  jobQueue: string | null;
  /** Absent when the source is not called: see `state`. */
  stream?: MergeStream<Listed>;
  /** The source's state when it has no stream (LISTED: its filter leaves nothing to list). */
  state?: JobListSourceState;
  code?: string | null;
}

/** What the sources of one page share. */
export interface PageEnv {
  sources: Sources;
  config: Config;
  plan: ListPlan;
  ctx: ListCallContext;
  /** The request's budgets (list sources, looked-up jobs); none: unbounded. */
  budget?: ListBudget | undefined;
  /** The page's share of the request's cold sources (coldSources.ts): asked before each read starts. */
  cold: ColdSources;
  /** The gateway's snapshots of the sources read whole. */
  snapshots: ListSnapshots;
  /** The caller's accounts; none: every account. */
  access?: ListAccess | undefined;
  /** The request's loaders as the page's own describe reads meet them; none: not told. */
  reads?: ListedReads | undefined;
}

/** The alias of a listed job's own account (the provider's `accountAlias` of its key: a map lookup at most). */
const listedAccountOf = (config: Config, job: ListedJob): string => accountOf(config, job.key);

/**
 * `stream` with only the rows the caller may read, each decided by its own account — never by
 * the source or snapshot it came from, so a snapshot shared by every caller serves each only its
 * own accounts' rows. Taken out before the stream's `select`, so no lookup is made for them.
 */
function readableRows(env: PageEnv, stream: MergeStream<Listed>): MergeStream<Listed> {
  const grant = env.access?.grant;
  if (!grant || grant.all) return stream;
  const { config } = env;
  const readable = (item: Listed) =>
    grant.permits(item.job.provider, listedAccountOf(config, item.job));
  return { ...stream, select: (items) => stream.select(items.filter(readable)) };
}

/**
 * What `provider`'s list code gets for the page in `account`: its own guarded calls and describe
 * lookups.
 */
function listEnv(env: PageEnv, provider: JobProvider, account: string): ListEnv {
  const guarded = env.sources[provider] as GuardedSource;
  return {
    plan: env.plan,
    account,
    config: env.config,
    budget: env.budget,
    reads: env.reads,
    // A call of a snapshot read runs in the read's context, not in the page that started it.
    call: (operation, input, where) =>
      guardedCall(guarded, operation, input, where, callContextOf(env.ctx)),
    // A describe call, under the page's caller, signal and deadline, never one of its list calls.
    read: (operation, input, where) =>
      guardedCall(guarded, operation, input, where, { ...env.ctx, calls: 0 }),
    // A value not at hand is an upstream read of this request's: it counts as a cold source.
    remember: (key, read) =>
      env.snapshots.remembers(key) || env.cold.admit()
        ? env.snapshots.remember(key, read)
        : Promise.reject(new SourceNotRead(key)),
    lookUp(job) {
      const access = env.access;
      if (access && !access.grant.all) {
        const alias = listedAccountOf(env.config, job);
        if (!access.grant.permits(job.provider, alias)) throw access.refuse(job.provider, alias);
      }
      // A lookup is a describe call: it counts in the request's job budget like any other.
      env.budget?.job(job.id);
      return fetchJobShared(guarded, job.key as never, env.ctx.caller);
    },
  };
}

/**
 * A provider's source as the page reports it: no stream (its filter leaves nothing to list) is
 * LISTED without a call; a source that cannot run its list operation is NOT_LISTABLE; a source
 * read whole is merged from its snapshot, one read page by page from its shared pages
 * (snapshotStream.ts).
 */
function entry(
  env: PageEnv,
  where: Pick<SourceEntry, 'provider' | 'account' | 'region'>,
  source: ListSource,
  listable: boolean,
): SourceEntry {
  const at = {
    ...where,
    referenceStoreId: source.referenceStoreId,
    jobQueue: source.jobQueue ?? null,
  };
  if (!('stream' in source)) return { ...at, state: source.state, code: source.code };
  if (source.stream === null) return { ...at, state: 'LISTED', code: null };
  if (!listable) return { ...at, state: 'NOT_LISTABLE', code: null };
  const stream: ListStream = source.stream;
  const { snapshots, ctx, cold } = env;
  const budgetMs = env.config.resilience.upstreamBudgetMs;
  const pageEnv = { snapshots, ctx, budgetMs, admit: () => cold.admit() };
  const read = stream.snapshot
    ? snapshotStream(stream, stream.snapshot, pageEnv)
    : pagedStream(
        stream,
        stream.pages ?? { provider: where.provider, key: stream.id, base: stream.id },
        pageEnv,
      );
  const own = listEnv(env, where.provider, where.account);
  const filtered = failureFiltered(readableRows(env, read), env.plan.failureCategories, (job) =>
    own.lookUp(job),
  );
  return { ...at, stream: filtered };
}

/**
 * Every source of the plan, in provider order (the registry's), then account (the default one
 * first), then region, then what the provider lists a region by (HealthOmics: reference store).
 * A provider without a list (CodePipeline: its only job listing, PollForJobs, claims work) is
 * NOT_LISTABLE in each of its accounts and regions and never called. A source counts against
 * the request's bound on cold sources (`env.cold`) only where a read of it starts: when no
 * snapshot serves it (snapshotStream.ts), when the first page it reads is not kept (Import/Export,
 * AWS Batch's queues: `pagedStream`), when a region's reference stores or job queues must be
 * looked up (HealthOmics' ListReferenceStores, AWS Batch's DescribeJobQueues).
 */
export async function planSources(env: PageEnv): Promise<SourceEntry[]> {
  const { plan, sources } = env;
  const asked = PROVIDERS.filter((p) => plan.providers.includes(p.name));
  const entries = asked.flatMap((provider) => {
    const list = provider.list;
    const listable = isProviderSource(sources[provider.name].source);
    return accountsOf(plan, provider).flatMap((account) => {
      const envOf = list ? listEnv(env, provider.name, account) : null;
      return regionsOf(plan, provider).map(async (region): Promise<SourceEntry[]> => {
        const where = { provider: provider.name, account, region };
        if (!list || !envOf)
          return [
            { ...where, referenceStoreId: null, jobQueue: null, state: 'NOT_LISTABLE', code: null },
          ];
        const found = await list.sources(envOf, region);
        return found.map((source) => entry(env, where, source, listable));
      });
    });
  });
  return (await Promise.all(entries)).flat();
}
