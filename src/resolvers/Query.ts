import type { RequestContext } from '../context.ts';
import { JobgraphError } from '../errors.ts';
import { ListArgumentTooLongError } from '../limits/listArguments.ts';
import { buildKey, checkArgument, parseGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import { listJobs } from './JobConnection.ts';

type Args<T> = (
  source: unknown,
  args: T,
  context: RequestContext,
) => Promise<JobRecord | null> | Promise<(JobRecord | Error)[]>;

const job: Args<{ id: string }> = (_s, { id }, ctx) => ctx.loadJob(parseGlobalId(id, 'id'));

/**
 * Every ID is checked before any upstream call. Too many IDs fail the field; a malformed ID
 * is that item's `null` with its own BAD_USER_INPUT naming `ids[i]`, and is never loaded.
 */
const jobs: Args<{ ids: string[] }> = async (_s, { ids }, ctx) => {
  const max = ctx.config.limits.maxJobIds;
  // Refused before execution already (limits/listArguments.ts); kept for a path that skips it.
  if (ids.length > max)
    throw new ListArgumentTooLongError(
      'jobs',
      'ids',
      { max, variable: 'JOBGRAPH_MAX_JOB_IDS' },
      ids.length,
    );
  const keys: (JobKey | Error)[] = ids.map((id, i) => {
    try {
      return parseGlobalId(id, `ids[${i}]`);
    } catch (err) {
      return err as Error;
    }
  });
  // A failed item is an Error in the list: graphql-js makes it that item's null and its located
  // error (`locatedError`: the item's path, the field's nodes, the original error).
  return Promise.all(
    keys.map((key) =>
      key instanceof Error ? Promise.resolve(key) : ctx.loadJob(key).catch((err: Error) => err),
    ),
  );
};

const region = (ctx: RequestContext, value: string | null | undefined) =>
  value ?? ctx.config.awsRegion;
/** Root-field arguments carry the key parts' own names, so errors name them directly. */
const load = (ctx: RequestContext, provider: JobProvider, values: string[]) =>
  ctx.loadJob(buildKey(provider, values, (part) => part));

const panoramaPackageImportJob: Args<{ jobId: string; region?: string | null }> = async (
  _s,
  a,
  ctx,
) => load(ctx, 'AWS_PANORAMA', [region(ctx, a.region), a.jobId]);

const omicsReferenceImportJob: Args<{
  referenceStoreId: string;
  id: string;
  region?: string | null;
}> = async (_s, a, ctx) =>
  load(ctx, 'AWS_OMICS', [region(ctx, a.region), a.referenceStoreId, a.id]);

const cosBatchJob: Args<{ jobId: string; region?: string | null }> = async (_s, a, ctx) => {
  const cosRegion = a.region ?? ctx.config.tencent.region;
  const uin = ctx.config.tencent.uin;
  if (!uin) {
    // Arguments are still checked first, so a bad jobId is BAD_USER_INPUT whatever the config.
    checkArgument('region', cosRegion, 'cosRegion');
    checkArgument('jobId', a.jobId, 'cosJobId');
    throw new JobgraphError(
      'PROVIDER_NOT_CONFIGURED',
      'cosBatchJob needs the COS account UIN (COS_UIN); or ask job(id: "cos:{region}:{uin}:{jobId}").',
      {
        provider: 'TENCENT_COS_BATCH',
      },
    );
  }
  return load(ctx, 'TENCENT_COS_BATCH', [cosRegion, uin, a.jobId]);
};

const importExportJob: Args<{ jobId: string }> = async (_s, a, ctx) =>
  load(ctx, 'AWS_IMPORT_EXPORT', [a.jobId]);

const codePipelineJob: Args<{ jobId: string; region?: string | null }> = async (_s, a, ctx) =>
  load(ctx, 'AWS_CODEPIPELINE', [region(ctx, a.region), a.jobId]);

/** Root fields: validate arguments, build a loader key, load. No wire format here. */
export const Query = {
  job,
  jobs,
  panoramaPackageImportJob,
  omicsReferenceImportJob,
  cosBatchJob,
  importExportJob,
  codePipelineJob,
  listJobs,
};
