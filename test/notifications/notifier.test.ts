// Which rule takes which transition (src/notifications/notifier.ts): a rule's accounts first (a
// rule of account A never takes a job of account B), then its filter and triggers; and one
// webhook-id per rule, job, trigger and provider stamp.
import { describe, expect, it } from 'vitest';
import {
  deliveryIdOf,
  ruleMatches,
  triggerOf,
  type JobFacts,
} from '../../src/notifications/notifier.ts';
import type { RuleRow } from '../../src/notifications/ruleStore.ts';

const rule = (over: Partial<RuleRow> = {}): RuleRow => ({
  id: 'nr_1',
  name: 'r',
  owner: null,
  accounts: '["default"]',
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
  enabled: 1,
  disabled_reason: null,
  created_at: '',
  updated_at: '',
  ...over,
});
const job = (over: Partial<JobFacts> = {}): JobFacts => ({
  id: 'batch:us-east-1:j',
  provider: 'AWS_BATCH',
  account: 'default',
  region: 'us-east-1',
  state: 'FAILED',
  text: 'nightly-etl\nqueue-a\nessential container exited',
  ...over,
});

describe('A notification rule', () => {
  it('never takes a job of an account it does not hold; `*` holds every account', () => {
    expect(ruleMatches(rule(), job(), 'FAILED')).toBe(true);
    expect(ruleMatches(rule(), job({ account: 'staging' }), 'FAILED')).toBe(false);
    expect(ruleMatches(rule({ accounts: '["*"]' }), job({ account: 'staging' }), 'FAILED')).toBe(
      true,
    );
  });

  it('takes only its triggers, enabled, and what its filter names', () => {
    expect(ruleMatches(rule(), job(), 'SUCCEEDED')).toBe(false);
    expect(ruleMatches(rule({ enabled: 0 }), job(), 'FAILED')).toBe(false);
    const f = (filter: object) => rule({ filter: JSON.stringify(filter) });
    expect(ruleMatches(f({ providers: ['AWS_OMICS'] }), job(), 'FAILED')).toBe(false);
    expect(ruleMatches(f({ regions: ['eu-west-1'] }), job(), 'FAILED')).toBe(false);
    expect(ruleMatches(f({ states: ['SUCCEEDED'] }), job(), 'FAILED')).toBe(false);
    expect(ruleMatches(f({ text: 'ETL' }), job(), 'FAILED')).toBe(true);
    expect(ruleMatches(f({ text: 'report' }), job(), 'FAILED')).toBe(false);
  });

  it('calls a start a start only from a queued or paused state', () => {
    expect(triggerOf('QUEUED', 'IN_PROGRESS')).toBe('STARTED');
    expect(triggerOf('FAILED', 'IN_PROGRESS')).toBeNull();
    expect(triggerOf('IN_PROGRESS', 'SUCCEEDED_WITH_ERRORS')).toBe('SUCCEEDED');
  });

  it('names one delivery per rule, job, trigger and provider stamp', () => {
    const a = deliveryIdOf('nr_1', 'batch:x', 'FAILED', '2026-11-27T12:00:00.000Z');
    expect(a).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(deliveryIdOf('nr_1', 'batch:x', 'FAILED', '2026-11-27T12:00:00.000Z')).toBe(a);
    expect(deliveryIdOf('nr_2', 'batch:x', 'FAILED', '2026-11-27T12:00:00.000Z')).not.toBe(a);
    expect(deliveryIdOf('nr_1', 'batch:x', 'FAILED', '2026-11-28T12:00:00.000Z')).not.toBe(a);
  });
});
