import { JOB_PROVIDERS, type JobRecord } from '../../src/model/job.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { RuleStore, type RuleAudit, type RuleRow } from '../../src/notifications/ruleStore.ts';
import type { RuleFacts } from '../../src/notifications/ruleSet.ts';
import type { HistoryStoreKind } from './historyStores.ts';

/** A fresh history store of `kind`, opened (its migrations run), and the rule store on it. */
export async function openedRuleStore(
  kind: HistoryStoreKind,
): Promise<{ db: HistoryDatabase; store: RuleStore }> {
  const db = (await openHistoryDatabase(await kind.fresh()))!;
  return { db, store: new RuleStore(db) };
}

/**
 * The `accounts` column of a rule covering `aliases` on every provider (rulePairs.ts's pairs).
 */
export const onEveryProvider = (...aliases: string[]): string =>
  JSON.stringify(aliases.flatMap((alias) => JOB_PROVIDERS.map((p) => `${p}/${alias}`)));

/**
 * A `notification_rules` row as the rule store reads one: an enabled WEBHOOK rule on FAILED for
 * the default account on every provider, named by its ID, with no secrets; `over` sets what a test is about.
 */
export function ruleRow(over: Partial<RuleRow> = {}): RuleRow {
  const id = over.id ?? 'nr_1';
  return {
    id,
    name: id,
    owner: null,
    accounts: onEveryProvider('default'),
    filter: '{}',
    triggers: 'FAILED',
    stuck_after_seconds: null,
    stuck_factor: null,
    target_kind: 'WEBHOOK',
    target_sealed: '',
    target_shown: '',
    secret_sealed: null,
    previous_secret_sealed: null,
    previous_secret_until: null,
    creator_reads_logs: 0,
    group_window_seconds: 0,
    muted_until: null,
    failing_since: null,
    enabled: 1,
    disabled_reason: null,
    created_at: '',
    updated_at: '',
    ...over,
  };
}

/** The audit entry of `rule`'s creation (`RuleStore.insert`'s second argument), at its `created_at`. */
export const createdAudit = (rule: RuleRow, subject: string | null = null): RuleAudit => ({
  ruleId: rule.id,
  at: rule.created_at,
  change: 'CREATE',
  subject,
  reason: null,
});

/** An AWS Batch job's record as the notifier reads it (`nightly etl` on queue `q0`), stamped `updatedAt`. */
/** An AWS Batch record of `queue` in `state`, named after its ID (a STUCK scan's, a queue's waits). */
export const queueRecord = (id: string, state: string, queue: string): JobRecord =>
  ({
    id,
    provider: 'AWS_BATCH',
    state,
    providerStatus: state,
    name: `job ${id}`,
    region: 'us-east-1',
    jobQueue: queue,
  }) as unknown as JobRecord;

export const batchRecord = (id: string, state: string, updatedAt: string): JobRecord =>
  ({
    id,
    provider: 'AWS_BATCH',
    state,
    providerStatus: state,
    name: 'nightly etl',
    region: 'us-east-1',
    jobQueue: 'q0',
    updatedAt,
  }) as unknown as JobRecord;

/** What a rule matches a job by: a failed Batch job of the default account; `over` sets what a test is about. */
export const ruleFacts = (over: Partial<RuleFacts> = {}): RuleFacts => ({
  id: 'batch:us-east-1:j',
  provider: 'AWS_BATCH',
  account: 'default',
  region: 'us-east-1',
  state: 'FAILED',
  text: 'nightly-etl\nqueue-a\nessential container exited',
  ...over,
});
