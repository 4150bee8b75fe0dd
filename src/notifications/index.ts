/**
 * Notifications as the gateway holds them (docs/notifications.md): the rules' store in the history
 * database, the service the graph calls, and the outbox's deliverer. Off (null) when the history
 * store is off or, live, JOBGRAPH_NOTIFY_SECRET is unset: `notificationsOffReason` says which.
 */
import type { Config } from '../config/types.ts';
import type { HistoryDatabase } from '../history/database.ts';
import type { JobProvider } from '../model/job.ts';
import { Notifications, type NotificationsLogger } from './notifications.ts';
import { notificationsOffReason } from './notificationsOff.ts';
import { Outbox, type AttemptOutcome } from './outbox.ts';
import { RuleStore, type RuleChange } from './ruleStore.ts';
import { createSecretBox } from './secretBox.ts';

export { notificationsOffReason } from './notificationsOff.ts';
export type { Notifications } from './notifications.ts';

export interface NotificationParts {
  readonly notifications: Notifications;
  readonly outbox: Outbox;
  readonly store: RuleStore;
  close(): Promise<void>;
}

export interface NotificationsMetrics {
  ruleChange(change: RuleChange): void;
  attempt(outcome: AttemptOutcome): void;
}

export function openNotifications(
  config: Config,
  database: HistoryDatabase | null,
  accounts: () => readonly { provider: JobProvider; alias: string }[],
  logger: NotificationsLogger,
  metrics?: NotificationsMetrics,
): NotificationParts | null {
  const secret = config.notifications.secret;
  if (database === null || secret === null || notificationsOffReason(config) !== null) return null;
  const store = new RuleStore(database);
  const box = createSecretBox(secret);
  let notifications: Notifications | undefined;
  const outbox = new Outbox({
    store,
    box,
    allowHosts: config.notifications.allowHosts,
    timeoutMs: config.notifications.timeoutMs,
    hostConcurrency: config.notifications.hostConcurrency,
    ...(metrics ? { onAttempt: (o: AttemptOutcome) => metrics.attempt(o) } : {}),
    onDisabled: (ruleId, reason) => notifications?.disabled(ruleId, reason),
  });
  notifications = new Notifications({
    store,
    box,
    allowHosts: config.notifications.allowHosts,
    accounts,
    logger,
    outbox,
    ...(metrics ? { countChange: (c: RuleChange) => metrics.ruleChange(c) } : {}),
  });
  outbox.start();
  return { notifications, outbox, store, close: () => outbox.close() };
}
