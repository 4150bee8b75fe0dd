// A notification rule's quiet settings on the Notifications page (docs/notifications.md "Grouped
// chat", "Muting"): the form's group window and "Mute until", and the flags a rule's row shows —
// muted until, failing since, disabled after the days of failure. The API's text is shown as text.
import type { RuleShown } from './notificationData.ts';
import {
  DISABLE_AFTER_FAILING_DAYS,
  GROUP_WINDOW_SECONDS,
  disabledForFailing,
  isChat,
  mutedAt,
} from './ruleQuietData.ts';
import { utc } from './format.ts';

/** The form's group window (SLACK and TEAMS only) and "Mute until" (UTC, empty: not muted). */
export function QuietFields({ kind }: { kind: string }) {
  const { min, max } = GROUP_WINDOW_SECONDS;
  return (
    <>
      {isChat(kind) ? (
        <>
          <label for="rule-group-window">Group window (seconds)</label>
          <input
            id="rule-group-window"
            name="groupWindowSeconds"
            type="number"
            min={min}
            max={max}
            step={1}
            defaultValue={String(GROUP_WINDOW_SECONDS.default)}
            aria-describedby="rule-group-window-help"
          />
          <p id="rule-group-window-help" class="muted">
            The deliveries of each window go as one message; 0: one message a delivery ({min}–{max}
            ).
          </p>
        </>
      ) : null}
      <label for="rule-muted-until">Mute until (UTC)</label>
      <input id="rule-muted-until" name="mutedUntil" type="datetime-local" step={1} />
    </>
  );
}

/** What the rule's row says of its state: enabled, or disabled and why. */
export function RuleState({ rule }: { rule: RuleShown }) {
  if (rule.enabled) return <>Enabled</>;
  if (disabledForFailing(rule.disabledReason))
    return (
      <span data-rule-failed-out title={rule.disabledReason ?? ''}>
        Disabled after {DISABLE_AFTER_FAILING_DAYS} days of failure
      </span>
    );
  return <>{`Disabled${rule.disabledReason ? `: ${rule.disabledReason}` : ''}`}</>;
}

/** The rule's flags: muted until (a mute still ahead), failing since (its target's failure). */
export function RuleFlags({ rule, nowMs }: { rule: RuleShown; nowMs: number }) {
  return (
    <>
      {rule.mutedUntil !== null && mutedAt(rule, nowMs) ? (
        <>
          {' '}
          <span class="badge muted-rule" data-rule-muted={rule.mutedUntil}>
            muted until <time dateTime={rule.mutedUntil}>{utc(rule.mutedUntil)}</time>
          </span>
        </>
      ) : null}
      {rule.failingSince !== null ? (
        <>
          {' '}
          <span class="badge failing-rule" data-rule-failing={rule.failingSince}>
            failing since <time dateTime={rule.failingSince}>{utc(rule.failingSince)}</time>
          </span>
        </>
      ) : null}
    </>
  );
}

/** A chat rule's grouping in words, for the Target column; nothing for a WEBHOOK rule. */
export function GroupingWords({ rule }: { rule: RuleShown }) {
  if (!isChat(rule.target.kind)) return null;
  return (
    <span class="muted" data-rule-group-window={rule.groupWindowSeconds}>
      {' '}
      ·{' '}
      {rule.groupWindowSeconds === 0
        ? 'one message a delivery'
        : `grouped by ${rule.groupWindowSeconds} s`}
    </span>
  );
}
