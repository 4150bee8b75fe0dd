/**
 * A transition's facts and names (notifier.ts fires from them): its trigger, the facts a rule's
 * filter reads, its delivery ID and the provider's stamp, and the transitions its payload lists.
 */
import { createHash } from 'node:crypto';
import type { JobRow } from '../history/tables.ts';
import type { JobRecord } from '../model/job.ts';
import { parseGlobalId } from '../model/globalId.ts';
import { factsOf, partsOf } from '../datasources/registry.ts';
import type { DeliveryRow, RuleRow } from './ruleStore.ts';
import {
  EVENT_TYPES,
  type NotificationTrigger,
  type PayloadTransition,
  type WebhookBody,
} from './payload.ts';
import { failureField } from './failureField.ts';
import type { RuleFacts } from './ruleSet.ts';
import { dueAt } from './chatGroups.ts';

/** The trigger a job's new state is, if any. */
export function triggerOf(from: string | null, to: string): NotificationTrigger | null {
  switch (to) {
    case 'FAILED':
      return 'FAILED';
    case 'SUCCEEDED':
    case 'SUCCEEDED_WITH_ERRORS':
      return 'SUCCEEDED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'IN_PROGRESS':
      return from === null || from === 'QUEUED' || from === 'PAUSED' ? 'STARTED' : null;
    default:
      return null;
  }
}

const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : '');

/** A record's facts: its provider's (`Provider.facts`), what the history's row stores of it. */
export function factsOfRecord(record: JobRecord, account: string): RuleFacts {
  const { name, queue, message } = factsOf(record);
  return {
    id: record.id,
    provider: record.provider,
    account,
    region: typeof record.region === 'string' ? record.region : null,
    state: record.state,
    text: [name, queue, message].map(lower).join('\n'),
  };
}

export const factsOfRow = (row: Omit<JobRow, 'record'>): RuleFacts => ({
  id: row.id,
  provider: row.provider,
  account: row.account,
  region: row.region,
  state: row.state,
  text: [row.name, row.queue, row.status_message].map(lower).join('\n'),
});

/** The `webhook-id` of rule × job × transition: the same on every replica and after a restart. */
export function deliveryIdOf(
  ruleId: string,
  jobId: string,
  trigger: string,
  stamp: string,
): string {
  const digest = createHash('sha256').update(`${ruleId}\n${jobId}\n${trigger}\n${stamp}`).digest();
  return `msg_${digest.subarray(0, 18).toString('base64url')}`;
}

/** The provider's stamp of a record's transition: its completion, else its update, else `at`. */
export function stampOf(record: Record<string, unknown>, at: string): string {
  const t = record.completedAt ?? record.updatedAt;
  return typeof t === 'string' && t !== '' ? t : at;
}

/**
 * A payload's transitions ending with the one that fired it: the history's, and `firing` after
 * them unless the newest already moved the job to that state.
 */
export function withFiring(
  shown: PayloadTransition[],
  firing: PayloadTransition,
): PayloadTransition[] {
  const last = shown.at(-1);
  if (last && last.to === firing.to) return shown;
  return [...shown, { ...firing, from: firing.from ?? last?.to ?? null }];
}

/** The transitions a part of another job notifies chat of through its parent only. */
const PART_FINISHES: ReadonlySet<string> = new Set(['FAILED', 'SUCCEEDED', 'CANCELLED']);

/** One job's transition that fires, as `deliveriesOf` makes its deliveries. */
export interface Firing {
  jobId: string;
  trigger: NotificationTrigger;
  record: Record<string, unknown>;
  transitions: PayloadTransition[];
  at: string;
  /** The provider's stamp of the transition (`stampOf`), which the IDs are derived from. */
  stamp: string;
  consoleUrl: string | null;
}

/**
 * One delivery a rule of `rules` for one job's transition, at `at`. The body differs between them
 * only by `data.rule`: the rest (the job, its transitions, the link) is serialised once and
 * shared, the text the same as `JSON.stringify` of the whole `WebhookBody`.
 */
export function deliveriesOf(rules: readonly RuleRow[], firing: Firing): DeliveryRow[] {
  const { jobId, trigger, record, transitions, at, stamp, consoleUrl } = firing;
  const type = EVENT_TYPES[trigger];
  const parts = partsOfJob(jobId);
  // A part of another job (an array child, a node) changes with its parent: its finish is a
  // webhook event of its own, never a chat message (the parent's counts it), so a multi-node
  // job's failure is one message a channel, not one a node.
  const part = PART_FINISHES.has(trigger) && parts?.parentOf(jobId) != null;
  const taking = part ? rules.filter((r) => r.target_kind === 'WEBHOOK') : rules;
  const count = parts?.countOf(record as never) ?? null;
  const head = `{"type":${JSON.stringify(type)},"timestamp":${JSON.stringify(at)},"data":{"rule":`;
  const shared: Omit<WebhookBody['data'], 'rule'> = {
    job: record,
    transitions,
    consoleUrl,
    ...failureField(record),
    ...(count !== null ? { parts: count } : {}),
  };
  // `,"job":…,"transitions":…,"consoleUrl":…}}`: the data's fields after `rule`.
  const tail = `,${JSON.stringify(shared).slice(1)}}`;
  return taking.map((rule) => ({
    id: deliveryIdOf(rule.id, jobId, trigger, stamp),
    rule_id: rule.id,
    job_id: jobId,
    type,
    payload: head + JSON.stringify({ id: rule.id, name: rule.name }) + tail,
    status: 'PENDING',
    attempts: 0,
    // A chat rule's deliveries wait for their window's end, and go as one message (chatGroups.ts).
    next_attempt_at: new Date(dueAt(rule, Date.parse(at))).toISOString(),
    created_at: at,
  }));
}

/** The parts rules of the kind of the job of `jobId` (null: none, or an ID it cannot read). */
function partsOfJob(jobId: string) {
  try {
    return partsOf(parseGlobalId(jobId));
  } catch {
    return null;
  }
}
