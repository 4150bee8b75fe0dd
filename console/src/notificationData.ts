// The Notifications page's data: its GraphQL operations (schema/notifications.graphql), the rule
// filter a list's URL names ("Notify me about these"), and one call that tells a refused token.
import { TokenRefusedError, consolePath, graphql, type GqlError } from './api.ts';
import { filtersFromSearch, searchFromFilters, type Filters } from './filters.ts';

/** Where the page is (console/src/notifications.tsx). */
export const NOTIFICATIONS_PATH = `${consolePath}/notifications`;

/** What a rule fires on, in the schema's order, with the words the page shows. */
export const TRIGGERS: readonly (readonly [string, string])[] = [
  ['FAILED', 'Failed'],
  ['SUCCEEDED', 'Succeeded'],
  ['CANCELLED', 'Cancelled'],
  ['STARTED', 'Started'],
  ['STUCK', 'Stuck'],
  ['QUEUE_BLOCKED', 'Queue blocked'],
];
export const TARGET_KINDS: readonly (readonly [string, string])[] = [
  ['WEBHOOK', 'Webhook (Standard Webhooks, signed)'],
  ['SLACK', 'Slack incoming webhook'],
  ['TEAMS', 'Microsoft Teams Workflows webhook'],
];

export interface RuleShown {
  id: string;
  name: string;
  on: string[];
  target: { kind: string; url: string };
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  /** As stored: each field null when the rule names none. */
  filter: { [K in keyof RuleFilter]-?: RuleFilter[K] | null };
  stuckAfterSeconds: number | null;
  stuckFactor: number | null;
  /** SLACK and TEAMS: the seconds whose deliveries go as one message (0: none). */
  groupWindowSeconds: number;
  /** Until when it delivers nothing; null: not muted. */
  mutedUntil: string | null;
  /** Since when its target has failed without a success; null: its last answer was one. */
  failingSince: string | null;
}
interface AttemptShown {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}
export interface DeliveryShown {
  id: string;
  type: string;
  jobId: string | null;
  status: string;
  createdAt: string;
  attempts: AttemptShown[];
}

const RULE_FIELDS = `id name on target { kind url } enabled disabledReason createdAt
  filter { providers accounts regions states text } stuckAfterSeconds stuckFactor
  groupWindowSeconds mutedUntil failingSince`;
const DELIVERY_FIELDS =
  'id type jobId status createdAt attempts { at statusCode error durationMs }';
/** One page of the rules (100, the most a page holds), after `$after` (null: the first). */
export const RULES_QUERY = `query ($after: String) { notificationRules(first: 100, after: $after) {
  nodes { ${RULE_FIELDS} } pageInfo { hasNextPage endCursor } totalCount } }`;

/** `notificationRules` as RULES_QUERY reads it. */
export interface RulesPage {
  notificationRules: {
    nodes: RuleShown[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  };
}
export const DELIVERIES_QUERY = `query ($id: ID!) { notificationRule(id: $id) {
  id deliveries(first: 25) { nodes { ${DELIVERY_FIELDS} } } } }`;
export const CREATE_MUTATION = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { ${RULE_FIELDS} } } }`;
export const UPDATE_MUTATION = `mutation ($id: ID!, $input: NotificationRuleInput!) {
  updateNotificationRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
export const DELETE_MUTATION = 'mutation ($id: ID!) { deleteNotificationRule(id: $id) }';
export const TEST_MUTATION = `mutation ($id: ID!) { testNotificationRule(id: $id) { ${DELIVERY_FIELDS} } }`;
export const REDELIVER_MUTATION = `mutation ($id: ID!) { redeliverNotification(id: $id) { ${DELIVERY_FIELDS} } }`;

/** A rule's job filter (JobHistoryFilter's fields a rule keeps: no time window). */
export interface RuleFilter {
  providers?: string[];
  accounts?: string[];
  regions?: string[];
  states?: string[];
  text?: string;
}

/**
 * The rule as shown, given back to `updateNotificationRule` with `enabled` set: its target is the
 * masked URL, which keeps the stored one (the console never holds the real URL).
 */
export function toggledInput(rule: RuleShown, enabled: boolean): Record<string, unknown> {
  const filter = Object.fromEntries(Object.entries(rule.filter).filter(([, v]) => v !== null));
  return {
    name: rule.name,
    filter,
    on: rule.on,
    stuckAfterSeconds: rule.stuckAfterSeconds,
    stuckFactor: rule.stuckFactor,
    target: { kind: rule.target.kind, url: rule.target.url },
    enabled,
    // Left out, the API would take them as new: a 30 s window and no mute.
    groupWindowSeconds: rule.groupWindowSeconds,
    mutedUntil: rule.mutedUntil,
  };
}

/**
 * The rule filter of a list's URL query (`?state=FAILED&provider=AWS_BATCH&text=nightly`): its
 * providers, accounts, regions, states and text; its created-time window is no rule's.
 */
export function ruleFilterOf(search: string): RuleFilter {
  const f = filtersFromSearch(search);
  const text = new URLSearchParams(search).get('text')?.trim() ?? '';
  return {
    ...(f.providers.length ? { providers: f.providers } : {}),
    ...(f.accounts.length ? { accounts: f.accounts } : {}),
    ...(f.regions.length ? { regions: f.regions } : {}),
    ...(f.states.length ? { states: f.states } : {}),
    ...(text ? { text } : {}),
  };
}

/** The Notifications page's address that opens the create form with the list's filters. */
export function notifyAboutPath(filters: Filters): string {
  const search = searchFromFilters({ ...filters, createdAfter: '', createdBefore: '' });
  return `${NOTIFICATIONS_PATH}${search ? `${search}&` : '?'}new=1`;
}

/** Whether the page's address asks for the create form ("Notify me about these"). */
export function createAsked(search: string): boolean {
  return new URLSearchParams(search).has('new');
}

/** The filter in words, as the form and a rule show it: "any job" when it names nothing. */
export function filterWords(filter: RuleFilter): string {
  const parts = [
    filter.providers?.length ? `providers ${filter.providers.join(', ')}` : '',
    filter.accounts?.length ? `accounts ${filter.accounts.join(', ')}` : '',
    filter.regions?.length ? `regions ${filter.regions.join(', ')}` : '',
    filter.states?.length ? `states ${filter.states.join(', ')}` : '',
    filter.text ? `text \u201c${filter.text}\u201d` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'any job the token reads';
}

/** The page's one way to ask: data, or the first error's message thrown; a refused token told. */
export async function ask<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
  onRefused: (message: string) => void,
): Promise<T> {
  let errors: GqlError[] | undefined;
  let data: T | null | undefined;
  try {
    ({ data, errors } = await graphql<T>(query, variables, token));
  } catch (err) {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    throw err;
  }
  if (errors?.length || !data) throw new Error(errors?.[0]?.message ?? 'jobgraph sent no data');
  return data;
}
