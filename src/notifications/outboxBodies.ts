/**
 * What the outbox (outbox.ts) sends a target: the body a target of each kind gets from the stored
 * webhook body, and the keys a webhook's signature is made with.
 */
import type { KeyObject } from 'node:crypto';
import type { OpenedValues } from './openedValues.ts';
import { slackMessage, teamsMessage, type WebhookBody } from './payload.ts';
import type { RuleRow } from './ruleStore.ts';

/**
 * The keys a WEBHOOK rule signs with at `nowMs`: its secret's, and while a rotation's overlap lasts
 * (`previous_secret_until`) the one's it replaced; none for SLACK and TEAMS (their URL is their
 * credential).
 */
export function signingKeys(rule: RuleRow, opened: OpenedValues, nowMs: number): KeyObject[] {
  if (rule.target_kind !== 'WEBHOOK' || !rule.secret_sealed) return [];
  const rotating =
    rule.previous_secret_sealed !== null &&
    rule.previous_secret_until !== null &&
    Date.parse(rule.previous_secret_until) > nowMs;
  return [
    opened.signingKey(rule.id, 'secret', rule.secret_sealed),
    ...(rotating
      ? [opened.signingKey(rule.id, 'previous_secret', rule.previous_secret_sealed!)]
      : []),
  ];
}

/** The body sent to a target of `kind`, from the stored webhook body. */
export function shapedBody(kind: string, stored: string): string {
  if (kind === 'WEBHOOK') return stored;
  const body = JSON.parse(stored) as WebhookBody;
  return JSON.stringify(kind === 'SLACK' ? slackMessage(body) : teamsMessage(body));
}
