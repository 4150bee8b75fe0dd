import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DATA, exampleGlobalIds } from '@jobgraph/emulators';
import {
  callsOf,
  clearCalls,
  describeCalls,
  freshCopies,
  gql,
  upstreamCallCount,
} from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { withoutDescriptions } from '../support/sdl.ts';

// Production-like: introspection off. `_service` must still answer.
const gw = useTestGateway({ JOBGRAPH_INTROSPECTION: 'false' });
beforeEach(() => clearCalls(gw));

const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename ... on Job { id provider nativeId region state } } }`;
const ex = exampleGlobalIds();
const part = (id: string, i: number) => id.split(':')[i] as string;

describe('The subgraph contract', () => {
  it('serves _service { sdl } with introspection off, with every federation directive use', async () => {
    const intro = await gql(gw, '{ __schema { types { name } } }', { token: gw.tokens.read });
    expect(intro.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const res = await gql(gw, '{ _service { sdl } }');
    expect(res.body.errors).toBeUndefined();
    // Directive uses are printed one per line; compare with whitespace collapsed.
    const sdl = (res.body.data?._service.sdl as string).replace(/\s+/g, ' ');
    expect(
      sdl.match(/@link\(\s*url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.7"/g),
    ).toHaveLength(1);
    expect(sdl).toContain('interface Job @key(fields: "id") {');
    expect(withoutDescriptions(sdl).replace(/\s+/g, ' ')).toMatch(
      /type Subscription \{[^}]*jobUpdates\(ids: \[ID!\]!\): Job! \}/,
    );
    for (const [type, nativeKey] of [
      ['PanoramaPackageImportJob', 'account region nativeId'],
      ['OmicsReferenceImportJob', 'account region referenceStoreId nativeId'],
      ['CosBatchJob', 'region uin nativeId'],
      ['ImportExportJob', 'account nativeId'],
      ['CodePipelineJob', 'account region nativeId'],
    ]) {
      expect(sdl).toContain(
        `type ${type} implements Job @key(fields: "id") @key(fields: "${nativeKey}") @requiresScopes(scopes: [["jobs:read"]]) {`,
      );
    }
    // Auth directives only where composition allows them: never on the interface or its fields.
    const jobInterface = sdl.slice(
      sdl.indexOf('interface Job'),
      sdl.indexOf('}', sdl.indexOf('interface Job')),
    );
    expect(jobInterface).not.toMatch(/@requiresScopes|@authenticated/);
    // Federation directives are applied un-namespaced: the SDL imports each one it uses, and only
    // those (test/schema.test.ts); the ones it does not import are only defined, as @federation__*.
    expect(sdl).not.toMatch(/(?<!directive )@federation__\w+/);
  });

  it('resolves _entities for every concrete type by global ID and for the Job interface, in input order', async () => {
    const reps = [
      { __typename: 'PanoramaPackageImportJob', id: ex.panorama },
      { __typename: 'OmicsReferenceImportJob', id: ex.omics },
      { __typename: 'CosBatchJob', id: ex.cosbatch },
      { __typename: 'ImportExportJob', id: ex.importexport },
      { __typename: 'CodePipelineJob', id: ex.codepipeline },
      { __typename: 'Job', id: ex.codepipeline },
      { __typename: 'Job', id: ex.omics },
    ];
    const res = await gql(gw, ENTITIES, { variables: { reps }, token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data?._entities as { __typename: string; id: string }[];
    expect(out.map((e) => [e.__typename, e.id])).toEqual([
      ['PanoramaPackageImportJob', ex.panorama],
      ['OmicsReferenceImportJob', ex.omics],
      ['CosBatchJob', ex.cosbatch],
      ['ImportExportJob', ex.importexport],
      ['CodePipelineJob', ex.codepipeline],
      ['CodePipelineJob', ex.codepipeline],
      ['OmicsReferenceImportJob', ex.omics],
    ]);
    expect(upstreamCallCount(gw)).toBe(5);
  });

  it('resolves every type by its native key', async () => {
    const reps = [
      {
        __typename: 'PanoramaPackageImportJob',
        region: part(ex.panorama, 1),
        nativeId: part(ex.panorama, 2),
      },
      {
        __typename: 'OmicsReferenceImportJob',
        region: part(ex.omics, 1),
        referenceStoreId: part(ex.omics, 2),
        nativeId: part(ex.omics, 3),
      },
      {
        __typename: 'CosBatchJob',
        region: part(ex.cosbatch, 1),
        uin: part(ex.cosbatch, 2),
        nativeId: part(ex.cosbatch, 3),
      },
      { __typename: 'ImportExportJob', nativeId: part(ex.importexport, 1) },
      {
        __typename: 'CodePipelineJob',
        region: part(ex.codepipeline, 1),
        nativeId: part(ex.codepipeline, 2),
      },
    ];
    const res = await gql(gw, ENTITIES, { variables: { reps }, token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?._entities as { id: string }[]).map((e) => e.id)).toEqual([
      ex.panorama,
      ex.omics,
      ex.cosbatch,
      ex.importexport,
      ex.codepipeline,
    ]);
  });

  it('makes one upstream call per distinct job for many representations of several types with duplicates, across both keys', async () => {
    // Copies of demo jobs no earlier test asked for: the job cache (on) would answer the finished ones without a call.
    const ids = freshCopies(
      gw,
      Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS.slice(0, 3)),
    );
    const reps = [
      ...ids.map((id) => ({ __typename: 'Job', id })),
      ...ids.slice(0, 5).map((id) => ({ __typename: 'Job', id })),
      {
        __typename: 'CodePipelineJob',
        region: part(ex.codepipeline, 1),
        nativeId: part(ex.codepipeline, 2),
      },
      { __typename: 'CodePipelineJob', id: ex.codepipeline },
    ];
    const distinct = new Set([...ids, ex.codepipeline]);
    const res = await gql(gw, ENTITIES, { variables: { reps }, token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?._entities as { id: string }[]).map((e) => e.id)).toEqual([
      ...ids,
      ...ids.slice(0, 5),
      ex.codepipeline,
      ex.codepipeline,
    ]);
    expect(callsOf(gw)).toEqual(describeCalls([...distinct]));
  });

  it('gives an unknown, a failing, a mistyped and a malformed representation their own null and error', async () => {
    const reps = [
      { __typename: 'Job', id: ex.importexport },
      { __typename: 'Job', id: DEMO_DATA.codepipeline.ERROR_CASE_GLOBAL_IDS.notFound },
      { __typename: 'CodePipelineJob', id: ex.omics },
      { __typename: 'Job', id: 'codepipeline:us-east-1:NOT-A-UUID' },
      { __typename: 'CosBatchJob', region: 'ap-guangzhou', nativeId: part(ex.cosbatch, 3) },
      { __typename: 'Job', id: DEMO_DATA.importexport.ERROR_CASE_GLOBAL_IDS.throttled },
      { __typename: 'Job', id: ex.cosbatch },
    ];
    const res = await gql(gw, ENTITIES, { variables: { reps }, token: gw.tokens.read });
    const out = res.body.data?._entities as ({ id: string } | null)[];
    expect(out.map((e) => e?.id ?? null)).toEqual([
      ex.importexport,
      null,
      null,
      null,
      null,
      null,
      ex.cosbatch,
    ]);
    // Errors arrive in completion order; compare them by path.
    const errors = [...(res.body.errors ?? [])].sort(
      (a, b) => Number(a.path?.[1]) - Number(b.path?.[1]),
    );
    expect(errors.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.1', 'NOT_FOUND'],
      ['_entities.2', 'BAD_USER_INPUT'],
      ['_entities.3', 'BAD_USER_INPUT'],
      ['_entities.4', 'BAD_USER_INPUT'],
      ['_entities.5', 'UPSTREAM_THROTTLED'],
    ]);
    expect(errors[2]?.message).toMatch(/must be a lower-case UUID/);
    expect(errors[1]?.message).toMatch(/is not a CodePipelineJob ID/);
    expect(errors[3]?.message).toMatch(/needs "uin"/);
    // No call for the mistyped and malformed ones.
    expect(gw.emulators.codepipeline.calls.map((c) => c.job)).toEqual([
      `us-east-1/${part(DEMO_DATA.codepipeline.ERROR_CASE_GLOBAL_IDS.notFound, 2)}`,
    ]);
  });

  it('returns an inline trace (ftv1) when the router asks, with no secret in it', async () => {
    const query = `{ job(id: "${ex.codepipeline}") { id ... on CodePipelineJob { artifactCredentials { secretAccessKey sessionToken } continuationToken } } }`;
    const res = await gql(gw, query, {
      token: gw.tokens.secrets,
      headers: { 'apollo-federation-include-trace': 'ftv1' },
    });
    expect(res.body.errors).toBeUndefined();
    const ftv1 = (res.body as { extensions?: { ftv1?: string } }).extensions?.ftv1;
    expect(typeof ftv1).toBe('string');
    const trace = Buffer.from(ftv1 as string, 'base64').toString('latin1');
    const secrets = JSON.stringify(res.body.data).match(/DEMO-[A-Z-]+-[A-Za-z0-9-]+/g) ?? [];
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(trace).not.toContain(s);
    expect(trace).toContain('artifactCredentials');
    const plain = await gql(gw, query, { token: gw.tokens.secrets });
    expect((plain.body as { extensions?: unknown }).extensions).toBeUndefined();
  });
});
