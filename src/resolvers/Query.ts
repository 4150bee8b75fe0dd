import { GraphQLError, locatedError, responsePathAsArray, type FieldNode, type GraphQLErrorExtensions, type GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../context.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import { buildKey, checkArgument, parseGlobalId, type JobKey } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';

type Args<T> = (source: unknown, args: T, context: RequestContext, info: GraphQLResolveInfo) => Promise<JobRecord | null> | Promise<(JobRecord | Error)[]>;

const job: Args<{ id: string }> = (_s, { id }, ctx) => ctx.loadJob(parseGlobalId(id, 'id'));

/**
 * The located error graphql-js's `locatedError` makes of a failed list item — a GraphQLError with
 * the item's path, its field's locations and the original error — made without GraphQLError's
 * constructor. That constructor costs ≈ 7 µs per error here: an Error's construction, locations
 * worked out from the source again, and `Object.defineProperties`, which leaves every error a
 * slow dictionary-mode object for the formatting, scrubbing and serialising after it. A 100-job
 * query of unknown IDs made 100 of them. An instance is `instanceof GraphQLError`; it has the
 * same enumerable own properties (message, path, locations, extensions); `nodes`, `source`,
 * `positions`, `originalError`, `name` and `stack` read as a GraphQLError's do, from the field's
 * one real GraphQLError (made once per field node list) and the original error; `toJSON` and
 * `toString` are GraphQLError's own. graphql-js and Apollo Server keep an error that has a path
 * as it is (`locatedError`) or read it through those properties (`enrichError`).
 */
class LocatedItemError {
  // In a GraphQLError's order.
  message: string;
  path: (string | number)[];
  locations: GraphQLError['locations'];
  extensions: GraphQLErrorExtensions;
  readonly #field: GraphQLError;
  readonly #original: Error;
  constructor(original: Error, field: GraphQLError, path: (string | number)[]) {
    const extensions = (original as { extensions?: unknown }).extensions;
    this.message = original.message;
    this.path = path;
    this.locations = field.locations;
    this.extensions =
      extensions !== null && typeof extensions === 'object' ? (extensions as GraphQLErrorExtensions) : (Object.create(null) as GraphQLErrorExtensions);
    this.#field = field;
    this.#original = original;
  }
  get name(): string {
    return 'GraphQLError';
  }
  get nodes(): GraphQLError['nodes'] {
    return this.#field.nodes;
  }
  get source(): GraphQLError['source'] {
    return this.#field.source;
  }
  get positions(): GraphQLError['positions'] {
    return this.#field.positions;
  }
  get originalError(): Error {
    return this.#original;
  }
  get stack(): string | undefined {
    return this.#original.stack;
  }
}
Object.setPrototypeOf(LocatedItemError.prototype, GraphQLError.prototype);

/** Each list field's nodes, source, positions and locations, as one GraphQLError made once. */
const fieldErrors = new WeakMap<readonly FieldNode[], GraphQLError>();

function locatedItemError(err: Error, info: GraphQLResolveInfo, index: number): Error {
  const path = [...responsePathAsArray(info.path), index];
  // A GraphQLError keeps its own nodes and source, and an error with a path is kept whole: graphql-js's way.
  if (err instanceof GraphQLError || Array.isArray((err as { path?: unknown }).path)) return locatedError(err, info.fieldNodes, path);
  let field = fieldErrors.get(info.fieldNodes);
  if (!field) {
    field = new GraphQLError('', { nodes: info.fieldNodes });
    fieldErrors.set(info.fieldNodes, field);
  }
  return new LocatedItemError(err, field, path) as unknown as GraphQLError;
}

/**
 * Every ID is checked before any upstream call. Too many IDs fail the field; a malformed ID
 * is that item's `null` with its own BAD_USER_INPUT naming `ids[i]`, and is never loaded.
 */
const jobs: Args<{ ids: string[] }> = async (_s, { ids }, ctx, info) => {
  const max = ctx.config.limits.maxJobIds;
  if (ids.length > max) {
    throw new BadUserInputError(`Argument "ids" takes at most ${max} IDs; got ${ids.length}.`, { argument: 'ids' });
  }
  const keys: (JobKey | Error)[] = ids.map((id, i) => {
    try {
      return parseGlobalId(id, `ids[${i}]`);
    } catch (err) {
      return err as Error;
    }
  });
  return Promise.all(
    keys.map((key, i) =>
      key instanceof Error ? Promise.resolve(locatedItemError(key, info, i)) : ctx.loadJob(key).catch((err: Error) => locatedItemError(err, info, i)),
    ),
  );
};

const region = (ctx: RequestContext, value: string | null | undefined) => value ?? ctx.config.awsRegion;
/** Root-field arguments carry the key parts' own names, so errors name them directly. */
const load = (ctx: RequestContext, provider: JobProvider, values: string[]) => ctx.loadJob(buildKey(provider, values, (part) => part));

const panoramaPackageImportJob: Args<{ jobId: string; region?: string | null }> = async (_s, a, ctx) =>
  load(ctx, 'AWS_PANORAMA', [region(ctx, a.region), a.jobId]);

const omicsReferenceImportJob: Args<{ referenceStoreId: string; id: string; region?: string | null }> = async (_s, a, ctx) =>
  load(ctx, 'AWS_OMICS', [region(ctx, a.region), a.referenceStoreId, a.id]);

const cosBatchJob: Args<{ jobId: string; region?: string | null }> = async (_s, a, ctx) => {
  const cosRegion = a.region ?? ctx.config.tencent.region;
  const uin = ctx.config.tencent.uin;
  if (!uin) {
    // Arguments are still checked first, so a bad jobId is BAD_USER_INPUT whatever the config.
    checkArgument('region', cosRegion, 'cosRegion');
    checkArgument('jobId', a.jobId, 'cosJobId');
    throw new JobgraphError('PROVIDER_NOT_CONFIGURED', 'cosBatchJob needs the COS account UIN (COS_UIN); or ask job(id: "cos:{region}:{uin}:{jobId}").', {
      provider: 'TENCENT_COS_BATCH',
    });
  }
  return load(ctx, 'TENCENT_COS_BATCH', [cosRegion, uin, a.jobId]);
};

const importExportJob: Args<{ jobId: string }> = async (_s, a, ctx) => load(ctx, 'AWS_IMPORT_EXPORT', [a.jobId]);

const codePipelineJob: Args<{ jobId: string; region?: string | null }> = async (_s, a, ctx) => load(ctx, 'AWS_CODEPIPELINE', [region(ctx, a.region), a.jobId]);

/** Root fields: validate arguments, build a loader key, load. No wire format here. */
export const Query = { job, jobs, panoramaPackageImportJob, omicsReferenceImportJob, cosBatchJob, importExportJob, codePipelineJob };
