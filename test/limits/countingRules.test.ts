import { parse, specifiedRules, validate, type ValidationRule } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maxAliasesRule } from '../../src/limits/maxAliasesRule.ts';
import { maxCostRule } from '../../src/limits/maxCostRule.ts';
import { maxDepthRule } from '../../src/limits/maxDepthRule.ts';
import { maxDirectivesRule } from '../../src/limits/maxDirectivesRule.ts';
import { buildSchema } from '../../src/schema.ts';

const { schema } = buildSchema();
const errors = (rule: ValidationRule, query: string): string[] =>
  validate(schema, parse(query), [...specifiedRules, rule]).map((e) => e.message);

const inline = `{ job(id: "x") { ... on CosBatchJob { progressSummary { totalNumberOfTasks } } } }`;
const spread = `{ job(id: "x") { ...P } } fragment P on CosBatchJob { progressSummary { totalNumberOfTasks } }`;

describe('The depth rule', () => {
  it('counts fields, not fragments, so a named fragment changes nothing', () => {
    expect(errors(maxDepthRule(2), inline)).toEqual(['Query depth limit of 2 exceeded, found 3.']);
    expect(errors(maxDepthRule(2), spread)).toEqual(['Query depth limit of 2 exceeded, found 3.']);
    expect(errors(maxDepthRule(3), spread)).toEqual([]);
  });

  it('leaves __schema out', () => {
    expect(errors(maxDepthRule(1), '{ __schema { types { fields { type { name } } } } }')).toEqual(
      [],
    );
  });
});

describe('The cost rule', () => {
  it('costs a leaf 1, a selection 2 + 1.5 × each child field, a fragment its own cost without the factor', () => {
    // job: 2 + (inline fragment: 2 + 1.5 × (progressSummary: 2 + 1.5 × 1)) = 9.25.
    expect(errors(maxCostRule(9), inline)).toEqual(['Query Cost limit of 9 exceeded, found 9.25.']);
    // A spread costs 1 + its fragment (graphql-armor's count, kept): 2 + 1 + 7.25.
    expect(errors(maxCostRule(10), spread)).toEqual([
      'Query Cost limit of 10 exceeded, found 10.25.',
    ]);
    expect(errors(maxCostRule(11), spread)).toEqual([]);
  });
});

describe('The alias rule', () => {
  it('counts aliases in fragments at each spread and leaves __typename out', () => {
    const query = `{ a: job(id: "x") { ...F } b: job(id: "y") { ...F t: __typename } } fragment F on Job { n: nativeId }`;
    expect(errors(maxAliasesRule(3), query)).toEqual(['Aliases limit of 3 exceeded, found 4.']);
    expect(errors(maxAliasesRule(4), query)).toEqual([]);
  });
});

describe('The directive rule', () => {
  it('counts directive uses in the operation and its fragments', () => {
    const query = `{ job(id: "x") @include(if: true) { ...F @skip(if: false) } } fragment F on Job { id @include(if: true) }`;
    expect(errors(maxDirectivesRule(2), query)).toEqual([
      'Directives limit of 2 exceeded, found 3.',
    ]);
    expect(errors(maxDirectivesRule(3), query)).toEqual([]);
  });
});
