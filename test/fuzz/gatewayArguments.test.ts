import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { PATTERNS, type PatternName } from '../../src/model/globalId.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { acceptsPart, validPart } from './support.ts';

const gw = useTestGateway();

const matches = acceptsPart;

/** The documented ID forms (README, "Global IDs"), checked part by part against the documented patterns. */
function isValidGlobalId(value: string): boolean {
  const [prefix, ...p] = value.split(':');
  const ok = (n: number, ...names: PatternName[]) =>
    p.length === n && names.every((name, i) => matches(name, p[i] as string));
  switch (prefix) {
    case 'panorama':
      return ok(2, 'awsRegion', 'panoramaJobId');
    case 'omics':
      return ok(3, 'awsRegion', 'omicsId', 'omicsId');
    case 'cos':
      return ok(3, 'cosRegion', 'cosUin', 'cosJobId');
    case 'importexport':
      return ok(1, 'importExportJobId');
    case 'codepipeline':
      return ok(2, 'awsRegion', 'codePipelineJobId');
    default:
      return false;
  }
}

/** One edit (insert, delete, replace) applied to a string at a position. */
const edited = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.nat(), fc.nat(2), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))
    .map(([v, at, kind, s]) => {
      const i = at % (v.length + 1);
      return kind === 0
        ? v.slice(0, i) + s + v.slice(i)
        : kind === 1
          ? v.slice(0, i) + v.slice(i + 1)
          : v.slice(0, i) + s + v.slice(i + s.length);
    });

/** Strings that do not match a pattern: random, unicode, empty, near misses of valid values, long. */
const invalidFor = (name: PatternName) =>
  fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom(
        '',
        ' ',
        '\n',
        '..',
        '../../etc/passwd',
        '%2e%2e%2f',
        '?x=1',
        '#',
        'a/b',
        'us-east-1 ',
        'US-EAST-1',
        '１２３４５６７８９０',
      ),
      edited(fc.stringMatching(PATTERNS[name].re)),
      fc
        .tuple(fc.stringMatching(PATTERNS[name].re), fc.integer({ min: 1, max: 4000 }))
        .map(([v, n]) => v + 'x'.repeat(n)),
    )
    .filter((v) => !matches(name, v));

const validOrAbsent = (name: PatternName) => fc.option(validPart(name), { nil: null });

interface Case {
  /** The root field under test. */
  field: string;
  query: string;
  variables: Record<string, unknown>;
  /** For `jobs` with malformed IDs: the indexes that must fail on their own; the rest resolve. */
  badIndexes?: number[];
  /** A list over JOBGRAPH_MAX_JOB_IDS: the whole request is refused before execution. */
  overCap?: boolean;
}

const invalidGlobalId = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    edited(fc.constantFrom(...Object.values(exampleGlobalIds()))),
    fc
      .tuple(
        fc.constantFrom('panorama', 'omics', 'cos', 'importexport', 'codepipeline', ''),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
      )
      .map(([p, parts]) => [p, ...parts].join(':')),
  )
  .filter((v) => !isValidGlobalId(v));

/** At least one invalid argument; the others valid or absent. */
function rootField(
  field: string,
  args: Record<string, { pattern: PatternName; required: boolean }>,
): fc.Arbitrary<Case> {
  const names = Object.keys(args);
  const decl = names.map((n) => `$${n}: String${args[n]?.required ? '!' : ''}`).join(', ');
  const use = names.map((n) => `${n}: $${n}`).join(', ');
  return fc
    .tuple(
      fc.constantFrom(...names),
      fc.record(
        Object.fromEntries(
          names.map((n) => [
            n,
            args[n]!.required ? validPart(args[n]!.pattern) : validOrAbsent(args[n]!.pattern),
          ]),
        ),
      ),
      fc.dictionary(fc.constantFrom(...names), fc.constant(true)),
    )
    .chain(([mustBreak, valid, alsoBreak]) => {
      const broken = names.filter((n) => n === mustBreak || alsoBreak[n]);
      return fc.tuple(...broken.map((n) => invalidFor(args[n]!.pattern))).map((bad) => {
        const variables: Record<string, unknown> = { ...valid };
        broken.forEach((n, i) => (variables[n] = bad[i]));
        return { field, query: `query(${decl}) { ${field}(${use}) { id state } }`, variables };
      });
    });
}

const cases: fc.Arbitrary<Case> = fc.oneof(
  invalidGlobalId.map((id) => ({
    field: 'job',
    query: 'query($id: ID!) { job(id: $id) { id state } }',
    variables: { id },
  })),
  fc
    .tuple(
      fc.array(fc.constantFrom(...Object.values(exampleGlobalIds())), { maxLength: 8 }),
      fc.array(fc.tuple(invalidGlobalId, fc.nat()), { minLength: 1, maxLength: 4 }),
    )
    .map(([ids, bad]) => {
      const list: (string | { bad: string })[] = [...ids];
      for (const [id, at] of bad) list.splice(at % (list.length + 1), 0, { bad: id });
      const badIndexes = list.flatMap((v, i) => (typeof v === 'string' ? [] : [i]));
      const variables = { ids: list.map((v) => (typeof v === 'string' ? v : v.bad)) };
      return {
        field: 'jobs',
        query: 'query($ids: [ID!]!) { jobs(ids: $ids) { id state } }',
        variables,
        badIndexes,
      };
    }),
  fc.integer({ min: 101, max: 140 }).map((n) => ({
    field: 'jobs',
    query: 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }',
    variables: { ids: Array.from({ length: n }, () => exampleGlobalIds().importexport) },
    overCap: true,
  })),
  rootField('panoramaPackageImportJob', {
    jobId: { pattern: 'panoramaJobId', required: true },
    region: { pattern: 'awsRegion', required: false },
  }),
  rootField('omicsReferenceImportJob', {
    referenceStoreId: { pattern: 'omicsId', required: true },
    id: { pattern: 'omicsId', required: true },
    region: { pattern: 'awsRegion', required: false },
  }),
  rootField('cosBatchJob', {
    jobId: { pattern: 'cosJobId', required: true },
    region: { pattern: 'cosRegion', required: false },
  }),
  rootField('importExportJob', { jobId: { pattern: 'importExportJobId', required: true } }),
  rootField('codePipelineJob', {
    jobId: { pattern: 'codePipelineJobId', required: true },
    region: { pattern: 'awsRegion', required: false },
  }),
);

describe('Invalid arguments through the gateway over HTTP', () => {
  it('answer BAD_USER_INPUT on a null field (a malformed ID in jobs: on its own item), with no upstream call for it', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ field, query, variables, badIndexes, overCap }) => {
        clearCalls(gw);
        // The job cache is on: a finished job an earlier run fetched is answered without a call.
        const valid = new Set(
          badIndexes ? (variables.ids as string[]).filter((_, i) => !badIndexes.includes(i)) : [],
        );
        const cached = new Set<string>();
        for (const id of valid) if (await gw.cache?.get(id)) cached.add(id);
        const res = await gql(gw, query, { variables, token: gw.tokens.read });
        if (overCap) {
          // A list over its cap refuses the whole request before execution (HTTP 400), naming the variable.
          expect(res.status, res.text.slice(0, 300)).toBe(400);
          expect(res.body.data).toBeUndefined();
          expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
          expect(res.body.errors?.[0]?.message).toMatch(/JOBGRAPH_MAX_JOB_IDS/);
          expect(upstreamCallCount(gw)).toBe(0);
          return;
        }
        expect(res.status, res.text.slice(0, 300)).toBe(200);
        expect(res.text).not.toMatch(
          /INTERNAL_SERVER_ERROR|Internal server error|TypeError|RangeError|stacktrace|at .*\.ts:\d+/,
        );
        const errors = res.body.errors ?? [];
        if (badIndexes) {
          // A malformed ID is its own item's null and error, naming its index; the valid IDs still load.
          const ids = variables.ids as string[];
          const jobs = res.body.data?.jobs as ({ id: string } | null)[];
          expect(
            jobs.map((j, i) => (badIndexes.includes(i) ? j : j?.id)),
            res.text.slice(0, 300),
          ).toEqual(ids.map((id, i) => (badIndexes.includes(i) ? null : id)));
          const sorted = [...errors].sort((a, b) => Number(a.path?.[1]) - Number(b.path?.[1]));
          expect(sorted.map((e) => e.path)).toEqual(badIndexes.map((i) => ['jobs', i]));
          sorted.forEach((e, n) => {
            expect(e.extensions?.code).toBe('BAD_USER_INPUT');
            expect(e.message.startsWith(`Argument "ids[${badIndexes[n]}]`), e.message).toBe(true);
            expect(e.message.length).toBeLessThan(600);
          });
          expect(upstreamCallCount(gw)).toBe(valid.size - cached.size);
          return;
        }
        // `jobs` is non-null, so its null reaches `data`.
        expect(
          field === 'jobs' ? res.body.data : res.body.data?.[field],
          res.text.slice(0, 300),
        ).toBeNull();
        expect(errors).toHaveLength(1);
        const [error] = errors;
        expect(error?.path).toEqual([field]);
        expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error?.message).toMatch(/^Argument "/);
        // At most a 64-character excerpt of the value plus fixed text.
        expect(error?.message.length).toBeLessThan(600);
        expect(upstreamCallCount(gw)).toBe(0);
      }),
      { seed: 0x9a7e_0001, numRuns: 120 },
    );

    // The gateway still serves a valid query afterwards.
    clearCalls(gw);
    const id = exampleGlobalIds().importexport;
    const res = await gql(gw, 'query($id: ID!) { job(id: $id) { id state } }', {
      variables: { id },
      token: gw.tokens.read,
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.job?.id).toBe(id);
    expect(upstreamCallCount(gw)).toBe(1);
  });
});
