import type { RequestContext } from '../context.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import { checkArgument, parseGlobalId, type JobKey } from '../globalId.ts';
import type { JobRecord } from '../model.ts';

type Args<T> = (source: unknown, args: T, context: RequestContext) => Promise<JobRecord | null> | Promise<(JobRecord | Error)[]>;

const job: Args<{ id: string }> = (_s, { id }, ctx) => ctx.loadJob(parseGlobalId(id, 'id'));

/** Every ID is checked before any upstream call; one bad ID fails the field, naming its index. */
const jobs: Args<{ ids: string[] }> = async (_s, { ids }, ctx) => {
  const max = ctx.config.limits.maxJobIds;
  if (ids.length > max) {
    throw new BadUserInputError(`Argument "ids" takes at most ${max} IDs; got ${ids.length}.`, { argument: 'ids' });
  }
  const keys: JobKey[] = ids.map((id, i) => parseGlobalId(id, `ids[${i}]`));
  return Promise.all(keys.map((key) => ctx.loadJob(key).catch((err: Error) => err)));
};

const region = (ctx: RequestContext, value: string | null | undefined) =>
  checkArgument('region', value ?? ctx.config.awsRegion, 'awsRegion');

const panoramaPackageImportJob: Args<{ jobId: string; region?: string | null }> = (_s, a, ctx) =>
  ctx.loadJob({ provider: 'AWS_PANORAMA', region: region(ctx, a.region), jobId: checkArgument('jobId', a.jobId, 'panoramaJobId') });

const omicsReferenceImportJob: Args<{ referenceStoreId: string; id: string; region?: string | null }> = (_s, a, ctx) =>
  ctx.loadJob({
    provider: 'AWS_OMICS',
    region: region(ctx, a.region),
    referenceStoreId: checkArgument('referenceStoreId', a.referenceStoreId, 'omicsId'),
    id: checkArgument('id', a.id, 'omicsId'),
  });

const cosBatchJob: Args<{ jobId: string; region?: string | null }> = (_s, a, ctx) => {
  const uin = ctx.config.tencent.uin;
  const key = {
    provider: 'TENCENT_COS_BATCH' as const,
    region: checkArgument('region', a.region ?? ctx.config.tencent.region, 'cosRegion'),
    jobId: checkArgument('jobId', a.jobId, 'cosJobId'),
  };
  if (!uin) {
    throw new JobgraphError('PROVIDER_NOT_CONFIGURED', 'cosBatchJob needs the COS account UIN (COS_UIN); or ask job(id: "cos:{region}:{uin}:{jobId}").', {
      provider: 'TENCENT_COS_BATCH',
    });
  }
  return ctx.loadJob({ ...key, uin });
};

const importExportJob: Args<{ jobId: string }> = (_s, a, ctx) =>
  ctx.loadJob({ provider: 'AWS_IMPORT_EXPORT', jobId: checkArgument('jobId', a.jobId, 'importExportJobId') });

const codePipelineJob: Args<{ jobId: string; region?: string | null }> = (_s, a, ctx) =>
  ctx.loadJob({ provider: 'AWS_CODEPIPELINE', region: region(ctx, a.region), jobId: checkArgument('jobId', a.jobId, 'codePipelineJobId') });

/** Root fields: validate arguments, build a loader key, load. No wire format here. */
export const Query = { job, jobs, panoramaPackageImportJob, omicsReferenceImportJob, cosBatchJob, importExportJob, codePipelineJob };
