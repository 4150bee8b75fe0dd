/**
 * A notification rule's input checked (docs/notifications.md): its triggers and STUCK bounds, and
 * its filter — the fields a rule matches by, each bounded (BAD_USER_INPUT naming the argument).
 */
import { BadUserInputError } from '../errors.ts';
import type { HistoryFilter } from '../history/historyWhere.ts';
import { EVENT_TYPES, type NotificationTrigger } from './payload.ts';
import { GROUP_WINDOW_SECONDS, groupWindowProblem } from './ruleQuiet.ts';

/** The filter fields a rule matches by (JobHistoryFilter's; its time windows mean nothing to a rule). */
export type RuleFilter = Pick<
  HistoryFilter,
  'providers' | 'accounts' | 'regions' | 'states' | 'text'
>;

/** `NotificationRuleInput` as GraphQL gives it. */
export interface RuleInput {
  name: string;
  filter?: Record<string, unknown> | null;
  on: readonly string[];
  stuckAfterSeconds?: number | null;
  stuckFactor?: number | null;
  target: { kind: string; url: string };
  enabled?: boolean | null;
  groupWindowSeconds?: number | null;
  mutedUntil?: string | null;
}

/** A rule's group window and mute, checked: the window 0–3600 s, the mute an ISO time. */
export function quietOf(input: RuleInput): {
  groupWindowSeconds: number;
  mutedUntil: string | null;
} {
  const window = input.groupWindowSeconds ?? GROUP_WINDOW_SECONDS.default;
  const problem = groupWindowProblem(window);
  if (problem !== null)
    throw new BadUserInputError(problem, { argument: 'input.groupWindowSeconds' });
  const muted = input.mutedUntil ?? null;
  if (muted !== null && Number.isNaN(Date.parse(muted)))
    throw new BadUserInputError('mutedUntil is a date-time.', { argument: 'input.mutedUntil' });
  return {
    groupWindowSeconds: window,
    mutedUntil: muted === null ? null : new Date(Date.parse(muted)).toISOString(),
  };
}

const TRIGGERS = Object.keys(EVENT_TYPES) as NotificationTrigger[];
const FILTER_FIELDS = ['providers', 'accounts', 'regions', 'states', 'text'] as const;
/** Longest `filter.text`, characters (it is matched against every transition's job). */
const MAX_FILTER_TEXT = 200;
/** Most entries in one of a filter's lists (providers, accounts, regions, states). */
const MAX_FILTER_LIST = 100;

/** A rule's triggers and STUCK bounds, checked. */
export function triggersOf(input: RuleInput) {
  const on = [...new Set(input.on)] as NotificationTrigger[];
  if (on.length === 0)
    throw new BadUserInputError('A rule fires on at least one trigger (`on`).', {
      argument: 'input.on',
    });
  for (const t of on)
    if (!TRIGGERS.includes(t))
      throw new BadUserInputError(`Unknown trigger ${JSON.stringify(t)}.`, {
        argument: 'input.on',
      });
  const stuckAfterSeconds = input.stuckAfterSeconds ?? null;
  const stuckFactor = input.stuckFactor ?? null;
  if (stuckAfterSeconds !== null && (stuckAfterSeconds < 60 || stuckAfterSeconds > 30 * 86400))
    throw new BadUserInputError('stuckAfterSeconds is between 60 and 2592000 (30 days).', {
      argument: 'input.stuckAfterSeconds',
    });
  if (stuckFactor !== null && !(stuckFactor >= 1 && stuckFactor <= 100))
    throw new BadUserInputError('stuckFactor is between 1 and 100.', {
      argument: 'input.stuckFactor',
    });
  if (on.includes('STUCK') && (stuckAfterSeconds === null) === (stuckFactor === null))
    throw new BadUserInputError('A STUCK rule names one of stuckAfterSeconds or stuckFactor.', {
      argument: 'input.on',
    });
  return { on, stuckAfterSeconds, stuckFactor };
}

/** A rule's filter: the fields a rule matches by, others refused. */
export function filterOf(input: RuleInput): RuleFilter {
  const filter: RuleFilter = {};
  for (const [key, value] of Object.entries(input.filter ?? {})) {
    if (value === null || value === undefined) continue;
    if (!(FILTER_FIELDS as readonly string[]).includes(key))
      throw new BadUserInputError(
        `A rule's filter matches by ${FILTER_FIELDS.join(', ')}; not ${key}.`,
        { argument: `input.filter.${key}` },
      );
    if (key === 'text' && (typeof value !== 'string' || value.length > MAX_FILTER_TEXT))
      throw new BadUserInputError(
        `A rule's filter.text is at most ${MAX_FILTER_TEXT} characters.`,
        {
          argument: 'input.filter.text',
        },
      );
    if (Array.isArray(value) && value.length > MAX_FILTER_LIST)
      throw new BadUserInputError(`A rule's filter.${key} names at most ${MAX_FILTER_LIST}.`, {
        argument: `input.filter.${key}`,
      });
    (filter as Record<string, unknown>)[key] = value;
  }
  return filter;
}
