import type { FailureEvidence } from './failure.ts';
import type { JobRecord } from './job.ts';

/**
 * What a job's record says of it beyond its state, as its provider reads its own fields
 * (`Provider.facts`, each provider's facts.ts): what the history stores and searches a job by, what
 * a notification rule's text filter reads, and the fields its failure is read from. A list row in
 * record form (what the history writes of a listed job) may lack fields: each is then null, never
 * a throw. Empty text is null.
 */
export interface JobFacts {
  /** The job's name (AWS Batch `jobName`, COS Batch's description, …); null where it has none. */
  name: string | null;
  /** The queue it waits in (AWS Batch `jobQueue`); null for a provider without queues. */
  queue: string | null;
  /** The provider's words on its status (AWS Batch `statusReason`). */
  message: string | null;
  /** When it was created, started and stopped (ISO-8601 UTC), where the provider says. */
  createdAt: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** The provider fields its failure is read from (`Provider.failure`), in its reader's order. */
  evidence: readonly FailureEvidence[];
}

/** A text field's value: a non-empty string, else null. */
export function textOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The facts the `Job` header's own fields tell (its name, status message, created and completed
 * times), with `evidence`: what a provider's facts start from, its own fields filling the rest.
 */
export function headerFacts(
  record: Partial<JobRecord>,
  evidence: readonly FailureEvidence[] = [],
): JobFacts {
  return {
    name: textOf(record.name),
    queue: null,
    message: textOf(record.statusMessage),
    createdAt: textOf(record.createdAt),
    startedAt: null,
    stoppedAt: textOf(record.completedAt),
    evidence,
  };
}
