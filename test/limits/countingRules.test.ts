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
    for (const query of [inline, spread])
      expect(errors(maxDepthRule(2), query)).toEqual([
        'Query depth limit of 2 (JOBGRAPH_MAX_DEPTH) exceeded, found 3.',
      ]);
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
    expect(errors(maxCostRule(9), inline)).toEqual([
      'Query cost limit of 9 (JOBGRAPH_MAX_COST) exceeded, found 9.25.',
    ]);
    // A spread costs 1 + its fragment (graphql-armor's count, kept): 2 + 1 + 7.25.
    expect(errors(maxCostRule(10), spread)).toEqual([
      'Query cost limit of 10 (JOBGRAPH_MAX_COST) exceeded, found 10.25.',
    ]);
    expect(errors(maxCostRule(11), spread)).toEqual([]);
  });

  const cost = (query: string): number =>
    Number(/found ([\d.]+)\.$/.exec(errors(maxCostRule(0), query)[0] ?? '')?.[1]);
  const SUMMARY =
    'id provider nativeId region state providerStatus statusMessage terminal createdAt completedAt';
  const page = (args: string, node = SUMMARY, rest = ' pageInfo { hasNextPage endCursor }') =>
    `query($n: Int) { listJobs${args} { edges { cursor node { ${node} } }${rest} } }`;

  it('costs a full page of ten summary fields 761.5 (it cost 6500 when first multiplied the whole connection)', () => {
    // node 2 + 1.5 × 10 × 0.1 = 3.5; edge 2 + 1.5 × 0.1 + 1.5 × 3.5 = 7.4; 100 edges 740;
    // pageInfo 2 + 1.5 × 2 = 5 and sources 2 + 1.5 × 4 = 8 count once, each × 1.5.
    expect(
      cost(
        page(
          '(first: 100)',
          SUMMARY,
          ' pageInfo { hasNextPage endCursor } sources { provider region state code }',
        ),
      ),
    ).toBe(761.5);
  });

  it("counts a connection's page size against its items only, and a variable page size as the largest page", () => {
    const items = (n: number) => n * 7.4; // one edge of the ten summary fields
    expect(cost(page('(first: 10)'))).toBeCloseTo(2 + items(10) + 7.5);
    // Left out: the argument's default (listJobs: 25). A variable: MAX_LIST_FIRST's 100.
    expect(cost(page(''))).toBeCloseTo(2 + items(25) + 7.5);
    expect(cost(page('(first: $n)'))).toBeCloseTo(2 + items(100) + 7.5);
    // pageInfo is answered once per page, whatever its size: one more leaf is 1 × 1.5 × 1.5.
    expect(
      cost(page('(first: 100)', SUMMARY, ' pageInfo { hasNextPage endCursor startCursor }')) -
        cost(page('(first: 100)')),
    ).toBeCloseTo(2.25);
    // `nodes` is an item list too, through a fragment as well (a spread 1, a fragment 2 + its fields).
    expect(
      cost(`{ listJobs(first: 100) { ...N } } fragment N on JobConnection { nodes { id } }`),
    ).toBeCloseTo(2 + 1 + 2 + 100 * (2 + 1.5 * 0.1));
  });

  it("counts in full, times the page size, what needs each listed job's describe call", () => {
    const summaryOnly = cost(page('(first: 100)', 'id state'));
    const withProviderField = cost(
      page('(first: 100)', 'id state ... on CosBatchJob { priority }'),
    );
    // The inline fragment (2 + 1.5 × 1) on each of 100 nodes, under edge (× 1.5).
    expect(withProviderField - summaryOnly).toBeCloseTo(100 * 1.5 * 3.5);
    // A summary field named in a type's fragment is still a summary field.
    expect(
      cost(page('(first: 100)', 'id ... on CosBatchJob { state }')) -
        cost(page('(first: 100)', 'id')),
    ).toBeCloseTo(100 * 1.5 * (2 + 0.15));
  });
});

describe('The alias rule', () => {
  it('counts aliases in fragments at each spread and leaves __typename out', () => {
    const query = `{ a: job(id: "x") { ...F } b: job(id: "y") { ...F t: __typename } } fragment F on Job { n: nativeId }`;
    expect(errors(maxAliasesRule(3), query)).toEqual([
      'Aliases limit of 3 (JOBGRAPH_MAX_ALIASES) exceeded, found 4.',
    ]);
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
