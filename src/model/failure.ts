import type { JobState } from './job.ts';

/**
 * Why a job failed, normalised across providers: the GraphQL enum `FailureCategory`
 * (schema/job.graphql). Each provider's rules (src/datasources/<p>/failureRules.ts) map its own
 * documented reasons to one of these; text no rule knows is UNKNOWN, never a guess.
 */
export const FAILURE_CATEGORIES = [
  'USER_CODE',
  'OUT_OF_MEMORY',
  'IMAGE_PULL',
  'PERMISSION',
  'CAPACITY',
  'SPOT_RECLAIMED',
  'TIMEOUT',
  'CANCELLED',
  'DEPENDENCY',
  'PROVIDER_ERROR',
  'UNKNOWN',
] as const;
type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/** GraphQL type `JobFailure`: a failed or cancelled job's cause. */
export interface JobFailure {
  category: FailureCategory;
  /** Would the same job likely pass if run again (capacity, spot, throttling, timeouts). */
  retryable: boolean;
  /** One sentence a person reads. */
  summary: string;
  /** The provider's fields it was read from, each `field: value`. */
  evidence: string[];
  /** The version of the provider's rule table that decided (`batch-2026.11.1`). */
  rulesVersion: string;
}

/** One provider field a failure may be read from: its path as shown (`attempts[1].statusReason`). */
export interface FailureEvidence {
  readonly field: string;
  readonly value: string | number | boolean;
}

/**
 * One rule of a provider's table: the field it reads (indexes written `[]`: `attempts[].statusReason`
 * matches every attempt's), and what its value must be — text matching `pattern`, an exit code
 * (`nonzero`: any but 0), or exactly `equals` — for the job's failure to be `category`. `summary`
 * may name the value it matched as `{value}`.
 */
export interface FailureRule {
  readonly field: string;
  readonly pattern?: RegExp;
  readonly exitCode?: number | 'nonzero';
  readonly equals?: string | boolean;
  readonly category: FailureCategory;
  readonly retryable: boolean;
  readonly summary: string;
  /** The provider's documentation the rule is read from, for the reader of the table. */
  readonly source: string;
}

/** What a rule concludes of a job whose field meets its condition. */
export type FailureOutcome = Pick<FailureRule, 'category' | 'retryable' | 'summary'>;

/**
 * The rules a provider reads from one documented `source`: each the field it reads with its
 * condition (`when`), and its outcome.
 */
export function rulesOf(
  source: string,
): (
  when: Pick<FailureRule, 'field' | 'pattern' | 'exitCode' | 'equals'>,
  outcome: FailureOutcome,
) => FailureRule {
  return (when, outcome) => ({ ...when, ...outcome, source });
}

/** A provider's rule table: its version (`JobFailure.rulesVersion`) and its rules, first match wins. */
export interface FailureRules {
  readonly version: string;
  readonly rules: readonly FailureRule[];
}

/** What a table says when no rule matches a failed job's fields. */
const UNKNOWN_SUMMARY =
  'The provider gave a reason no rule of this version knows; read the evidence.';
const CANCELLED_SUMMARY = 'The job was cancelled before it finished.';
/** Evidence values are the provider's words; a long one is cut so a notification stays small. */
const MAX_VALUE_CHARS = 300;

/** Make a provider's table, frozen; a rule with no condition, or two, is a bug caught at load. */
export function failureRules(version: string, rules: readonly FailureRule[]): FailureRules {
  for (const rule of rules) {
    const conditions = [rule.pattern, rule.exitCode, rule.equals].filter((c) => c !== undefined);
    if (conditions.length !== 1) {
      throw new TypeError(`failure rule on ${rule.field} needs exactly one condition`);
    }
  }
  return Object.freeze({ version, rules: Object.freeze([...rules]) });
}

/** True when `rule` reads `evidence`'s field and its value meets the rule's condition. */
export function ruleMatches(rule: FailureRule, evidence: FailureEvidence): boolean {
  if (rule.field !== evidence.field.replace(/\[\d+\]/g, '[]')) return false;
  const { value } = evidence;
  if (rule.pattern) return typeof value === 'string' && rule.pattern.test(value);
  if (rule.exitCode !== undefined) {
    if (typeof value !== 'number') return false;
    return rule.exitCode === 'nonzero' ? value !== 0 : value === rule.exitCode;
  }
  return value === rule.equals;
}

function shown(value: FailureEvidence['value']): string {
  const text = String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/**
 * The failure of a job in `state` whose provider fields are `evidence` (in the order the
 * provider's reader lists them), under `table`: null unless the job FAILED or was CANCELLED; the
 * first rule (in the table's order) that any evidence meets decides; none: CANCELLED for a
 * cancelled job, else UNKNOWN, each with all the evidence.
 */
export function evaluateFailure(
  table: FailureRules,
  state: JobState,
  evidence: readonly FailureEvidence[],
): JobFailure | null {
  if (state !== 'FAILED' && state !== 'CANCELLED') return null;
  const lines = evidence.map((e) => `${e.field}: ${shown(e.value)}`);
  for (const rule of table.rules) {
    const hit = evidence.find((e) => ruleMatches(rule, e));
    if (hit) {
      return {
        category: rule.category,
        retryable: rule.retryable,
        summary: rule.summary.replace('{value}', shown(hit.value)),
        evidence: lines,
        rulesVersion: table.version,
      };
    }
  }
  const cancelled = state === 'CANCELLED';
  return {
    category: cancelled ? 'CANCELLED' : 'UNKNOWN',
    retryable: false,
    summary: cancelled ? CANCELLED_SUMMARY : UNKNOWN_SUMMARY,
    evidence: lines,
    rulesVersion: table.version,
  };
}

/** Evidence from a field whose value may be absent or empty (nothing then). */
export function evidenceOf(
  field: string,
  value: string | number | boolean | null | undefined,
): FailureEvidence[] {
  if (value === null || value === undefined || value === '') return [];
  return [{ field, value }];
}
