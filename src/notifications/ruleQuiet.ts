/**
 * What a rule's quiet settings may be and what its failure span says (docs/notifications.md): the
 * group window's bounds, the days of failure that disable a rule and the reason it is given. Pure,
 * so the console (console/src/notificationData.ts) checks and reads them as the server does.
 */

/** A chat rule's group window, seconds: 0 (one message a delivery) to an hour, 30 when none is given (Alertmanager's group_wait). */
export const GROUP_WINDOW_SECONDS = { min: 0, max: 3600, default: 30 } as const;

/** Why `seconds` is no group window (the API's BAD_USER_INPUT message), or null when it is one. */
export function groupWindowProblem(seconds: number): string | null {
  const { min, max } = GROUP_WINDOW_SECONDS;
  if (Number.isInteger(seconds) && seconds >= min && seconds <= max) return null;
  return `groupWindowSeconds is a whole number from ${min} to ${max}.`;
}

/** Days a rule's target may fail without one success before the rule is disabled (as Svix does). */
export const DISABLE_AFTER_FAILING_DAYS = 5;

/** The `disabledReason` of a rule disabled after `days` days of its target failing. */
export function failingReason(days: number): string {
  return `the target failed for ${days} days without a success`;
}

/** Whether `disabledReason` says the rule was disabled for its target's failure span (failingReason's text). */
export function disabledForFailing(reason: string | null): boolean {
  return reason !== null && /^the target failed for \d+ days without a success$/.test(reason);
}
