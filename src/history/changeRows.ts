/** A change's rows as stored (its job, its transition), text storable; apart from writer.ts. */
import type { JobFacts } from '../model/facts.ts';
import { isTerminalState, type JobRecord, type JobState } from '../model/job.ts';
import type { StagedJob } from './batchStatements.ts';
import {
  STATUS_TEXT_MAX_CHARS,
  storableJson,
  storableOrNull,
  storableText,
} from './storableText.ts';
import type { HistoryChange } from './change.ts';
import type { JobRow, TransitionRow } from './database.ts';

/** A text fact, storable (storableText.ts), or null. */
const text = (v: string | null, maxChars?: number): string | null =>
  v === null ? null : storableText(v, maxChars);

/**
 * A job's row at `change`: searchable text from its provider's facts of the record (`facts`), and
 * the record (`stripped`), serialised as its statement is bound (batchStatements.ts). Every text
 * value is storable (storableText.ts): a NUL in a status reason cannot fail a batch.
 */
export function stagedJobOf(
  id: string,
  change: HistoryChange,
  record: JobRecord,
  facts: JobFacts,
  failureCategory: string | null = null,
): StagedJob {
  const createdAt = text(facts.createdAt);
  const finishedAt = text(facts.stoppedAt);
  return {
    id: storableText(id),
    provider: storableText(String(record.provider)),
    account: storableText(change.account),
    region:
      typeof record.region === 'string' && record.region !== ''
        ? storableText(record.region)
        : null,
    state: storableText(change.to),
    provider_status: storableOrNull(change.providerStatus, STATUS_TEXT_MAX_CHARS),
    status_message: text(facts.message, STATUS_TEXT_MAX_CHARS),
    name: text(facts.name),
    queue: text(facts.queue),
    created_at: createdAt,
    finished_at: finishedAt,
    sort_at: finishedAt ?? createdAt ?? storableText(change.at),
    terminal: isTerminalState(change.to as JobState) ? 1 : 0,
    last_confirmed_at: storableText(change.at),
    failure_category: failureCategory,
    stripped: record,
  };
}

/**
 * A job's row at `change` as stored, its record serialised, `facts` its provider's of the record
 * (what the bare write of bench:history-writer writes).
 */
export function jobRowOf(
  id: string,
  change: HistoryChange,
  record: JobRecord,
  facts: JobFacts,
): JobRow {
  const { stripped, ...row } = stagedJobOf(id, change, record, facts);
  return { ...row, record: storableJson(stripped) };
}

/** The transition a change observed, its text storable. */
export const transitionOf = (id: string, change: HistoryChange): TransitionRow => ({
  job_id: storableText(id),
  at: storableText(change.at),
  from_state: storableOrNull(change.from),
  to_state: storableText(change.to),
  provider_status: storableOrNull(change.providerStatus, STATUS_TEXT_MAX_CHARS),
  source: change.source,
  event_id: storableOrNull(change.eventId ?? null),
  // Numbered as it is written (`placed`), among its job's transitions.
  ordinal: null,
});
