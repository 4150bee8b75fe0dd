import {
  Kind,
  execute,
  getOperationAST,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';

/**
 * Fields whose value is not a function of the event, the document, the caller's scopes and the
 * gateway's configuration: `Job.liveBy` reads the event queues' health at the moment it runs
 * (docs/events.md), so a result that selects it is never handed to another subscriber.
 */
const MOMENT_FIELDS: ReadonlySet<string> = new Set(['liveBy']);

/**
 * Fields whose results are never shared between subscriptions: `Subscription.jobLogs` carries a
 * job's own log lines (docs/logs.md), which each subscriber executes for itself, so no line ever
 * reaches another caller through a shared result.
 */
const OWN_RESULT_FIELDS: ReadonlySet<string> = new Set(['jobLogs']);

/** What an event's execution reads of a subscription's context (hub.ts's WatchContext). */
interface SharingContext {
  config?: object;
  identity?: { authenticated: boolean; scopes: ReadonlySet<string> };
}

/** A number per object (schema, document, configuration), so a key can name it without holding it. */
const ids = new WeakMap<object, number>();
let lastId = 0;
function idOf(object: object): number {
  let id = ids.get(object);
  if (id === undefined) ids.set(object, (id = ++lastId));
  return id;
}

/** Whether any field of `document` (fragments included) is a moment's value (MOMENT_FIELDS). */
const momentary = new WeakMap<DocumentNode, boolean>();
function readsTheMoment(document: DocumentNode): boolean {
  let found = momentary.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (MOMENT_FIELDS.has(node.name.value) || OWN_RESULT_FIELDS.has(node.name.value))
        found = true;
    },
  });
  momentary.set(document, found);
  return found;
}

/**
 * The key under which subscriptions share an event's execution, or null when this one executes
 * its own. Two subscriptions with the same key compute the same result for the same event: the
 * same schema and event document (documents are shared by text: ValidDocuments, `eventDocument`),
 * operation, variables that document uses, configuration (`Job.account`, `Job.accountAlias`), and
 * what the SDL's auth rules read of the caller (authenticated, scopes: auth/directives.ts's
 * `evaluate`). Made once per subscription.
 */
export function shareKey(args: ExecutionArgs): string | null {
  const context = args.contextValue as SharingContext | undefined;
  const { config, identity } = context ?? {};
  if (!config || !identity || readsTheMoment(args.document)) return null;
  const variables: Record<string, unknown> = {};
  for (const v of getOperationAST(args.document, args.operationName)?.variableDefinitions ?? [])
    variables[v.variable.name.value] = args.variableValues?.[v.variable.name.value];
  const scopes = [...identity.scopes].sort().join(' ');
  return JSON.stringify([
    idOf(args.schema),
    idOf(args.document),
    idOf(config),
    args.operationName ?? null,
    variables,
    identity.authenticated,
    scopes,
  ]);
}

/**
 * Results of events' executions by event (the read schedules' shared record, held weakly: an entry
 * goes with the record it was made from) and share key. A job watched by many subscriptions of one
 * operation and caller kind is executed once per change instead of once per subscriber: each
 * graphql-js execution allocates (docs/performance.md, "Issue 60: churn, the young generation").
 * Only a synchronous result without errors is kept: an error is formatted and logged per
 * subscriber, and a result is never changed after it is made (the transports format a copy).
 */
const results = new WeakMap<object, Map<string, ExecutionResult>>();

/**
 * Results kept per event, at most: a job watched for days by subscriptions of many texts or
 * callers' scopes would otherwise keep one for each; past it, later keys execute for themselves.
 */
export const MAX_RESULTS_PER_EVENT = 16;

/** `execute(args)` for the event `payload`, or the result another subscription with the same `key` had for it. */
export function executeShared(
  args: ExecutionArgs,
  payload: unknown,
  key: string | null,
): ReturnType<typeof execute> {
  // An event is a record (shared by the read schedules) or an Error (each subscriber's own answer).
  const event =
    key !== null && typeof payload === 'object' && !(payload instanceof Error) ? payload : null;
  const byKey = event ? results.get(event) : undefined;
  const kept = key !== null ? byKey?.get(key) : undefined;
  if (kept) return kept;
  const result = execute({ ...args, rootValue: payload });
  if (!event || key === null || result instanceof Promise || result.errors) return result;
  if (!byKey) results.set(event, new Map([[key, result]]));
  else if (byKey.size < MAX_RESULTS_PER_EVENT) byKey.set(key, result);
  return result;
}
