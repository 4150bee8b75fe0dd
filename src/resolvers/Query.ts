import type { RequestContext } from '../context.ts';
import { ListArgumentTooLongError } from '../limits/listArguments.ts';
import { parseGlobalId, type AccountAliasOf, type JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import { ROOT_FIELD_KEYS } from '../model/jobKeys.ts';
import { listJobs } from './JobConnection.ts';
import { jobHistory, jobHistorySummary } from './jobHistory.ts';

type Args<T> = (
  source: unknown,
  args: T,
  context: RequestContext,
) => Promise<JobRecord | null> | Promise<(JobRecord | Error)[]>;

/** A job ARN's account ID → the alias the caller reads it as (else FORBIDDEN or BAD_USER_INPUT), for `field`. */
const arnAccount =
  (ctx: RequestContext, field: string): AccountAliasOf =>
  (provider, accountId, argument) =>
    ctx.accountAliasOfId(provider, accountId, field, argument);

const job: Args<{ id: string }> = (_s, { id }, ctx) =>
  ctx.loadJob(parseGlobalId(id, 'id', arnAccount(ctx, 'job')), 'job');

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
  const aliasOf = arnAccount(ctx, 'jobs');
  const keys: (JobKey | Error)[] = ids.map((id, i) => {
    try {
      return parseGlobalId(id, `ids[${i}]`, aliasOf);
    } catch (err) {
      return err as Error;
    }
  });
  // A failed item is an Error in the list: graphql-js makes it that item's null and its located
  // error (`locatedError`: the item's path, the field's nodes, the original error).
  return Promise.all(
    keys.map((key) =>
      key instanceof Error
        ? Promise.resolve(key)
        : ctx.loadJob(key, 'jobs').catch((err: Error) => err),
    ),
  );
};

/**
 * Each provider's own root field (`cosBatchJob(region, jobId)`): the key its arguments name, as
 * the job budget counts it (model/jobKeys.ts), loaded.
 */
const providerRootFields = Object.fromEntries(
  [...ROOT_FIELD_KEYS].map(([name, keyOf]) => {
    const load: Args<Readonly<Record<string, unknown>>> = async (_s, args, ctx) =>
      ctx.loadJob(keyOf(args, ctx.config), name);
    return [name, load];
  }),
);

/** What the caller may read: its token's subject, scopes and account grant. */
const jobAccess = (_s: unknown, _a: unknown, { identity }: RequestContext) => ({
  subject: identity.subject,
  scopes: [...identity.scopes].sort(),
  allAccounts: identity.accounts.all,
  accounts: identity.accounts.aliases,
});

/** Root fields: validate arguments, build a loader key, load. No wire format here. */
export const Query = {
  job,
  jobs,
  ...providerRootFields,
  listJobs,
  jobHistory,
  jobHistorySummary,
  jobAccess,
};
