import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseGetJobDetailsOutput } from '../../src/datasources/codepipeline/parse.ts';
import { parseJsonBody } from './jsonBody.ts';
import { parse as parseReferenceImportJob } from '../../src/datasources/omics/parse.ts';
import { parse as parsePackageImportJob } from '../../src/datasources/panorama/parse.ts';
import type { CodePipelineKey, OmicsKey, PanoramaKey } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import {
  anything,
  EDGE_NUMBERS,
  expectRecordInvariants,
  fixtureBody,
  malformedOnly,
  typedOutcome,
} from './support.ts';

type Json = Record<string, unknown>;

interface JsonProvider {
  name: string;
  parse: (output: unknown) => JobRecord;
  /** Provider-specific time fields of the record, beside createdAt/updatedAt/completedAt. */
  timeFields: readonly string[];
  golden: Json;
}

const panoramaKey: PanoramaKey = {
  provider: 'AWS_PANORAMA',
  region: 'us-east-1',
  jobId: 'pkgimport-5f3a9c1e7b2d4086',
};
const omicsKey: OmicsKey = {
  provider: 'AWS_OMICS',
  region: 'us-east-1',
  referenceStoreId: '5038720581',
  id: '8110394857',
};
const codePipelineKey: CodePipelineKey = {
  provider: 'AWS_CODEPIPELINE',
  region: 'us-east-1',
  jobId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
};

const PROVIDERS: JsonProvider[] = [
  {
    name: 'panorama',
    parse: (o) => parsePackageImportJob(panoramaKey, o),
    timeFields: ['createdTime', 'lastUpdatedTime'],
    golden: JSON.parse(fixtureBody('panorama', 'success-full.json')) as Json,
  },
  {
    name: 'omics',
    parse: (o) => parseReferenceImportJob(omicsKey, o),
    timeFields: ['creationTime', 'completionTime'],
    golden: JSON.parse(fixtureBody('omics', 'success-full.json')) as Json,
  },
  {
    name: 'codepipeline',
    parse: (o) => parseGetJobDetailsOutput(codePipelineKey, o),
    timeFields: [],
    golden: JSON.parse(fixtureBody('codepipeline', 'success-full.json')) as Json,
  },
];

/** Wrong (or right) types for one member, times and enums included. */
const memberValue = fc.oneof(
  anything,
  fc.double(),
  fc.constantFrom(...EDGE_NUMBERS, 1e308, 1.719826003456e9),
  fc.constantFrom(
    '1.719826003456E9',
    '1e400',
    '-1e400',
    '',
    ' ',
    'NaN',
    'Infinity',
    '2024-07-01T09:26:43.456Z',
    '2024-02-30T00:00:00Z',
    '275760-09-13T00:00:00Z',
  ),
  fc.constantFrom(
    'PENDING',
    'SUCCEEDED',
    'FAILED',
    'COMPLETED',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'S3',
    'KMS',
    'PACKAGE',
  ),
  fc.date({ noInvalidDate: false }),
  fc.string({ unit: 'binary' }),
);

/**
 * The paths of every member of the golden JSON tree, root excluded. Values put in by earlier
 * mutations (`foreign`) are not entered: they belong to fast-check, which may reuse them.
 */
function paths(
  value: unknown,
  foreign: WeakSet<object>,
  prefix: (string | number)[] = [],
): (string | number)[][] {
  if (value === null || typeof value !== 'object' || foreign.has(value)) return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, foreign, [...prefix, k])]);
}

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'extra'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      value: memberValue,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      at: fc.nat(),
      key: fc.oneof(
        fc.string(),
        fc.constantFrom(
          '__type',
          '__proto__',
          'constructor',
          'Status',
          'status',
          'jobDetails',
          '$metadata',
        ),
      ),
      value: memberValue,
    }),
  },
);

/** Apply mutations to a deep copy; paths are re-read after each one, so later ones see earlier ones. */
function mutate(golden: Json, mutations: Mutation[]): Json {
  const root = structuredClone(golden);
  const foreign = new WeakSet<object>();
  for (const m of mutations) {
    if ('value' in m && m.value !== null && typeof m.value === 'object') foreign.add(m.value);
    const all = paths(root, foreign);
    // `extra` may also target the root object.
    const path =
      m.kind === 'extra'
        ? ([[], ...all][m.at % (all.length + 1)] as (string | number)[])
        : all[m.at % Math.max(all.length, 1)];
    if (!path) continue;
    const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], root);
    const last = path[path.length - 1] as string | number;
    if (m.kind === 'replace') parent[last] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const target = path.length === 0 ? root : parent[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target))
        Object.defineProperty(target, m.key, {
          value: m.value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
    }
  }
  return root;
}

function checkOutcome(p: JsonProvider, output: unknown): void {
  const out = typedOutcome(() => p.parse(output));
  if (out.ok)
    expectRecordInvariants(out.value as JobRecord & Record<string, unknown>, p.timeFields);
}

describe.each(PROVIDERS)('The $name parse step under fuzzing', (p) => {
  it('parses its golden fixture (the baseline the mutations start from)', () => {
    expect(typedOutcome(() => p.parse(p.golden)).ok).toBe(true);
  });

  it('answers any value with a record or a typed error', () => {
    fc.assert(
      fc.property(anything, (output) => checkOutcome(p, output)),
      { seed: 0x3500_0001, numRuns: 400 },
    );
  });

  it('answers the golden body with wrong-typed, deleted and extra members with a record or a typed error', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) =>
        checkOutcome(p, mutate(p.golden, mutations)),
      ),
      { seed: 0x3500_0002, numRuns: 600 },
    );
  });

  it('answers any body text, including cut and edited golden text, with a record or MalformedBodyError', () => {
    const text = JSON.stringify(p.golden);
    const body = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.nat(text.length).map((n) => text.slice(0, n)),
      fc
        .tuple(fc.nat(text.length), fc.nat(8), fc.string({ unit: 'binary', maxLength: 4 }))
        .map(([i, del, ins]) => text.slice(0, i) + ins + text.slice(i + del)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const out = malformedOnly(() => p.parse(parseJsonBody(raw)));
        if (out.ok)
          expectRecordInvariants(out.value as JobRecord & Record<string, unknown>, p.timeFields);
      }),
      { seed: 0x3500_0003, numRuns: 400 },
    );
  });
});
