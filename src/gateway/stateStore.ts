import type { Logger } from 'pino';
import { secretValues } from '../auth/secretValues.ts';
import type { Config } from '../config/index.ts';
import { readsMeasured } from '../datasources/events/coverage.ts';
import { EventQueues, type ClusterChannel } from '../datasources/events/eventQueues.ts';
import { RejectionLog } from '../datasources/events/rejectionLog.ts';
import type { AwsAccounts } from '../datasources/shared/accounts.ts';
import { JobStates } from '../datasources/state/jobStates.ts';
import { loadCoverageEvidence, saveCoverageEvidence } from '../history/coverageEvidence.ts';
import { historySubscriber, type History, type WriterBound } from '../history/index.ts';
import { accountOfId } from '../model/globalId.ts';
import type { Observability } from '../observability/index.ts';

// What tells the gateway of jobs besides its reads: the job event queues, and the job-state store
// every observation is offered to, with the subscribers the gateway gives it.

/**
 * The job event queues of JOBGRAPH_EVENT_QUEUES (none: no event source, every watched job polled):
 * each message's outcome counted, a rejected one counted by queue and reason and logged
 * (rejectionLog.ts: never its body), a queue going down or coming back logged once each. While the
 * history writer is over its `bound`, no queue receives.
 */
export function openEventQueues(
  config: Config,
  accounts: AwsAccounts,
  logger: Logger,
  observability: Observability | undefined,
  cluster: ClusterChannel | undefined,
  bound?: WriterBound,
): EventQueues | undefined {
  const queues = config.events.queues ?? [];
  if (queues.length === 0) return undefined;
  const metrics = observability?.metrics;
  const events = new EventQueues({
    config,
    queues,
    accounts,
    ...(cluster ? { cluster } : {}),
    ...(bound ? { bound } : {}),
    observer: {
      outcome: (provider, outcome) => metrics?.event(provider, outcome),
      rejected: new RejectionLog(
        (fields, message) => logger.warn(fields, message),
        (queue, reason) => metrics?.eventRejected(queue, reason),
      ).rejected,
      queueState: (queue, up, code) =>
        up
          ? logger.info(
              { queue: queue.label },
              'job event queue: readable again; its jobs are live by events',
            )
          : logger.warn(
              { queue: queue.label, code },
              'job event queue: cannot be read; its jobs are polled until it can, tried again with back-off',
            ),
    },
  });
  metrics?.eventQueueSource(() => events.states());
  metrics?.eventsLastApplied(() => events.lastApplied());
  return events;
}

/** How often the coverage evidence that changed is written to the history store, ms. */
const COVERAGE_WRITE_MS = 5_000;

/**
 * The events' coverage evidence kept in the history store (docs/events.md, "Coverage"): read
 * here, before the queues are read, and what changed written every COVERAGE_WRITE_MS off the
 * request path (a write that fails is said once and tried again with what changed since); with
 * replicas sharing Redis, read again after each write (`EventQueues.shareCoverage`). Returns the
 * closer, which writes what is left. Nothing without events or history.
 */
export async function keepCoverage(
  events: EventQueues | undefined,
  history: History | null,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (!events || !history) return undefined;
  const { db } = history.database;
  try {
    events.restoreCoverage(await loadCoverageEvidence(db));
  } catch (err) {
    logger.warn(
      { history: history.where, code: (err as { code?: string }).code ?? 'read failed' },
      'job event coverage: the evidence kept could not be read; every place starts polled until its events come',
    );
  }
  const unsaved = new Map<string, ReturnType<EventQueues['coverageEvidence']>[number]>();
  let failing = false;
  let writing: Promise<void> = Promise.resolve();
  const write = () =>
    (writing = writing.then(async () => {
      for (const e of events.coverageEvidence())
        unsaved.set(`${e.provider}\n${e.account}\n${e.region}`, e);
      if (unsaved.size === 0) return;
      const rows = [...unsaved.values()];
      try {
        await saveCoverageEvidence(db, rows);
        for (const [key, e] of unsaved) if (rows.includes(e)) unsaved.delete(key);
        failing = false;
      } catch (err) {
        if (!failing)
          logger.warn(
            { history: history.where, code: (err as { code?: string }).code ?? 'write failed' },
            'job event coverage: writing its evidence failed; tried again with what changed since',
          );
        failing = true;
      }
    }));
  // With replicas, what the others wrote is read again each time: their events reach this one's
  // watches, so a place live by them is live here (a read that fails is tried at the next tick).
  const share = async () => events.shareCoverage(await loadCoverageEvidence(db).catch(() => []));
  const timer = setInterval(
    () => void write().then(() => (events.sharesCoverage ? share() : undefined)),
    COVERAGE_WRITE_MS,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await write();
  };
}

/**
 * The one owner of what the process knows of each job's state: built here, passed down. Dated by
 * the list snapshots' clock (`now`), so a listed row's read time and an event's arrival compare.
 * Every record offered is learned on the way in (its secrets scrubbed from every line from then
 * on), and a subscriber that throws fails alone: counted, and logged once. Its subscribers here:
 * the events' coverage and the history.
 */
export function openJobStates(
  config: Config,
  now: () => number,
  logger: Logger,
  observability: Observability | undefined,
  events: EventQueues | undefined,
  history: History | null,
  size?: number,
): JobStates {
  const states = new JobStates({
    now,
    ...(size === undefined ? {} : { size }),
    learn: (record) => secretValues.learnRecord(record),
    onSubscriberFailure: (err) =>
      logger.error(
        { err: err instanceof Error ? err.name : typeof err },
        'a subscriber of the job-state store failed; the others go on (jobgraph_job_states_listener_failures_total)',
      ),
  });
  observability?.metrics?.stores(states, states.refs);
  observability?.metrics?.eventsMissed(() => states.missed);
  observability?.metrics?.statesSubscriberFailures(() => states.subscriberFailures);
  // Coverage is measured by the reads too: one that finds a change no event announced.
  if (events) states.subscribe(readsMeasured(events.readSeen));
  // Every applied observation but a peer's is a change of the job's history; a job events showed
  // first is written once a read shows it; one read again unchanged moves its `lastConfirmedAt`.
  if (history) states.subscribe(historySubscriber(history.writer, (id) => accountOfId(config, id)));
  return states;
}
