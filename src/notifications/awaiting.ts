/**
 * An event's deliveries before a provider read has confirmed them (docs/notifications.md, "Nothing
 * lost"): one outbox row a rule taking the event's transition, status AWAITING, written in the
 * history batch's transaction with that transition. Never sent as it is: the event's confirming
 * read (notifier.ts) makes it the delivery, under its ID, or drops it. A row whose process died
 * first is due AWAIT_GRACE_MS after it was written; the outbox then takes it like a due delivery
 * (one replica at a time) and hands it to the notifier to confirm.
 */
import type { TransitionRow } from '../history/tables.ts';
import { EVENT_TYPES, type NotificationTrigger } from './payload.ts';
import { AWAITING, type DeliveryRow, type RuleRow } from './ruleStore.ts';

/**
 * How long a row awaits its own process's confirming read, ms, before any process's outbox
 * confirms it: well past the confirming window and a provider read's longest timeout (60 s at
 * most, 5 s by default), so a live confirmation is seldom made twice (twice is one delivery still).
 */
export const AWAIT_GRACE_MS = 30_000;

/**
 * The rows awaiting the confirmation of event transition `t` (its `trigger`) for `rules`, each
 * under the ID its delivery will have (`idOf` a rule: notifier.ts `deliveryIdOf`).
 */
export function awaitingRows(
  rules: readonly RuleRow[],
  t: TransitionRow,
  trigger: NotificationTrigger,
  idOf: (ruleId: string) => string,
  nowMs: number,
): DeliveryRow[] {
  const payload = JSON.stringify({ awaiting: { to: t.to_state, trigger } });
  const due = new Date(nowMs + AWAIT_GRACE_MS).toISOString();
  return rules.map((rule) => ({
    id: idOf(rule.id),
    rule_id: rule.id,
    job_id: t.job_id,
    type: EVENT_TYPES[trigger],
    payload,
    status: AWAITING,
    attempts: 0,
    next_attempt_at: due,
    created_at: t.at,
  }));
}

/** The state an awaiting row's read must show, and its trigger. */
export function awaitedOf(row: DeliveryRow): { to: string; trigger: NotificationTrigger } {
  return (JSON.parse(row.payload) as { awaiting: { to: string; trigger: NotificationTrigger } })
    .awaiting;
}
