import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DATA, DEMO_KIND_GLOBAL_IDS, exampleGlobalIds } from '@jobgraph/emulators';
import { JOB_TYPE_NAMES } from '../../src/model/jobKeys.ts';
import { NATIVE_KEY, TYPE_OF_PREFIX, typeOfGlobalId } from '../support/apolloGateway.ts';
import {
  callsOf,
  clearCalls,
  describeCalls,
  gql,
  type GqlResult,
  upstreamCallCount,
} from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway();
beforeEach(() => clearCalls(gw));

const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename ... on Job { id } } }`;
const ex = exampleGlobalIds();
const typeOf = typeOfGlobalId;
const nativeKey = (id: string): Record<string, string> => {
  const parts = id.split(':').slice(1);
  return Object.fromEntries(NATIVE_KEY[typeOf(id)]!.map((name, i) => [name, parts[i] as string]));
};

type Token = 'anonymous' | 'reader' | 'secrets';
const tokenOf = (kind: Token) =>
  kind === 'anonymous' ? undefined : kind === 'reader' ? gw.tokens.read : gw.tokens.secrets;
const errorAt = (res: GqlResult, i: number) =>
  (res.body.errors ?? []).filter(
    (e) => e.path?.[0] === '_entities' && e.path?.[1] === i && e.path.length === 2,
  );
const internalErrorLines = () =>
  gw.logs.lines.filter((l) => l.includes('"level":50') || l.includes('internal error')).length;

/** The shapes the issue names: each must be refused as itself, never coerced into a type name. */
const MALFORMED: [string, unknown][] = [
  [
    'a list __typename naming a concrete type',
    { __typename: ['CodePipelineJob'], id: ex.codepipeline },
  ],
  ['a list __typename naming the interface', { __typename: ['Job'], id: ex.codepipeline }],
  ['an object __typename with toString', { __typename: { toString: 'Job' }, id: ex.codepipeline }],
  ['a number __typename', { __typename: 7, id: ex.codepipeline }],
  ['a null __typename', { __typename: null, id: ex.codepipeline }],
  ['no __typename', { id: ex.codepipeline }],
  ['a non-entity type', { __typename: 'Query', id: ex.codepipeline }],
  ['a value type', { __typename: 'KeyValue', key: 'a', value: 'b' }],
  ['an inherited property name', { __typename: 'constructor', id: ex.codepipeline }],
  ['__proto__', { __typename: '__proto__', id: ex.codepipeline }],
  ['a type name with a trailing space', { __typename: 'Job ', id: ex.codepipeline }],
  ['a string representation', 'Job'],
  ['a number representation', 42],
  ['a list representation', [{ __typename: 'Job', id: ex.codepipeline }]],
  ['a Job without id', { __typename: 'Job' }],
  ['a Job with a number id', { __typename: 'Job', id: 5 }],
  ['a Job with a list id', { __typename: 'Job', id: [ex.codepipeline] }],
  [
    'a concrete type with a null id',
    { __typename: 'CodePipelineJob', id: null, ...nativeKey(ex.codepipeline) },
  ],
  [
    'a concrete type with a list nativeId',
    {
      __typename: 'CodePipelineJob',
      region: 'us-east-1',
      nativeId: [nativeKey(ex.codepipeline).nativeId],
    },
  ],
  [
    'a concrete type without its region',
    {
      __typename: 'OmicsReferenceImportJob',
      referenceStoreId: nativeKey(ex.omics).referenceStoreId,
      nativeId: nativeKey(ex.omics).nativeId,
    },
  ],
  [
    'a concrete type with another type’s id',
    { __typename: 'ImportExportJob', id: ex.codepipeline },
  ],
  ['a malformed global id', { __typename: 'Job', id: `${ex.codepipeline}!` }],
];

describe('_entities representations', () => {
  it.each(MALFORMED)(
    'refuses %s per item with BAD_USER_INPUT for every caller, never calling upstream',
    async (_name, bad) => {
      for (const kind of ['anonymous', 'reader', 'secrets'] as const) {
        clearCalls(gw);
        const before = internalErrorLines();
        const res = await gql(gw, ENTITIES, { variables: { reps: [bad] }, token: tokenOf(kind) });
        expect(res.status, kind).toBe(200);
        expect(res.body.data?._entities, kind).toEqual([null]);
        expect(
          res.body.errors?.map((e) => [e.path, e.extensions?.code]),
          kind,
        ).toEqual([[['_entities', 0], 'BAD_USER_INPUT']]);
        expect(res.body.errors?.[0]?.message, kind).toMatch(/^Argument "representations\[0\]/);
        expect(upstreamCallCount(gw), kind).toBe(0);
        expect(internalErrorLines(), kind).toBe(before);
      }
    },
  );

  it('refuses a malformed representation written inline in the query, too', async () => {
    const query = `{ _entities(representations: [{__typename: ["Job"], id: "${ex.codepipeline}"}, {__typename: "Job", id: "${ex.omics}"}]) { ... on Job { id } } }`;
    for (const kind of ['anonymous', 'reader'] as const) {
      clearCalls(gw);
      const res = await gql(gw, query, { token: tokenOf(kind) });
      expect(errorAt(res, 0).map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      if (kind === 'anonymous') {
        expect(res.body.data?._entities).toEqual([null, null]);
        expect(errorAt(res, 1).map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(upstreamCallCount(gw)).toBe(0);
      } else {
        expect(res.body.data?._entities).toEqual([null, { id: ex.omics }]);
        expect(upstreamCallCount(gw)).toBe(1);
      }
    }
  });

  it('lets one malformed representation null only itself, whatever its kind, while the others resolve', async () => {
    // Today a missing, non-string or unknown __typename, or a representation that is not an
    // object, throws out of the library's map and nulls all of `_entities`.
    const reps = [
      { __typename: 'Job', id: ex.importexport },
      ...MALFORMED.map(([, bad]) => bad),
      { __typename: 'CodePipelineJob', ...nativeKey(ex.codepipeline) },
    ];
    expect(reps.length).toBeLessThanOrEqual(24);
    const res = await gql(gw, ENTITIES, { variables: { reps }, token: gw.tokens.read });
    const out = res.body.data?._entities as ({ id: string } | null)[];
    expect(out).toHaveLength(reps.length);
    expect(out[0]).toEqual({ __typename: 'ImportExportJob', id: ex.importexport });
    expect(out.at(-1)).toEqual({ __typename: 'CodePipelineJob', id: ex.codepipeline });
    expect(out.slice(1, -1).every((e) => e === null)).toBe(true);
    const paths = (res.body.errors ?? [])
      .map((e) => e.path?.[1])
      .sort((a, b) => Number(a) - Number(b));
    expect(paths).toEqual(MALFORMED.map((_, i) => i + 1));
    expect(new Set(res.body.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['BAD_USER_INPUT']),
    );
    expect(gw.emulators.codepipeline.calls).toHaveLength(1);
    expect(upstreamCallCount(gw)).toBe(2);
  });

  it('never calls upstream for an anonymous caller, and refuses each valid representation with UNAUTHENTICATED', async () => {
    const reps = [
      { __typename: 'Job', id: ex.cosbatch },
      { __typename: 'CodePipelineJob', id: ex.codepipeline },
      { __typename: 'PanoramaPackageImportJob', ...nativeKey(ex.panorama) },
    ];
    const res = await gql(gw, ENTITIES, { variables: { reps } });
    expect(res.body.data?._entities).toEqual([null, null, null]);
    expect(reps.map((_, i) => errorAt(res, i).map((e) => e.extensions?.code))).toEqual([
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
    ]);
    expect(upstreamCallCount(gw)).toBe(0);
  });

  it('tells an anonymous caller nothing about whether a job exists', async () => {
    const missing = DEMO_DATA.codepipeline.ERROR_CASE_GLOBAL_IDS.notFound;
    const answers = [];
    for (const id of [ex.codepipeline, missing]) {
      for (const __typename of ['Job', 'CodePipelineJob', ['Job']]) {
        const res = await gql(gw, ENTITIES, { variables: { reps: [{ __typename, id }] } });
        answers.push([__typename, res.body]);
      }
    }
    expect(answers.slice(0, 3)).toEqual(answers.slice(3));
    expect(upstreamCallCount(gw)).toBe(0);
  });
});

// ---- Fuzz: valid representations of real demo jobs mixed with malformed ones. ----

interface Rep {
  value: unknown;
  /** The job's global ID when the representation is valid; null when it must be refused. */
  validId: string | null;
  typename: string | null;
}

/** Demo jobs of every kind: three of each provider's first kind, and the further kinds'. */
const demoIds = [
  ...Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS.slice(0, 3)),
  ...DEMO_KIND_GLOBAL_IDS,
];
const ENTITY_TYPES = ['Job', ...Object.values(TYPE_OF_PREFIX)];

const validRep: fc.Arbitrary<Rep> = fc
  .tuple(
    fc.constantFrom(...demoIds),
    fc.constantFrom('Job', 'concrete-id', 'concrete-native'),
    fc.boolean(),
  )
  .map(([id, form, extra]) => {
    const type = form === 'Job' ? 'Job' : typeOf(id);
    const key = form === 'concrete-native' ? nativeKey(id) : { id };
    // Extra fields are allowed: a router may send more than the key.
    return {
      value: { __typename: type, ...key, ...(extra ? { note: 'extra' } : {}) },
      validId: id,
      typename: typeOf(id),
    };
  });

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...ENTITY_TYPES).map((t) => [t]),
  fc.constantFrom(...ENTITY_TYPES).map((t) => ({ toString: t })),
  fc.constantFrom(...ENTITY_TYPES).map((t) => ({ valueOf: t, name: t })),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

const notAnEntityType = fc
  .oneof(
    fc.constantFrom(
      'Query',
      'KeyValue',
      '_Entity',
      '_Service',
      '_Any',
      'JobState',
      'DateTime',
      'CodePipelineArtifactCredentials',
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      '',
    ),
    fc.constantFrom(...ENTITY_TYPES).map((t) => ` ${t}`),
    fc.constantFrom(...ENTITY_TYPES).map((t) => t.toLowerCase()),
    fc.constantFrom(...ENTITY_TYPES).map((t) => `${t}\u0000`),
    fc.string({ unit: 'binary', maxLength: 30 }),
  )
  .filter((t) => !ENTITY_TYPES.includes(t));

const invalidRep: fc.Arbitrary<Rep> = fc
  .tuple(
    validRep,
    fc.nat(6),
    notAString,
    notAnEntityType,
    fc.oneof(notAString, fc.constant(undefined)),
    fc.nat(),
  )
  .map(([valid, how, junk, badName, badKey, at]) => {
    const base = valid.value as Record<string, unknown>;
    const keyFields = Object.keys(base).filter((k) => k !== '__typename' && k !== 'note');
    let value: unknown;
    switch (how) {
      case 0: // __typename not a string
        value = { ...base, __typename: junk };
        break;
      case 1: // __typename missing
        value = Object.fromEntries(Object.entries(base).filter(([k]) => k !== '__typename'));
        break;
      case 2: // __typename not an entity type
        value = { ...base, __typename: badName };
        break;
      case 3: {
        // one key field missing (undefined drops out of JSON) or ill-typed
        value = { ...base, [keyFields[at % keyFields.length] as string]: badKey };
        break;
      }
      case 4: // a key field no pattern accepts
        value = {
          ...base,
          [keyFields.at(-1) as string]: `${String(base[keyFields.at(-1) as string])}!`,
        };
        break;
      case 5: // not an object at all
        value = junk === null ? [base] : junk;
        break;
      default: // a representation of the wrong concrete type by global ID
        value = {
          __typename:
            TYPE_OF_PREFIX[
              demoIds.find((id) => typeOf(id) !== valid.typename)!.split(':')[0] as string
            ],
          id: valid.validId,
        };
    }
    return { value, validId: null, typename: null };
  });

describe('Fuzzed _entities representations through the HTTP server', () => {
  it('never reach an upstream when malformed or anonymous, and still resolve when valid', async () => {
    // Drawn from a job of every kind of the registry (KINDS: a kind left out fails here).
    expect(new Set(demoIds.map(typeOf))).toEqual(new Set(JOB_TYPE_NAMES));
    const before = internalErrorLines();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(validRep, invalidRep), { minLength: 1, maxLength: 20 }),
        fc.constantFrom<Token>('anonymous', 'reader', 'secrets'),
        async (reps, kind) => {
          clearCalls(gw);
          // The job cache is on: a finished job an earlier run fetched is answered from it (this is
          // where a cached job's second `_entities` once failed), every other valid job through the
          // describe calls it costs.
          const distinctValid = new Set(reps.flatMap((r) => (r.validId ? [r.validId] : [])));
          const cached = new Set<string>();
          for (const id of distinctValid) if (await gw.cache?.get(id)) cached.add(id);
          const res = await gql(gw, ENTITIES, {
            variables: { reps: reps.map((r) => r.value) },
            token: tokenOf(kind),
          });
          const show = res.text.slice(0, 400);
          expect(res.status, show).toBe(200);
          expect(res.text, show).not.toMatch(/INTERNAL_SERVER_ERROR/);
          const out = res.body.data?._entities as unknown[];
          expect(out, show).toHaveLength(reps.length);
          let expectedErrors = 0;
          reps.forEach((rep, i) => {
            const errors = errorAt(res, i);
            const expectNullWith = (code: string) => {
              expectedErrors++;
              expect(out[i], show).toBeNull();
              expect(
                errors.map((e) => e.extensions?.code),
                show,
              ).toEqual([code]);
            };
            if (rep.validId === null) {
              expectNullWith('BAD_USER_INPUT');
              expect(errors[0]?.message, show).toMatch(
                new RegExp(`^Argument "representations\\[${i}\\]`),
              );
            } else if (kind === 'anonymous') {
              expectNullWith('UNAUTHENTICATED');
            } else {
              expect(errors, show).toEqual([]);
              expect(out[i], show).toEqual({ __typename: rep.typename, id: rep.validId });
            }
          });
          expect(res.body.errors ?? [], show).toHaveLength(expectedErrors);
          const asked = [...distinctValid].filter((id) => !cached.has(id));
          expect(callsOf(gw), show).toEqual(describeCalls(kind === 'anonymous' ? [] : asked));
        },
      ),
      { seed: 0x9a7e_0e17, numRuns: 150 },
    );
    // No failure inside graphql-js or the library: nothing was logged as an internal error.
    expect(internalErrorLines()).toBe(before);
  });
});
