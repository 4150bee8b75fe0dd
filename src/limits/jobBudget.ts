import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  OperationTypeNode,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { Config } from '../config/index.ts';
import { listSourceCount, planDefaults, planList } from '../datasources/listing/plan.ts';
import type { JobListFilter, ListGrant } from '../datasources/listing/types.ts';
import { BadUserInputError } from '../errors.ts';
import {
  formatGlobalId,
  parseGlobalId,
  type AccountAliasOf,
  type JobKey,
} from '../model/globalId.ts';
import { representationKey, ROOT_FIELD_KEYS } from '../model/jobKeys.ts';
import { JOB_ID_LIST_ARGUMENTS, overlongListArgument } from './listArguments.ts';
import { rootFieldNodes } from './rootFields.ts';

export type BudgetConfig = Pick<
  Config,
  'limits' | 'awsRegion' | 'tencent' | 'listing' | 'awsAccounts'
>;
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

/**
 * The refusal when the `listJobs` fields of one request need more list sources read upstream
 * (cold: no shared snapshot serves them) than `limits.maxListSourcesPerRequest`, all fields
 * together; told when the next read would be one too many (coldSources.ts). `snapshotSeconds`
 * (JOBGRAPH_LIST_SNAPSHOT_SECONDS) says whether listing again is served from what was read.
 */
export class ListSourcesBudgetError extends BadUserInputError {
  constructor(max: number, snapshotSeconds: number, extensions: Record<string, unknown> = {}) {
    const next =
      snapshotSeconds > 0
        ? `The sources it read are kept for ${snapshotSeconds} s (JOBGRAPH_LIST_SNAPSHOT_SECONDS): list again within that time and they are served from there, or name fewer providers, accounts, regions or reference stores in the filter.`
        : 'Name fewer providers, accounts, regions or reference stores in the filter (no source is kept: JOBGRAPH_LIST_SNAPSHOT_SECONDS is 0).';
    super(
      `This request needs more than ${max} list sources read upstream (provider × account × region × kind of job or HealthOmics reference store that no shared snapshot serves, all its listJobs fields together); at most ${max} are read per request (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST). ${next}`,
      extensions,
    );
  }
}

/**
 * Most list sources the `listJobs` fields of one request may plan, served from snapshots or not:
 * the largest JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST. Every planned source is looked up and merged
 * on every page even when a snapshot serves it, so a plan past this is refused before execution.
 */
const MAX_PLANNED_LIST_SOURCES = 1000;

/** The refusal, before execution, of a request planning more than MAX_PLANNED_LIST_SOURCES sources. */
export class PlannedSourcesError extends BadUserInputError {
  constructor(found: number, extensions: Record<string, unknown> = {}) {
    super(
      `This request lists ${found} sources (provider × account × region × kind of job or HealthOmics reference store, all its listJobs fields together, whether snapshots serve them or not); at most ${MAX_PLANNED_LIST_SOURCES} are planned per request, whatever JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST is. Name fewer providers, accounts, regions or reference stores in the filter.`,
      extensions,
    );
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A job ARN's account, counted: one alias per account ID (`a` + the ID fits the alias grammar), so
 * ARNs of distinct accounts are distinct jobs. Whether the caller reads the account is the
 * resolver's to say; the count only needs it not to merge two accounts' jobs. An ARN and the
 * global ID of the same job count twice, erring on the side of the limit.
 */
const countedAccount: AccountAliasOf = (_provider, accountId) => `a${accountId}`;
const parseCounted = (id: unknown) => parseGlobalId(str(id), 'id', countedAccount);

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
  job: (a) => [() => parseCounted(a.id)],
  // More IDs than JOBGRAPH_MAX_JOB_IDS fail the whole field before any load.
  jobs: (a, config) => {
    const ids = Array.isArray(a.ids) ? a.ids : [];
    return ids.length > config.limits.maxJobIds ? [] : ids.map((id) => () => parseCounted(id));
  },
  // Each provider's own root field: the key the resolver loads (model/jobKeys.ts).
  ...Object.fromEntries(
    [...ROOT_FIELD_KEYS].map(([name, keyOf]) => [
      name,
      (a: Args, c: BudgetConfig) => [() => keyOf(a, c)],
    ]),
  ),
  // The actions on jobs (docs/actions.md): each job is read before it is acted on.
  cancelJob: (a) => [() => parseCounted(a.id)],
  terminateJob: (a) => [() => parseCounted(a.id)],
  cancelJobs: (a, config) => {
    const ids = Array.isArray(a.ids) ? a.ids : [];
    return ids.length > config.limits.maxJobIds ? [] : ids.map((id) => () => parseCounted(id));
  },
  rerunJob: (a) => [() => parseCounted(a.id)],
  rerunJobs: (a, config) => {
    const ids = Array.isArray(a.ids) ? a.ids : [];
    return ids.length > config.limits.maxJobIds ? [] : ids.map((id) => () => parseCounted(id));
  },
  // Subscription.jobUpdates: every distinct well-formed ID is one watched job.
  jobUpdates: (a) =>
    (Array.isArray(a.ids) ? a.ids : []).map((id: unknown) => () => parseCounted(id)),
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
 * The root fields an operation would run, each with its arguments coerced with the variables:
 * the root selection set with fragments followed, aliases counted as the fields they are,
 * `@skip`/`@include` applied; a field whose arguments do not coerce is left out (it fails before
 * its resolver runs). Returns null when the variables do not coerce: execution then fails before
 * any resolver runs.
 */
function rootFieldArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
): { name: string; args: Args }[] | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return [];
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const included = (node: SelectionNode): boolean =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  const fields = rootFieldNodes(document, operation, included);

  const rootFields = root.getFields();
  return fields.flatMap((node) => {
    const definition = rootFields[node.name.value];
    if (!definition) return [];
    try {
      return [{ name: node.name.value, args: getArgumentValues(definition, node, variables) }];
    } catch {
      return []; // the field fails on its arguments before its resolver runs
    }
  });
}

/** The distinct loader keys (global ID strings) the root fields would load; null as for rootFieldArguments. */
export function distinctJobKeys(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  config: BudgetConfig,
): Set<string> | null {
  const fields = rootFieldArguments(schema, document, operation, rawVariables);
  if (!fields) return null;
  const keys = new Set<string>();
  for (const { name, args } of fields) {
    const keysOf = ROOT_FIELD_JOB_KEYS[name];
    if (!keysOf) continue;
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

/** `listJobs`' filter argument without the nulls GraphQL passes for fields given as null. */
export function listFilterOf(input: unknown): JobListFilter {
  const filter: Record<string, unknown> = {};
  if (input && typeof input === 'object')
    for (const [name, value] of Object.entries(input)) if (value != null) filter[name] = value;
  return filter;
}

/** Refused here only to be counted as nothing: the resolver refuses it again, audited. */
const uncounted = () => new Error('refused');

/**
 * The list sources the `listJobs` fields of an operation read together, known before any call
 * (see `listSourceCount`), of the accounts `grant` reads (default: every account); a field whose
 * filter is refused counts none (it fails before listing).
 */
export function listSourcesAsked(
  fields: readonly { name: string; args: Args }[],
  config: BudgetConfig,
  grant?: ListGrant,
): number {
  const defaults = planDefaults(config);
  const access = grant ? { grant, refuse: uncounted } : undefined;
  let count = 0;
  for (const { name, args } of fields) {
    if (name !== 'listJobs') continue;
    try {
      const plan = planList(listFilterOf(args.filter), defaults, access);
      count += listSourceCount(plan, config.listing.omicsReferenceStores);
    } catch {
      // BAD_USER_INPUT from the resolver, before any upstream call.
    }
  }
  return count;
}

/** Root fields that may load more than one job (a list argument); every other one loads at most one. */
const MANY_JOB_FIELDS = new Set([...Object.keys(JOB_ID_LIST_ARGUMENTS), '_entities']);

/**
 * A cheap upper bound on the distinct jobs an operation can load, without its variables: the
 * root fields that load a job (at most one each, `@skip`/`@include` ignored), or Infinity when a
 * field takes a list of them. When it is within the budget, the exact count need not be made.
 */
export function jobFieldsBound(document: DocumentNode, operation: OperationDefinitionNode): number {
  return boundOf(rootFieldNodes(document, operation));
}

/** `jobFieldsBound` of an operation's root fields. */
function boundOf(fields: readonly FieldNode[]): number {
  let count = 0;
  for (const field of fields) {
    if (MANY_JOB_FIELDS.has(field.name.value)) return Infinity;
    if (Object.hasOwn(ROOT_FIELD_JOB_KEYS, field.name.value)) count += 1;
  }
  return count;
}

/** What the budgets can tell from an operation's document alone. */
interface OperationShape {
  /** `jobFieldsBound`. */
  bound: number;
  /** Whether it is a query with a `listJobs` field: only then are list sources planned. */
  lists: boolean;
}

// Keyed by the parsed operation, which Apollo keeps one of per query text (its document store):
// a query asked again is not walked again.
const shapes = new WeakMap<OperationDefinitionNode, OperationShape>();

/** The operation's shape, found once per operation node. */
function operationShape(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationShape {
  let shape = shapes.get(operation);
  if (!shape) {
    const fields = rootFieldNodes(document, operation);
    shape = {
      bound: boundOf(fields),
      lists:
        operation.operation === OperationTypeNode.QUERY &&
        fields.some((f) => f.name.value === 'listJobs'),
    };
    shapes.set(operation, shape);
  }
  return shape;
}

/**
 * What an operation asks beyond its budgets, decided from its document and raw variables before
 * any resolver runs (so before any upstream call), on every transport: a list argument over its
 * cap however it is given (listArguments.ts), more planned list sources than
 * MAX_PLANNED_LIST_SOURCES (which of them are cold is known only as they are read: the request
 * context counts those), more distinct jobs than `limits.maxJobsPerRequest`. Null when within
 * them all.
 */
export function requestBudgetRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  config: BudgetConfig,
  grant?: ListGrant,
): BadUserInputError | null {
  const overlong = overlongListArgument(document, operation, rawVariables, config);
  if (overlong) return overlong;
  const { bound, lists } = operationShape(document, operation);
  const max = config.limits.maxJobsPerRequest;
  // Without a listJobs field no source is planned, and the bound settles the job budget: the
  // variables need not be coerced (the common request, a few jobs by ID).
  if (!lists && bound <= max) return null;
  const fields = rootFieldArguments(schema, document, operation, rawVariables);
  if (!fields) return null;
  const sources = lists ? listSourcesAsked(fields, config, grant) : 0;
  if (sources > MAX_PLANNED_LIST_SOURCES) return new PlannedSourcesError(sources);
  if (bound <= max) return null;
  const keys = distinctJobKeys(schema, document, operation, rawVariables, config);
  return keys && keys.size > max ? new JobBudgetError(max, keys.size) : null;
}

/** The caller's accounts, where the request's context carries its identity. */
function grantOf(context: BaseContext): ListGrant | undefined {
  const identity = (context as { identity?: { accounts?: ListGrant } }).identity;
  return identity?.accounts;
}

/**
 * The request's budgets, checked once its operation and variables are known, before any resolver
 * runs, so before any upstream call (`requestBudgetRefusal`): HTTP 400, BAD_USER_INPUT, naming
 * the limit's variable. One budget of distinct upstream jobs per request across all root fields,
 * aliases and `_entities` representations (JOBGRAPH_MAX_JOBS_PER_REQUEST, default 100); at most
 * MAX_PLANNED_LIST_SOURCES list sources planned across all `listJobs` fields; every list argument
 * capped however it is given.
 *
 * The request context enforces the job budget again as it loads (defence in depth, and the
 * counts only known then: Import/Export lookups under a `states` filter), and the bound on cold
 * list sources (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST, default 40) as the lister starts reads:
 * only then is it known which sources a shared snapshot serves.
 */
export function jobBudgetPlugin(config: BudgetConfig): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const refusal = requestBudgetRefusal(
            schema,
            document,
            operation,
            request.variables,
            config,
            grantOf(contextValue),
          );
          if (refusal) {
            refusal.extensions.http = { status: 400 };
            throw refusal;
          }
        },
      };
    },
  };
}
