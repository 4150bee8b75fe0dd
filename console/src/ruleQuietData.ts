// A rule's quiet settings as the Notifications page checks and reads them (docs/notifications.md
// "Grouped chat", "Muting"), with the server's own bounds and reason (src/notifications/ruleQuiet.ts).
import {
  DISABLE_AFTER_FAILING_DAYS,
  GROUP_WINDOW_SECONDS,
  disabledForFailing,
  groupWindowProblem,
} from '../../src/notifications/ruleQuiet.ts';
import type { RuleShown } from './notificationData.ts';

export { DISABLE_AFTER_FAILING_DAYS, GROUP_WINDOW_SECONDS, disabledForFailing };

/** Whether a target kind is a chat (SLACK, TEAMS): its deliveries grouped by window. */
export function isChat(kind: string): boolean {
  return kind === 'SLACK' || kind === 'TEAMS';
}

/** A rule's group window and mute as the API takes them, or why not (in the API's words). */
export type QuietInput =
  | { ok: true; input: { groupWindowSeconds?: number; mutedUntil: string | null } }
  | { ok: false; problem: string };

/**
 * The form's group window (seconds; empty: the API's default; a WEBHOOK rule sends none) and
 * "Mute until" (a `datetime-local` value read as UTC, as the console shows every time; empty:
 * not muted), checked as the API checks them (src/notifications/ruleQuiet.ts).
 */
export function quietInput(kind: string, windowText: string, muteText: string): QuietInput {
  let groupWindowSeconds: number | undefined;
  if (isChat(kind)) {
    const text = windowText.trim();
    groupWindowSeconds = text === '' ? GROUP_WINDOW_SECONDS.default : Number(text);
    const problem = groupWindowProblem(groupWindowSeconds);
    if (problem !== null) return { ok: false, problem };
  }
  const mute = muteText.trim();
  const at = mute === '' ? null : Date.parse(`${mute}Z`);
  if (at !== null && Number.isNaN(at)) return { ok: false, problem: 'mutedUntil is a date-time.' };
  const mutedUntil = at === null ? null : new Date(at).toISOString();
  return {
    ok: true,
    input: groupWindowSeconds === undefined ? { mutedUntil } : { groupWindowSeconds, mutedUntil },
  };
}

/** Whether the rule is muted at `nowMs` (a mute in the past mutes nothing). */
export function mutedAt(rule: RuleShown, nowMs: number): boolean {
  return rule.mutedUntil !== null && Date.parse(rule.mutedUntil) > nowMs;
}
