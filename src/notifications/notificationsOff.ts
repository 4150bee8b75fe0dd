import type { Config } from '../config/types.ts';
import { JobgraphError } from '../errors.ts';

/** A notification field asked of a jobgraph whose notifications are off, saying why. */
export class NotificationsOffError extends JobgraphError {
  constructor(config: Config) {
    super(
      'FORBIDDEN',
      `Notifications are off in this jobgraph: ${notificationsOffReason(config) ?? 'not started'} (docs/notifications.md).`,
      {
        reason: 'NOTIFICATIONS_OFF',
      },
    );
  }
}

/** Why notifications are off, or null when the configuration turns them on. */
export function notificationsOffReason(config: Config): string | null {
  if (config.history.store.kind === 'off')
    return 'the history store is off (JOBGRAPH_HISTORY_URL=off), which keeps the rules';
  if (config.notifications.secret === null)
    return 'JOBGRAPH_NOTIFY_SECRET is not set (the key that seals rule targets and secrets)';
  return null;
}
