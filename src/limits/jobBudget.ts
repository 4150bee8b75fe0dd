import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Config } from '../config.ts';
import { BadUserInputError } from '../errors.ts';
import { buildKey, formatGlobalId, parseGlobalId, type JobKey } from '../model/globalId.ts';
import { representationKey } from '../model/jobKeys.ts';

export type BudgetConfig = Pick<Config, 'limits' | 'awsRegion' | 'tencent'>;
type Args = Record<string, unknown>;

/**
 * The refusal when a request asks for more distinct jobs than `limits.maxJobsPerRequest`;
 * `found` is null when counted while loading (the total is not known then). `extensions` may
 * carry `http` for Apollo when the whole request is refused.
 */
export class JobBudgetError extends BadUserInputError {
  constructor(max: number, found: number | null, extensions: Record<string, unknown> = {}) {
    const asked = found === null ? `more than ${max} distinct jobs` : `${found} distinct jobs`;
    super(
      `This request asks for ${asked}; at most ${max} are allowed per request (JOBGRAPH_MAX_JOBS_PER_REQUEST).`,
      extensions,
    );
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const optional = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/**
 * For each root field that loads jobs, the loader keys its arguments would load, built as
 * src/resolvers/Query.ts and the reference resolvers build them. An item that would be
 * refused as malformed (BAD_USER_INPUT, never an upstream call) throws here and is not counted.
 * Root fields not listed load no job.
 */
export const ROOT_FIELD_JOB_KEYS: Record<
  string,
  (args: Args, config: BudgetConfig) => (() => JobKey)[]
> = {
  job: (a) => [() => parseGlobalId(str(a.id))],
  // More IDs than JOBGRAPH_MAX_JOB_IDS fail the whole field before any load.
  jobs: (a, config) => {
    const ids = Array.isArray(a.ids) ? a.ids : [];
    return ids.length > config.limits.maxJobIds
      ? []
      : ids.map((id) => () => parseGlobalId(str(id)));
  },
  panoramaPackageImportJob: (a, c) => [
    () => buildKey('AWS_PANORAMA', [optional(a.region, c.awsRegion), str(a.jobId)], (p) => p),
  ],
  omicsReferenceImportJob: (a, c) => [
    () =>
      buildKey(
        'AWS_OMICS',
        [optional(a.region, c.awsRegion), str(a.referenceStoreId), str(a.id)],
        (p) => p,
      ),
  ],
  cosBatchJob: (a, c) => {
    const uin = c.tencent.uin;
    return uin
      ? [
          () =>
            buildKey(
              'TENCENT_COS_BATCH',
              [optional(a.region, c.tencent.region), uin, str(a.jobId)],
              (p) => p,
            ),
        ]
      : [];
  },
  importExportJob: (a) => [() => buildKey('AWS_IMPORT_EXPORT', [str(a.jobId)], (p) => p)],
  codePipelineJob: (a, c) => [
    () => buildKey('AWS_CODEPIPELINE', [optional(a.region, c.awsRegion), str(a.jobId)], (p) => p),
  ],
  // Subscription.jobUpdates: every distinct well-formed ID is one watched job.
  jobUpdates: (a) =>
    (Array.isArray(a.ids) ? a.ids : []).map((id: unknown) => () => parseGlobalId(str(id))),
  _entities: (a) => {
    const reps = Array.isArray(a.representations) ? a.representations : [];
    return reps.map((rep: unknown) => () => keyOfRepresentation(rep));
  },
};

/** Only a plain object with a string `__typename` naming `Job` or a job type can load a job (the key as the reference resolvers build it). */
function keyOfRepresentation(rep: unknown): JobKey {
  if (typeof rep !== 'object' || rep === null || Array.isArray(rep))
    throw new TypeError('not an object');
  const typeName = (rep as { __typename?: unknown }).__typename;
  if (typeof typeName !== 'string') throw new TypeError('no type name');
  return representationKey(typeName, rep);
}

/**
 * The distinct loader keys (global ID strings) an operation would load, with its variables
 * resolved: the root selection set with fragments followed, aliases counted as the fields
 * they are, `@skip`/`@include` applied. Returns null when the variables or a field's
 * arguments do not coerce: execution then fails before any resolver runs.
 */
export function distinctJobKeys(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  config: BudgetConfig,
): Set<string> | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return new Set();
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const included = (node: SelectionNode): boolean =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;

  const fields: FieldNode[] = [];
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);

  const keys = new Set<string>();
  const rootFields = root.getFields();
  for (const node of fields) {
    const keysOf = ROOT_FIELD_JOB_KEYS[node.name.value];
    const definition = rootFields[node.name.value];
    if (!keysOf || !definition) continue;
    let args: Args;
    try {
      args = getArgumentValues(definition, node, variables);
    } catch {
      continue; // the field fails on its arguments before its resolver runs
    }
    for (const item of keysOf(args, config)) {
      try {
        keys.add(formatGlobalId(item()));
      } catch {
        // Malformed: that item is BAD_USER_INPUT and never reaches an upstream.
      }
    }
  }
  return keys;
}

/** Root fields that may load more than one job (a list argument); every other one loads at most one. */
const MANY_JOB_FIELDS = new Set(['jobs', '_entities']);

/**
 * A cheap upper bound on the distinct jobs an operation can load, without its variables: the
 * root fields that load a job (at most one each, `@skip`/`@include` ignored), or Infinity when a
 * field takes a list of them. When it is within the budget, the exact count need not be made.
 */
export function jobFieldsBound(document: DocumentNode, operation: OperationDefinitionNode): number {
  let count = 0;
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): boolean => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (MANY_JOB_FIELDS.has(selection.name.value)) return false;
        if (Object.hasOwn(ROOT_FIELD_JOB_KEYS, selection.name.value)) count += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!walk(selection.selectionSet)) return false;
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = document.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
        );
        if (fragment && !walk((fragment as FragmentDefinitionNode).selectionSet)) return false;
      }
    }
    return true;
  };
  return walk(operation.selectionSet) ? count : Infinity;
}

/**
 * One budget of distinct upstream jobs per request, across all root fields, aliases and
 * `_entities` representations (`limits.maxJobsPerRequest`, JOBGRAPH_MAX_JOBS_PER_REQUEST,
 * default 100): an operation over it is refused once its operation and variables are known,
 * before any resolver runs, so before any upstream call — HTTP 400, BAD_USER_INPUT, naming
 * the limit. `limits.maxJobIds` still caps one `jobs(ids:)` list on its own.
 *
 * The request context's `loadJob` enforces the same budget as it loads (defence in depth for
 * a path this count does not see).
 */
export function jobBudgetPlugin(config: BudgetConfig): ApolloServerPlugin<BaseContext> {
  const max = config.limits.maxJobsPerRequest;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation || jobFieldsBound(document, operation) <= max) return;
          const keys = distinctJobKeys(schema, document, operation, request.variables, config);
          if (keys && keys.size > max)
            throw new JobBudgetError(max, keys.size, { http: { status: 400 } });
        },
      };
    },
  };
}
