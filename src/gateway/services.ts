import type { Logger } from 'pino';
import { JobActions } from '../actions/jobActions.ts';
import type { ShareRules } from '../cache/index.ts';
import type { Config } from '../config/index.ts';
import { accountDirectory } from '../datasources/accountDirectory.ts';
import type { Sources } from '../datasources/index.ts';
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import type { AwsAccounts } from '../datasources/shared/accounts.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import { ActionLog } from '../history/actions.ts';
import { RerunLog } from '../history/reruns.ts';
import { accountOfId } from '../model/globalId.ts';
import type { History } from '../history/index.ts';
import type { JobRecord } from '../model/job.ts';
import type { QueueBook } from '../queues/book.ts';
import { QueueView } from '../queues/view.ts';
import {
  openNotifications,
  type NotificationParts,
  type NotificationRules,
} from '../notifications/index.ts';
import type { Schedule } from '../notifications/notifier.ts';
import type { Observability } from '../observability/index.ts';

// The services above the providers that the gateway starts: acting on jobs (with its audit in
// the history store) and notification rules.

/** Acting on jobs (docs/actions.md), its audit rows in the history store when on (`actionLog`). */
export function openActions(
  config: Config,
  sources: Sources,
  logger: Logger,
  history: History | null,
  states: JobStates,
  observability: Observability | undefined,
): { actionLog: ActionLog | null; actions: JobActions } {
  const actionLog = history
    ? new ActionLog(
        history.database,
        (outcome, n) => observability?.metrics?.historyWrites(outcome, n),
        (rows, code) =>
          logger.warn(
            { history: history.where, rows, code },
            'history: the database refused some audit rows of actions; they are dropped and counted, the others are written',
          ),
      )
    : null;
  const actions = new JobActions({
    config,
    sources,
    logger,
    store: actionLog,
    reruns: history ? new RerunLog(history.database) : null,
    states,
    ...(observability?.metrics ? { metrics: observability.metrics } : {}),
  });
  observability?.metrics?.stores(actions);
  return { actionLog, actions };
}

/**
 * A payload's console link starts with the public URL (JOBGRAPH_PUBLIC_URL; the demo's own
 * address, known once it listens): `setBase` gives it, null for no link; `url` is a job's page.
 */
export function consoleLinks(): {
  url: (globalId: string) => string | null;
  setBase: (base: string | null) => void;
} {
  let base: string | null = null;
  return {
    url: (id) => (base === null ? null : `${base}/console/jobs/${encodeURIComponent(id)}`),
    setBase: (b) => {
      base = b;
    },
  };
}

/**
 * Notification rules (docs/notifications.md), null when off: they live in the history store, off
 * with it (the summary says why). `rules` (openNotificationRules) were made before the history's
 * writer, which fires them in its batches. The notifier hears the job-state store (an event's
 * transition some rule would take is read at once to confirm it, a blocked queue an event told
 * likewise).
 */
export function openGatewayNotifications(
  config: Config,
  parts: {
    rules: NotificationRules | null;
    accounts: AwsAccounts;
    logger: Logger;
    observability: Observability | undefined;
    sources: Sources;
    states: JobStates;
    share: ShareRules;
    /** A failed job's notification carries its last lines (rules whose creator reads logs). */
    logs: JobLogs;
    /** Why a STUCK or blocked job waits (docs/queues.md), carried in its delivery. */
    queues: QueueBook;
    history: History | null;
    /** Arms the notifier's confirming window (a test's clock; default a real timer). */
    confirmWindow?: Schedule;
    /** Most rules a (provider, account) pair may have (default MAX_RULES); a test narrows it. */
    maxRules?: number;
  },
): NotificationParts | null {
  const { observability, states } = parts;
  const notifications = openNotifications(
    config,
    parts.rules,
    () => accountDirectory(config, parts.accounts),
    parts.logger,
    observability?.metrics?.notificationsMetrics(),
    {
      sources: parts.sources,
      states,
      accountOf: (id) => accountOfId(config, id),
      withoutSecrets: parts.share.withoutSecrets,
      logs: parts.logs,
      waitingOf: waitingOf(config, parts.queues, parts.history),
    },
    {
      ...(parts.confirmWindow ? { confirmWindow: parts.confirmWindow } : {}),
      ...(parts.maxRules ? { maxRules: parts.maxRules } : {}),
    },
  );
  if (notifications) {
    observability?.metrics?.notificationsBacklog(() => notifications.outbox.backlog);
    // Its only live feed: events' transitions and blocked queues (AWS Batch) alike.
    states.subscribe(notifications.notifier.subscriber);
  }
  return notifications;
}

/**
 * Why a job waits, as a delivery says it: the notifier's own view of the queues (a rule's job is
 * one its creator's grant already holds, so the view reads every account).
 */
function waitingOf(config: Config, book: QueueBook, history: History | null) {
  const view = new QueueView({
    book,
    config,
    history: history?.database ?? null,
    mayRead: () => true,
    refuse: (_provider, alias) => new Error(`the notifier reads every account (${alias})`),
    caller: '(notifications)',
  });
  return (record: JobRecord) => view.waiting(record, accountOfId(config, record.id));
}
