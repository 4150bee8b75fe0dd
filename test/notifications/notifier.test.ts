// Which rule takes which transition (src/notifications/notifier.ts): a rule's accounts first (a
// rule of account A never takes a job of account B), then its filter and triggers; and one
// webhook-id per rule, job, trigger and provider stamp.
import { describe, expect, it } from 'vitest';
import { deliveryIdOf, ruleMatches, triggerOf } from '../../src/notifications/notifier.ts';
import type { RuleRow } from '../../src/notifications/ruleStore.ts';
import { RuleSet } from '../../src/notifications/ruleSet.ts';
import { ruleFacts, ruleRow, onEveryProvider } from '../support/ruleRows.ts';

const rule = (over: Partial<RuleRow> = {}): RuleRow => ruleRow({ name: 'r', ...over });
const job = ruleFacts;

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

describe('The rules read, indexed by trigger and provider (RuleSet)', () => {
  // Every mix of trigger, provider filter, account, region, text and enabled, by turns.
  const triggers = ['FAILED', 'FAILED,SUCCEEDED', 'STARTED,CANCELLED', 'SUCCEEDED'];
  const providers = [undefined, ['AWS_BATCH'], ['AWS_OMICS'], ['AWS_OMICS', 'AWS_BATCH']];
  const rules = Array.from({ length: 96 }, (_, i) =>
    rule({
      id: `nr_${i}`,
      triggers: triggers[i % 4]!,
      accounts: i % 5 === 0 ? '["*"]' : i % 5 === 1 ? onEveryProvider('staging') : '["default"]',
      filter: JSON.stringify({
        providers: providers[Math.floor(i / 4) % 4],
        ...(i % 3 === 1 ? { regions: ['eu-west-1'] } : {}),
        ...(i % 7 === 2 ? { text: 'ETL' } : i % 7 === 3 ? { text: 'report' } : {}),
      }),
      enabled: i % 11 === 10 ? 0 : 1,
    }),
  );
  const set = new RuleSet(rules);
  const jobs = [
    job(),
    job({ provider: 'AWS_OMICS' }),
    job({ account: 'staging', region: 'eu-west-1' }),
    job({ provider: 'TENCENT_COS_BATCH', region: null, text: 'report' }),
  ];

  it.each(['FAILED', 'SUCCEEDED', 'STARTED', 'CANCELLED', 'STUCK'] as const)(
    'takes for %s the rules ruleMatches takes, in the order read',
    (trigger) => {
      for (const j of jobs) {
        const expected = rules.filter((r) => ruleMatches(r, j, trigger)).map((r) => r.id);
        expect(set.matching(j, trigger).map((r) => r.id)).toEqual(expected);
        expect(set.any(j, trigger)).toBe(expected.length > 0);
      }
    },
  );

  it('keeps every rule read, disabled ones included, and takes none of them when empty', () => {
    expect(set.rules).toBe(rules);
    expect(new RuleSet().matching(job(), 'FAILED')).toEqual([]);
  });
});
