import type { JobFailure } from '../model/failure.ts';
import { parseGlobalId } from '../model/globalId.ts';
import type { RequestContext } from '../context.ts';
import {
  JOB_TYPE_NAMES,
  keyFromRepresentation,
  kindFieldsOf,
  providerOfType,
  type JobRepresentation,
} from '../model/jobKeys.ts';
import type { JobRecord } from '../model/job.ts';
import { isListedNode } from './JobConnection.ts';

/**
 * The fields every provider's job type resolves alike, whatever its provider: the caller's
 * context (account, liveBy, actions) and a retained record's marks. Apart from concreteJobResolvers,
 * which adds what needs the provider (its key, its log field's name).
 */
const SHARED_FIELDS = {
  /** The account's ID, from the configuration and credentials, not from the provider's answer. */
  account(job: JobRecord, _args: unknown, context: RequestContext): string | null {
    return context.accountIdOf(job.id);
  },
  /** The account's alias (`default` for the default one), from the configuration. */
  accountAlias(job: JobRecord, _args: unknown, context: RequestContext): string {
    return context.accountAliasOf(job.id);
  },
  /** Events or polling, from the event queues' health now (docs/events.md). */
  liveBy(job: JobRecord, _args: unknown, context: RequestContext): 'EVENTS' | 'POLLING' {
    return context.liveByOf(job.id);
  },
  /** A remembered record's mark (the history store, once the provider forgot the job); a live answer has none. */
  async retained(job: JobRecord): Promise<boolean> {
    return (await recordField(job, 'retained')) === true;
  },
  /** The job's changes from the history store, batched per request, under the caller's grant. */
  async transitions(job: JobRecord, _args: unknown, context: RequestContext) {
    if (!context.history) return [];
    return (await context.history.transitionsOf(job.id)).map((t) => ({
      at: t.at,
      from: t.from,
      to: t.to,
      providerStatus: t.providerStatus,
      source: t.source,
      contradictedAt: t.contradictedAt,
    }));
  },
  /** What this caller may do to the job now (docs/actions.md). */
  async availableActions(
    job: JobRecord,
    _args: unknown,
    context: RequestContext,
  ): Promise<string[]> {
    // A listed node reads the fields its summary lacks through loaders (recordField).
    const [state, providerStatus, terminal] = await Promise.all([
      recordField(job, 'state'),
      recordField(job, 'providerStatus'),
      recordField(job, 'terminal'),
    ]);
    return context.availableActions({ ...job, state, providerStatus, terminal });
  },
  /** Why an AWS Batch job not yet started waits (docs/queues.md); null for any other job. */
  async waiting(job: JobRecord, _args: unknown, context: RequestContext) {
    if (!context.queues?.hasQueues(job.provider)) return null;
    // A job that is not waiting is answered from its state alone: a listed node's other fields
    // would be read through its loader (recordField), a describe call for nothing.
    if ((await recordField(job, 'state')) !== 'QUEUED') return null;
    const read = await Promise.all(
      WAITING_FIELDS.map(async (name) => [name, await recordField(job, name as keyof JobRecord)]),
    );
    const record = { ...job, ...Object.fromEntries(read) } as JobRecord;
    if (record.state !== 'QUEUED') return null;
    return context.queues.waiting(record, context.accountAliasOf(job.id));
  },
  /** The audit of actions on the job (history store); empty when history is off. */
  actionsTaken(job: JobRecord, _args: unknown, context: RequestContext) {
    return context.actionsTaken(job.id);
  },
  /** The job this one reruns (jobgraph's rerun rows), read through the caller's loader; null when it may not. */
  async rerunOf(
    job: JobRecord,
    _args: unknown,
    context: RequestContext,
  ): Promise<JobRecord | null> {
    const { of } = await context.rerunsOf(job.id);
    return of === null ? null : readable(context, of, 'rerunOf');
  },
  /** The reruns of the job (jobgraph's rerun rows), those the caller may read. */
  async reruns(job: JobRecord, _args: unknown, context: RequestContext): Promise<JobRecord[]> {
    const { made } = await context.rerunsOf(job.id);
    const read = await Promise.all(made.map((id) => readable(context, id, 'reruns')));
    return read.filter((r): r is JobRecord => r !== null);
  },
  /**
   * Why the job failed or was cancelled, by its provider's rules (docs/failures.md); a listed row
   * of a failed job reads its whole record first (its summary lacks the fields the rules read).
   */
  async failure(
    job: JobRecord,
    _args: unknown,
    context: RequestContext,
  ): Promise<JobFailure | null> {
    const state = await recordField(job, 'state');
    if (state !== 'FAILED' && state !== 'CANCELLED') return null;
    const record = isListedNode(job)
      ? await context.loadJob(parseGlobalId(job.id), 'failure')
      : job;
    return context.failureOf(record);
  },
  /** When a retained record was last confirmed by its provider; null on a live answer. */
  async lastConfirmedAt(job: JobRecord): Promise<string | null> {
    return (await recordField(job, 'lastConfirmedAt')) ?? null;
  },
};

/** The job `id` through the caller's loader (its grant and budget); null when it may not be read. */
async function readable(
  context: RequestContext,
  id: string,
  field: string,
): Promise<JobRecord | null> {
  // A jobUpdates event's context reads no other job (its watch reads the watched one only).
  if (typeof (context as Partial<RequestContext>).loadJob !== 'function') return null;
  try {
    return await context.loadJob(parseGlobalId(id), field);
  } catch {
    return null;
  }
}

/**
 * The type's own fields that call its provider (`JobKind.fields`): each asked with the job's
 * record (a listed row's read whole first) and a call bound to the job's key, under the caller's
 * grant and the provider's guards (`RequestContext.jobCall`), named `Type.field`.
 */
function kindFields(typeName: string) {
  return Object.fromEntries(
    Object.entries(kindFieldsOf(typeName)).map(([name, field]) => [
      name,
      async (job: JobRecord, args: Readonly<Record<string, unknown>>, context: RequestContext) => {
        const key = parseGlobalId(job.id);
        const record = isListedNode(job) ? await context.loadJob(key, name) : job;
        return field(record, args, (operation, input) =>
          context.jobCall(key, operation, input, `${typeName}.${name}`),
        );
      },
    ]),
  );
}

/**
 * Resolvers shared by the concrete job entities: `__resolveReference` turns either key
 * (the global `id`, or the native key: an AWS type's names its account by `account`, its ID, a
 * COS Batch job's by `uin`) into a loader key and loads through the provider's DataLoader, so many representations in
 * one `_entities` call make one upstream call per distinct job. Fields resolve by default,
 * since records already carry the GraphQL names, except the account's and a retained record's marks.
 */
export function concreteJobResolvers(typeName: string) {
  const provider = providerOfType(typeName);
  return {
    // async: a bad representation must reject its own promise, not throw out of the whole `_entities` map.
    async __resolveReference(
      reference: JobRepresentation,
      context: RequestContext,
    ): Promise<JobRecord> {
      const at = 'representations';
      const key = keyFromRepresentation(typeName, reference, at, (accountId) =>
        context.accountAliasOfId(provider, accountId, '_entities', `${at}.account`),
      );
      return context.loadJob(key, '_entities');
    },
    ...SHARED_FIELDS,
    ...kindFields(typeName),
    /**
     * The newest lines of an attempt's log (docs/logs.md), or of a part's (a HealthOmics run's
     * `task`): the whole record is read first when this is a listed row (its provider's log place
     * needs it), then the job logs answer.
     */
    async logTail(
      job: JobRecord,
      args: { last: number; attempt?: number | null; task?: string | null },
      context: RequestContext,
    ) {
      const record = isListedNode(job)
        ? await context.loadJob(parseGlobalId(job.id), 'logTail')
        : job;
      // `task`: the one type whose logTail takes a part of the job (OmicsRun's tasks' streams).
      return context.jobLogTail(
        record,
        { last: args.last, attempt: args.attempt ?? null, part: args.task ?? null },
        `${typeName}.logTail`,
      );
    },
  };
}

/**
 * A record field as graphql-js's default resolver reads it: a `listJobs` node reads the fields
 * its summary lacks through getters that load the job's record (resolvers/JobConnection.ts), so
 * the field is the value or the promise of it, and a field with its own resolver awaits it.
 */
/** What `waiting` reads of a record (the names of AWS Batch's, the one provider with queues). */
const WAITING_FIELDS = [
  'state',
  'providerStatus',
  'region',
  'jobArn',
  'jobQueue',
  'statusReason',
  'container',
  'dependsOn',
  'shareIdentifier',
  'createdAt',
] as const;

function recordField<F extends keyof JobRecord>(
  job: JobRecord,
  name: F,
): JobRecord[F] | Promise<JobRecord[F]> {
  return job[name];
}

/**
 * The resolvers of every provider's job type (`BatchJob`, `CosBatchJob`, …), by type name, from
 * the registry: the types differ in fields only, which resolve by default.
 */
export const concreteJobs: Readonly<Record<string, ReturnType<typeof concreteJobResolvers>>> =
  Object.fromEntries(JOB_TYPE_NAMES.map((typeName) => [typeName, concreteJobResolvers(typeName)]));
