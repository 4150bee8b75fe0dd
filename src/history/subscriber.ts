/**
 * What the job-state store tells its subscribers, as the history writer takes it: each applied
 * observation is one change (from the state the store knew, to the record's), its source by its
 * origin. Another replica's announcement (`peer`) is not written: the replica that observed it
 * writes it, and replicas sharing a PostgreSQL would otherwise write each change once each.
 * An event of a run no read has shown is not written either (see below).
 */
import type { JobRecord } from '../model/job.ts';
import type { HistoryChange, HistorySource } from './writer.ts';

/** The origins `JobStates` tells (datasources/state/jobStates.ts `Origin`), as the history says them. */
const SOURCES: Readonly<Record<string, HistorySource | undefined>> = {
  read: 'READ',
  list: 'LIST',
  event: 'EVENT',
};

/** The parts of a store message's observation the history reads (jobStates.ts `StoreMessage`). */
interface AppliedObservation {
  origin: string;
  at?: number;
  eventId?: string;
}

/** A change of `job` from `from`, observed by `observation` from `source`. */
function changeOf(
  job: JobRecord,
  from: string | null,
  source: HistorySource,
  observation: AppliedObservation,
  accountOf: (globalId: string) => string,
  now: () => number,
): HistoryChange {
  return {
    record: job,
    from,
    to: job.state,
    providerStatus: job.providerStatus ?? null,
    at: new Date(observation.at ?? now()).toISOString(),
    source,
    ...(observation.eventId ? { eventId: observation.eventId } : {}),
    account: accountOf(job.id),
  };
}

/** The store's messages (datasources/state/jobStates.ts `StoreMessage`) as the history reads them. */
export type HistoryMessage =
  | {
      kind: 'change';
      record: JobRecord;
      entry: { confirmed: boolean };
      previous:
        | {
            origin: string;
            confirmed: boolean;
            header: { state: string; providerStatus?: string | null };
          }
        | undefined;
      observation: AppliedObservation;
    }
  | { kind: 'confirmed'; record: JobRecord; observation: AppliedObservation }
  | { kind: 'seen'; id: string; at: number }
  /**
   * A watched job's read that is no news, for its watchers, or a blocked queue an event told (its
   * record's change, if any, is its own message): nothing to write.
   */
  | { kind: 'unchanged' | 'blocked' };

/** What the history subscriber writes to: the writer's two ways in. */
export interface HistoryWrites {
  record(change: HistoryChange): void;
  /** A read showed the job again unchanged at `at` (epoch ms): its `last_confirmed_at`. */
  seen(id: string, at: number): void;
}

/**
 * The history as one subscriber of the job-state store: each applied observation is a change
 * (`historyChanges`), the first read of a job events alone had shown is its first sight
 * (`historyFirstSight`), and a job read again unchanged moves its `lastConfirmedAt`. `accountOf`
 * names the account alias of a global ID (the job's own account, as authorization reads it).
 */
export function historySubscriber(
  writer: HistoryWrites,
  accountOf: (globalId: string) => string,
  now: () => number = Date.now,
): (message: HistoryMessage) => void {
  const record = (c: HistoryChange) => writer.record(c);
  const change = historyChanges(record, accountOf, now);
  const firstSight = historyFirstSight(record, accountOf, now);
  return (message) => {
    switch (message.kind) {
      case 'change':
        return change(message.record, message.entry, message.previous, message.observation);
      case 'confirmed':
        return firstSight(message.record, message.observation);
      case 'seen':
        return writer.seen(message.id, message.at);
      case 'unchanged':
      case 'blocked':
        return;
    }
  };
}

/**
 * What the history does with a `change` message of the store: it records each applied
 * observation with `record`; `accountOf` names the account alias of a global ID (the job's own
 * account, as authorization reads it).
 */
function historyChanges(
  record: (change: HistoryChange) => void,
  accountOf: (globalId: string) => string,
  now: () => number = Date.now,
): (
  job: JobRecord,
  entry: { confirmed: boolean },
  previous:
    | {
        origin: string;
        confirmed: boolean;
        header: { state: string; providerStatus?: string | null };
      }
    | undefined,
  observation: AppliedObservation,
) => void {
  return (job, entry, previous, observation) => {
    const source = SOURCES[observation.origin];
    // A retained record answered from the history is not news of the job: never written back.
    if (source === undefined || job.retained === true) return;
    // An event is whatever its sender wrote, and the history outlives the provider's own record
    // (answered as `retained` once the provider forgets the job): an event is written only once a
    // provider read has shown the job in that run (`confirmed`), never for a job events alone show.
    if (source === 'EVENT' && !entry.confirmed) return;
    // A read of a job a listed row last showed in the same state is the job's whole record where
    // the row had a summary, not a change: the record is written, no transition.
    const sameAsListed =
      source === 'READ' &&
      previous?.origin === 'list' &&
      previous.header.state === job.state &&
      (previous.header.providerStatus == null ||
        previous.header.providerStatus === job.providerStatus);
    // The state an unconfirmed entry had was told by events alone and never written: to the
    // history this read is the run's first sight.
    const from = previous?.confirmed ? previous.header.state : null;
    // A provider read showing otherwise than the events last told: their word is marked
    // contradicted in the timeline (the provider is the source of truth).
    const contradicts =
      source !== 'EVENT' &&
      previous?.origin === 'event' &&
      previous.confirmed &&
      (previous.header.state !== job.state ||
        (previous.header.providerStatus ?? null) !== (job.providerStatus ?? null));
    record({
      ...changeOf(job, from, source, observation, accountOf, now),
      ...(sameAsListed ? { transition: false as const } : {}),
      ...(contradicts ? { contradicts: true as const } : {}),
    });
  };
}

/**
 * What the history does with a `confirmed` message of the store: it records the first read of a job
 * events alone had shown, when that read is no news: the run's first sight, written as a read's
 * (the events before it were not written, a read not having shown the job yet).
 */
function historyFirstSight(
  record: (change: HistoryChange) => void,
  accountOf: (globalId: string) => string,
  now: () => number = Date.now,
): (job: JobRecord, observation: AppliedObservation) => void {
  return (job, observation) => {
    const source = SOURCES[observation.origin];
    if (source === undefined || source === 'EVENT' || job.retained === true) return;
    record(changeOf(job, null, source, observation, accountOf, now));
  };
}
