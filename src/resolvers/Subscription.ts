import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { BadUserInputError } from '../errors.ts';
import { parseGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { WatchContext } from '../subscriptions/hub.ts';
import type { FollowedLine } from '../subscriptions/logFollowers.ts';

/**
 * `jobLogs(id:)`: a running job's new log lines (docs/logs.md), each event one line; the scope
 * and the account are checked before any call (hub.ts `watchLogs`).
 */
const jobLogs = {
  subscribe(
    _source: unknown,
    { id }: { id: string },
    ctx: WatchContext | { watchJobLogs?: undefined },
  ) {
    if (!ctx.watchJobLogs) throw notOverHttp();
    return ctx.watchJobLogs(id);
  },
  resolve(payload: FollowedLine | Error | undefined): FollowedLine {
    if (payload === undefined) throw notOverHttp();
    if (payload instanceof Error) throw payload;
    return payload;
  },
};

/**
 * `jobUpdates(ids:)`: every ID — a global ID or a job ARN, as `job(id:)` takes — is checked before any upstream call (a malformed one is its own
 * BAD_USER_INPUT event naming `ids[i]`, and is never watched); the others are watched through
 * the process's read schedules (src/subscriptions/). Each event is one job, or one job's error.
 */
export const Subscription = {
  jobLogs,
  jobUpdates: {
    subscribe(
      _source: unknown,
      { ids }: { ids: string[] },
      ctx: WatchContext | { watchJobs?: undefined },
      info?: GraphQLResolveInfo,
    ) {
      if (!ctx.watchJobs) throw notOverHttp();
      // The IDs `job(id)` takes, a job ARN included (its account ID read as the caller's alias).
      const items = ids.map((id, i): JobKey | Error => {
        try {
          return parseGlobalId(id, `ids[${i}]`, ctx.accountAliasOfId);
        } catch (err) {
          return err as Error;
        }
      });
      // What it selects of each job: a field its provider's events do not carry is polled for.
      return info ? ctx.watchJobs(items, selectedFields(info)) : ctx.watchJobs(items);
    },
    resolve(payload: JobRecord | Error | undefined): JobRecord {
      // A subscription sent as a plain POST is executed once, without an event.
      if (payload === undefined) throw notOverHttp();
      if (payload instanceof Error) throw payload;
      return payload;
    },
  },
};

const notOverHttp = () =>
  new BadUserInputError(
    'Subscriptions are served on this path over Server-Sent Events (POST with "Accept: text/event-stream") or WebSocket (graphql-transport-ws), not as a plain POST.',
  );

/** The `Job` fields the subscription selects, through inline fragments and fragment spreads. */
function selectedFields(info: GraphQLResolveInfo): Set<string> {
  const fields = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) fields.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        walk(info.fragments[s.name.value]?.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  return fields;
}
