// The rules' index (src/notifications/ruleSet.ts): a transition costs the rules that may take it
// (its trigger, provider, region and text's trigrams), not all of them, and answers what testing
// every rule one by one answers, in the same order.
import { describe, expect, it } from 'vitest';
import { parseRule, RuleSet, takesJob, type RuleFacts } from '../../src/notifications/ruleSet.ts';
import type { NotificationTrigger } from '../../src/notifications/payload.ts';
import { ruleRow, onEveryProvider } from '../support/ruleRows.ts';
import { ruleFacts } from '../support/ruleRows.ts';

const FINISHES = 'STARTED,SUCCEEDED,FAILED,CANCELLED';

/** 1,000 rules as `npm run bench:notifications` makes them: 5 on the stream's Batch jobs, 995 on jobs these never are. */
function benchRules() {
  const misses = [
    { providers: ['TENCENT_COS_BATCH'] },
    { regions: ['eu-west-3'] },
    { text: 'no job is called this' },
  ];
  return Array.from({ length: 1000 }, (_, i) =>
    ruleRow({
      id: `nr_${i}`,
      triggers: FINISHES,
      filter: JSON.stringify(
        i < 5 ? { providers: ['AWS_BATCH'], text: '-batch-' } : misses[i % misses.length],
      ),
    }),
  );
}

const job = (over: Partial<RuleFacts> = {}): RuleFacts =>
  ruleFacts({
    id: 'batch:us-east-1:default:j1',
    state: 'SUCCEEDED',
    text: 'genomics-batch-7\narn:aws:batch:us-east-1:123456789012:job-queue/genomics-etl\n',
    ...over,
  });

describe('The rules index', () => {
  it('examines the 5 rules a Batch finish can match, not the 1,000', () => {
    const set = new RuleSet(benchRules());
    expect(set.matching(job(), 'SUCCEEDED').map((r) => r.id)).toEqual([
      'nr_0',
      'nr_1',
      'nr_2',
      'nr_3',
      'nr_4',
    ]);
    expect(set.examined).toBe(5);
    // A queued job's move is no trigger of theirs; the demo's progressing job holds no '-batch-'.
    expect(set.any(job({ state: 'QUEUED' }), 'STUCK')).toBe(false);
    expect(set.any(job({ text: 'align-progressing\ngenomics-high-priority\n' }), 'SUCCEEDED')).toBe(
      false,
    );
    expect(set.examined).toBe(5);
  });

  it('answers as testing every rule one by one does, in the order read', () => {
    const rules = [
      ...benchRules().slice(0, 40),
      ruleRow({ id: 'short', triggers: FINISHES, filter: '{"text":"ge"}' }),
      ruleRow({ id: 'two', triggers: FINISHES, filter: '{"regions":["us-east-1","eu-west-3"]}' }),
      ruleRow({ id: 'off', triggers: FINISHES, enabled: 0 }),
      ruleRow({ id: 'other', triggers: FINISHES, accounts: onEveryProvider('staging') }),
      ruleRow({ id: 'all', triggers: 'FAILED', accounts: '["*"]' }),
      ruleRow({ id: 'stuck', triggers: 'STUCK,FAILED', stuck_after_seconds: 60 }),
    ];
    const set = new RuleSet(rules);
    const jobs = [
      job(),
      job({ region: 'eu-west-3' }),
      job({ region: null, text: 'no job is called this\n\n' }),
      job({ provider: 'TENCENT_COS_BATCH', region: 'ap-guangzhou', text: 'ge' }),
      job({ account: 'staging', text: 'etl-batch-1' }),
    ];
    for (const facts of jobs)
      for (const trigger of ['SUCCEEDED', 'FAILED', 'STUCK'] as NotificationTrigger[]) {
        const oneByOne = rules.filter(
          (r) =>
            r.enabled === 1 &&
            parseRule(r).triggers.includes(trigger) &&
            takesJob(parseRule(r), facts),
        );
        expect(set.matching(facts, trigger)).toEqual(oneByOne);
        expect(set.any(facts, trigger)).toBe(oneByOne.length > 0);
      }
    expect(set.taking('STUCK').map((r) => r.id)).toEqual(['stuck']);
  });
});
