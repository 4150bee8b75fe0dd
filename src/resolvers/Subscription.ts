import { BadUserInputError } from '../errors.ts';
import { parseGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { WatchContext } from '../subscriptions/hub.ts';

/**
 * `jobUpdates(ids:)`: every ID — a global ID or a job ARN, as `job(id:)` takes — is checked before any upstream call (a malformed one is its own
 * BAD_USER_INPUT event naming `ids[i]`, and is never watched); the others are watched through
 * the process's shared pollers (src/subscriptions/). Each event is one job, or one job's error.
 */
export const Subscription = {
  jobUpdates: {
    subscribe(
      _source: unknown,
      { ids }: { ids: string[] },
      ctx: WatchContext | { watchJobs?: undefined },
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
      return ctx.watchJobs(items);
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
