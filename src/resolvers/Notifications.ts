import type { RequestContext } from '../context.ts';
import type { RuleInput, RuleView } from '../notifications/notifications.ts';

/**
 * Notification rules (docs/notifications.md): thin; the scope, grant, sealing and audit are the
 * notifications service's (src/notifications/notifications.ts), reached through the request.
 */
export const NotificationMutations = {
  createNotificationRule: (_: unknown, args: { input: RuleInput }, ctx: RequestContext) =>
    ctx.notifications().create(ctx.notifyCaller, args.input),
  updateNotificationRule: (
    _: unknown,
    args: { id: string; input: RuleInput },
    ctx: RequestContext,
  ) => ctx.notifications().update(ctx.notifyCaller, args.id, args.input),
  deleteNotificationRule: (_: unknown, args: { id: string }, ctx: RequestContext) =>
    ctx.notifications().delete(ctx.notifyCaller, args.id),
  testNotificationRule: (_: unknown, args: { id: string }, ctx: RequestContext) =>
    ctx.notifications().test(ctx.notifyCaller, args.id),
  redeliverNotification: (_: unknown, args: { id: string }, ctx: RequestContext) =>
    ctx.notifications().redeliver(ctx.notifyCaller, args.id),
  rotateNotificationSecret: (_: unknown, args: { id: string }, ctx: RequestContext) =>
    ctx.notifications().rotate(ctx.notifyCaller, args.id),
};

export const NotificationQueries = {
  notificationRules: (
    _: unknown,
    args: { first?: number | null; after?: string | null },
    ctx: RequestContext,
  ) => ctx.notifications().list(ctx.notifyCaller, args.first ?? 50, args.after ?? null),
  notificationRule: (_: unknown, args: { id: string }, ctx: RequestContext) =>
    ctx.notifications().get(ctx.notifyCaller, args.id),
};

export const NotificationRule = {
  deliveries: (
    rule: RuleView,
    args: { first?: number | null; after?: string | null },
    ctx: RequestContext,
  ) => ctx.notifications().deliveries(rule.id, args.first ?? 25, args.after ?? null),
};
