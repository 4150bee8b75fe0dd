/**
 * Notifications as the gateway holds them (docs/notifications.md): the rules' store in the history
 * database, the service the graph calls, and the outbox's deliverer. Off (null) when the history
 * store is off or, live, JOBGRAPH_NOTIFY_SECRET is unset: `notificationsOffReason` says which.
 */
import type { Schedule, WaitingOf } from './notifier.ts';
import type { Config } from '../config/types.ts';
import type { HistoryDatabase } from '../history/database.ts';
import type { JobProvider } from '../model/job.ts';
import { Notifications, type NotificationsLogger } from './notifications.ts';
import { notificationsOffReason } from './notificationsOff.ts';
import { Outbox, type AttemptOutcome } from './outbox.ts';
import { RuleStore, type RuleChange } from './ruleStore.ts';
import { createSecretBox } from './secretBox.ts';
import { Notifier } from './notifier.ts';
import { BatchFiring } from './batchFiring.ts';
import type { JobRecord } from '../model/job.ts';
import type { Sources } from '../datasources/index.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import { providerOnly, type GuardedSource } from '../datasources/guard/loader.ts';
import { offeringLoader } from '../datasources/state/offerRead.ts';
import { parseGlobalId } from '../model/globalId.ts';
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import { logLinesReader } from './logLines.ts';
import { holdsPair } from './rulePairs.ts';
import { MOST_RULES_A_TRANSITION } from './ruleSet.ts';
import { convertBareRules } from './bareRules.ts';

export interface NotificationParts {
  readonly notifications: Notifications;
  /** What fires: the job-state store's subscriber; its rules' `inBatch` (NotificationRules) is the writer's. */
  readonly notifier: Notifier;
  readonly outbox: Outbox;
  readonly store: RuleStore;
  close(): Promise<void>;
}

export interface NotificationsMetrics {
  ruleChange(change: RuleChange): void;
  attempt(outcome: AttemptOutcome): void;
  /** Rules a transition matched beyond MOST_RULES_A_TRANSITION, skipped. */
  rulesSkipped?(count: number): void;
  /** An outbox pass that failed (its store refused it). */
  outboxFailure?(): void;
}

/** What of the jobs the notifications need: their reads, accounts and secrets. */
export interface NotificationJobs {
  sources: Sources;
  states: Pick<JobStates, 'offer' | 'now'>;
  accountOf: (globalId: string) => string;
  withoutSecrets: (record: JobRecord) => JobRecord | null;
  /** The job logs, for a failed job's last lines (absent: no lines in deliveries). */
  logs?: JobLogs;
  /** Why a job waits (docs/queues.md), for STUCK and QUEUE_BLOCKED deliveries (absent: not said). */
  waitingOf?: WaitingOf;
}

/**
 * What of the notifications the history's writer needs, made before it from the database alone:
 * the rules' store and the batch hook that fires their deliveries (`firing.inBatch`). Null when
 * notifications are off.
 */
export interface NotificationRules {
  readonly store: RuleStore;
  readonly firing: BatchFiring;
}

/**
 * The rules' store and their batch firing, on the history database (null when off): made before
 * the history's writer, which takes `firing.inBatch`. `consoleUrl`: the console's page of a job.
 */
export function openNotificationRules(
  config: Config,
  database: HistoryDatabase | null,
  logger: NotificationsLogger,
  metrics: NotificationsMetrics | undefined,
  consoleUrl: (globalId: string) => string | null,
): NotificationRules | null {
  if (database === null || config.notifications.secret === null) return null;
  if (notificationsOffReason(config) !== null) return null;
  const store = new RuleStore(database);
  const onSkipped = skipped(logger, metrics);
  return { store, firing: new BatchFiring({ store, consoleUrl, onSkipped }) };
}

/**
 * The service the graph calls, the outbox and the notifier, on `rules` (openNotificationRules),
 * started: the notifier starts its own timers (the outbox's, the STUCK scan's) and stops them at
 * `close`. `knobs.confirmWindow`: arms the notifier's confirming window (a test's; default a real
 * timer); `knobs.maxRules`: the rule bound a test narrows (default MAX_RULES, ruleBound.ts).
 */
export function openNotifications(
  config: Config,
  rules: NotificationRules | null,
  accounts: () => readonly { provider: JobProvider; alias: string }[],
  logger: NotificationsLogger,
  metrics: NotificationsMetrics | undefined,
  jobs: NotificationJobs,
  knobs: { confirmWindow?: Schedule; maxRules?: number } = {},
): NotificationParts | null {
  const secret = config.notifications.secret;
  if (rules === null || secret === null) return null;
  const { store, firing } = rules;
  const box = createSecretBox(secret);
  let notifications: Notifications | undefined;
  const outbox = new Outbox({
    store,
    // The notifier's, made below: the outbox claims nothing before the notifier starts it.
    confirmAwaiting: (rows) => notifier.confirmAwaiting(rows),
    box,
    allowHosts: config.notifications.allowHosts,
    ...(metrics ? { onAttempt: (o: AttemptOutcome) => metrics.attempt(o) } : {}),
    logger,
    ...(metrics?.outboxFailure ? { onPassFailed: () => metrics.outboxFailure?.() } : {}),
    onDisabled: (ruleId, reason) => notifications?.disabled(ruleId, reason),
    holds: (rule, jobId) => holdsAccountOf(rule, jobId, jobs.accountOf),
    ...(jobs.logs ? { logLines: logLinesReader(jobs.logs), accountOf: jobs.accountOf } : {}),
  });
  notifications = new Notifications({
    store,
    box,
    allowHosts: config.notifications.allowHosts,
    accounts,
    logger,
    outbox,
    ...(metrics ? { countChange: (c: RuleChange) => metrics.ruleChange(c) } : {}),
    ...(knobs.maxRules ? { maxRules: knobs.maxRules } : {}),
  });
  const notifier = createNotifier(firing, jobs, logger, outbox, knobs.confirmWindow);
  notifications.changed = () => void firing.refresh().catch(() => undefined);
  // Rows of bare aliases (stored before pairs) take no job and show to no one until converted.
  void convertBareRules(store, accounts(), (id, reason) => notifications?.disabled(id, reason))
    .catch((e: unknown) =>
      logger.warn(
        { code: (e as { code?: string }).code ?? 'error' },
        'notifications: converting rules of bare account aliases failed; they take no job until the next start',
      ),
    )
    .finally(() => void firing.refresh().catch(() => undefined));
  notifier.start();
  return { notifications, notifier, outbox, store, close: () => notifier.stop() };
}

/** Checked again at every delivery: the job's own (provider, account) pair is one the rule holds. */
function holdsAccountOf(
  rule: { accounts: string },
  jobId: string,
  accountOf: (globalId: string) => string,
): boolean {
  try {
    const held = JSON.parse(rule.accounts) as string[];
    return holdsPair(held, parseGlobalId(jobId).provider, accountOf(jobId));
  } catch {
    return false;
  }
}

/** Rules skipped past a transition's bound: counted each time, logged the first time only. */
function skipped(logger: NotificationsLogger, metrics: NotificationsMetrics | undefined) {
  let logged = false;
  return (count: number) => {
    metrics?.rulesSkipped?.(count);
    if (logged) return;
    logged = true;
    logger.warn(
      { skipped: count, most: MOST_RULES_A_TRANSITION },
      'notifications: a transition matched more rules than one transition delivers to; the oldest are delivered, the rest skipped (counted in jobgraph_notification_rules_skipped_total; logged once)',
    );
  };
}

function createNotifier(
  firing: BatchFiring,
  jobs: NotificationJobs,
  logger: NotificationsLogger,
  outbox: Outbox,
  confirmWindow: Schedule | undefined,
): Notifier {
  const sourceOf = providerOnlySources(jobs.sources);
  const warn = (e: unknown, message: string) =>
    logger.warn({ code: (e as { code?: string }).code ?? 'error' }, message);
  return new Notifier({
    firing,
    store: firing.store,
    accountOf: jobs.accountOf,
    withoutSecrets: jobs.withoutSecrets,
    readJobs: (ids) => readJobs(sourceOf, jobs.states, ids),
    ...(jobs.waitingOf ? { waitingOf: jobs.waitingOf } : {}),
    ...(confirmWindow ? { schedule: confirmWindow } : {}),
    enqueued: () => void outbox.kick(),
    deliver: (rows) => void outbox.deliverNow(rows),
    outbox,
    onError: (e) =>
      warn(
        e,
        'notifications: a confirming read or an outbox write failed; the event is not delivered on its word',
      ),
    onScanError: (e) =>
      warn(e, 'notifications: the scan for stuck jobs failed; it runs again in a minute'),
  });
}

/**
 * Each provider's source as a confirming read takes it (`providerOnly`): made once, on first use,
 * for every read of this notifier.
 */
function providerOnlySources(sources: Sources): (provider: string) => GuardedSource {
  const made = new Map<string, GuardedSource>();
  return (provider) => {
    let own = made.get(provider);
    if (!own) made.set(provider, (own = providerOnly(sources[provider as never] as GuardedSource)));
    return own;
  };
}

/**
 * A provider read of each job of `ids` now, as a request's would be but never answered by a copy
 * (the cache, a peer's, the history's retained one: `providerOnly`): through each provider's
 * loader (the jobs of one provider in one batch), each record offered to the job-state store as a
 * read sent now. What it answers may confirm an event.
 */
async function readJobs(
  sourceOf: (provider: string) => GuardedSource,
  states: Pick<JobStates, 'offer' | 'now'>,
  ids: readonly string[],
): Promise<(JobRecord | Error)[]> {
  const loaders = new Map<string, ReturnType<typeof offeringLoader>>();
  return Promise.all(
    ids.map(async (id) => {
      try {
        const key = parseGlobalId(id);
        let loader = loaders.get(key.provider);
        if (!loader) {
          loader = offeringLoader(sourceOf(key.provider), 'jobgraph:notifications', states);
          loaders.set(key.provider, loader);
        }
        return await loader.load(key);
      } catch (e) {
        return e as Error;
      }
    }),
  );
}
