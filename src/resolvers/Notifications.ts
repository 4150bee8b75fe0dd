import type { RequestContext } from '../context.ts';
import type {
  Notifications,
  NotifyCaller,
  RuleInput,
  RuleView,
} from '../notifications/notifications.ts';

/**
 * Notification rules (docs/notifications.md): thin; the scope, grant, sealing and audit are the
 * notifications service's (src/notifications/notifications.ts), reached through the request.
 */
/** A page's arguments (`first`, `after`) as GraphQL gives them. */
interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** A resolver of one rule's (or delivery's) `id`, as the caller: the service's `call` of it. */
const byId =
  <T>(call: (service: Notifications, caller: NotifyCaller, id: string) => T) =>
  (_: unknown, args: { id: string }, ctx: RequestContext): T =>
    call(ctx.notifications(), ctx.notifyCaller, args.id);

export const NotificationMutations = {
  createNotificationRule: (_: unknown, args: { input: RuleInput }, ctx: RequestContext) =>
    ctx.notifications().create(ctx.notifyCaller, args.input),
  updateNotificationRule: (
    _: unknown,
    args: { id: string; input: RuleInput },
    ctx: RequestContext,
  ) => ctx.notifications().update(ctx.notifyCaller, args.id, args.input),
  deleteNotificationRule: byId((service, caller, id) => service.delete(caller, id)),
  testNotificationRule: byId((service, caller, id) => service.test(caller, id)),
  redeliverNotification: byId((service, caller, id) => service.redeliver(caller, id)),
  rotateNotificationSecret: byId((service, caller, id) => service.rotate(caller, id)),
};

export const NotificationQueries = {
  notificationRules: (_: unknown, args: PageArgs, ctx: RequestContext) =>
    ctx.notifications().list(ctx.notifyCaller, args.first ?? 50, args.after ?? null),
  notificationRule: byId((service, caller, id) => service.get(caller, id)),
};

export const NotificationRule = {
  deliveries: (rule: RuleView, args: PageArgs, ctx: RequestContext) =>
    ctx.notifications().deliveries(rule.id, args.first ?? 25, args.after ?? null),
};
