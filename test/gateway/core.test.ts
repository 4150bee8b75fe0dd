import { beforeEach, describe, expect, it } from 'vitest';
import { providerOf } from '../../src/datasources/registry.ts';
import {
  DEMO_DATA,
  exampleGlobalIds,
  IDS_PER_DESCRIBE,
  type EmulatorName,
} from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import {
  callsOf,
  clearCalls,
  describeCalls,
  EMULATOR_NAMES,
  freshCopies,
  gql,
  resetFaults,
  upstreamCallCount,
} from '../support/gateway.ts';
import { accountToken, operatorToken, readyz } from '../support/accountTokens.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway();
beforeEach(() => {
  clearCalls(gw);
  resetFaults(gw);
});

const JOB_FIELDS =
  'id provider nativeId region state providerStatus statusMessage terminal createdAt updatedAt completedAt';

describe('The gateway over the emulators', () => {
  it('answers each example ID with its job and a state', async () => {
    for (const [name, id] of Object.entries(exampleGlobalIds())) {
      const res = await gql(gw, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, {
        variables: { id },
        token: gw.tokens.read,
      });
      expect(res.body.errors, name).toBeUndefined();
      expect(res.body.data?.job?.id).toBe(id);
      expect(res.body.data?.job?.state).toMatch(
        /^(QUEUED|IN_PROGRESS|PAUSED|CANCELLING|CANCELLED|SUCCEEDED|SUCCEEDED_WITH_ERRORS|FAILED|UNKNOWN)$/,
      );
    }
  });

  it('resolves every demo job of every provider with a consistent Job shape', async () => {
    const ids = Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS);
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { ${JOB_FIELDS} } }`, {
        variables: { ids: chunk },
        token: gw.tokens.read,
      });
      expect(res.body.errors).toBeUndefined();
      const jobs = res.body.data?.jobs as { id: string; terminal: boolean; state: string }[];
      expect(jobs.map((j) => j.id)).toEqual(chunk);
      for (const j of jobs)
        expect(j.terminal).toBe(
          ['CANCELLED', 'SUCCEEDED', 'SUCCEEDED_WITH_ERRORS', 'FAILED'].includes(j.state),
        );
    }
  });

  it("makes the describe calls its distinct jobs cost for a mixed, duplicated jobs query: one a job, AWS Batch's in one DescribeJobs", async () => {
    // Jobs no earlier test asked for: the job cache (on) would answer the finished ones without a call.
    const exampleIds = Object.values(exampleGlobalIds());
    const otherIds = Object.values(DEMO_DATA).map(
      (d) => d.DEMO_GLOBAL_IDS.find((id) => !exampleIds.includes(id)) as string,
    );
    const fresh = freshCopies(gw, [...exampleIds, ...otherIds]);
    const examples = fresh.slice(0, exampleIds.length);
    const others = fresh.slice(exampleIds.length);
    const ex = Object.fromEntries(EMULATOR_NAMES.map((name, i) => [name, examples[i]])) as Record<
      EmulatorName,
      string
    >;
    const ids = [
      ...examples,
      ...others,
      ex.codepipeline,
      ex.panorama,
      others[2] as string,
      ex.importexport,
    ];
    const res = await gql(
      gw,
      `query($ids: [ID!]!) {
        jobs(ids: $ids) { id state }
        again: job(id: "${ex.omics}") { id }
      }`,
      { variables: { ids }, token: gw.tokens.read },
    );
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?.jobs as { id: string }[]).map((j) => j.id)).toEqual(ids);
    expect(callsOf(gw)).toEqual(describeCalls(ids));
    for (const name of EMULATOR_NAMES) {
      const calls = gw.emulators[name].calls;
      expect(
        calls.map((c) => c.status),
        name,
      ).toEqual(calls.map(() => 200));
      // Each of its two distinct jobs was asked for, by its native ID.
      for (const id of [ex[name], others[EMULATOR_NAMES.indexOf(name)] as string]) {
        const native = id.slice(id.lastIndexOf(':') + 1);
        expect(
          calls.filter((c) => c.job?.includes(native)),
          id,
        ).toHaveLength(1);
      }
    }
  });

  it('serves the provider root fields, the key parts the configuration gives left out', async () => {
    const examples = Object.values(exampleGlobalIds()).map((id) => ({
      id,
      key: parseGlobalId(id),
    }));
    const fields = examples.map(({ key }) => {
      const { rootField, key: grammar } = providerOf(key.provider);
      const args = grammar.parts
        .map(([part]) => part)
        .filter((part) => !(part in (rootField.defaults ?? {})))
        .map((part) => `${part}: "${(key as unknown as Record<string, string>)[part]}"`);
      return `${rootField.name}(${args.join(', ')}) { id nativeId region }`;
    });
    const res = await gql(gw, `{\n  ${fields.join('\n  ')}\n}`, { token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual(
      Object.fromEntries(
        examples.map(({ id, key }) => [
          providerOf(key.provider).rootField.name,
          expect.objectContaining({ id, region: 'region' in key ? key.region : null }),
        ]),
      ),
    );
  });

  it('gives each failing job its own null and error while the others resolve', async () => {
    const ex = exampleGlobalIds();
    // Each provider's example beside a job it does not have (AWS Batch: both in one DescribeJobs).
    const ids = EMULATOR_NAMES.flatMap((name) => [
      ex[name],
      DEMO_DATA[name].ERROR_CASE_GLOBAL_IDS.notFound,
    ]);
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    const jobs = res.body.data?.jobs as ({ id: string } | null)[];
    expect(jobs.map((j) => j?.id ?? null)).toEqual(ids.map((id, i) => (i % 2 === 0 ? id : null)));
    const errors = res.body.errors ?? [];
    expect(errors.map((e) => e.path)).toEqual(EMULATOR_NAMES.map((_, i) => ['jobs', 2 * i + 1]));
    errors.forEach((e, i) => {
      const name = EMULATOR_NAMES[i] as EmulatorName;
      expect(e.extensions?.code, name).toBe('NOT_FOUND');
      expect(e.extensions?.provider, name).toBeTruthy();
      // A describe of one job answers an unknown one with an error code; one of many (AWS Batch's
      // DescribeJobs) leaves it out of a 200 answer, whose request ID the error carries.
      if (IDS_PER_DESCRIBE[name] === 1) expect(e.extensions?.upstreamCode, name).toBeTruthy();
      else
        expect(e.extensions, name).toMatchObject({
          upstreamCode: null,
          upstreamRequestId: expect.any(String),
        });
      expect(JSON.stringify(e)).not.toMatch(/https?:\/\//);
    });
  });

  it('locates a failing item at its alias and index, with the same error a single job(id:) gets', async () => {
    const missing = DEMO_DATA.panorama.ERROR_CASE_GLOBAL_IDS.notFound;
    const query =
      'query($ids: [ID!]!, $id: ID!) {\n  one: job(id: $id) { id }\n  list: jobs(ids: $ids) { id }\n}';
    const res = await gql(gw, query, {
      variables: { ids: ['nope', missing], id: missing },
      token: gw.tokens.read,
    });
    expect(res.body.data).toEqual({ one: null, list: [null, null] });
    const byPath = new Map((res.body.errors ?? []).map((e) => [JSON.stringify(e.path), e]));
    const one = byPath.get('["one"]');
    expect(one).toMatchObject({
      locations: [{ line: 2, column: 3 }],
      extensions: { code: 'NOT_FOUND' },
    });
    expect(byPath.get('["list",1]')).toEqual({
      ...one,
      locations: [{ line: 3, column: 3 }],
      path: ['list', 1],
    });
    expect(byPath.get('["list",0]')).toMatchObject({
      locations: [{ line: 3, column: 3 }],
      path: ['list', 0],
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(byPath.size).toBe(3);
  });

  it.each(['throttled', 'serverError'] as const)(
    'answers the %s error case with its documented code',
    async (kind) => {
      const expected = kind === 'throttled' ? 'UPSTREAM_THROTTLED' : 'UPSTREAM_UNAVAILABLE';
      for (const [name, data] of Object.entries(DEMO_DATA)) {
        const res = await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
          variables: { id: data.ERROR_CASE_GLOBAL_IDS[kind] },
          token: gw.tokens.read,
        });
        expect(res.body.data?.job, name).toBeNull();
        expect(res.body.errors?.[0]?.extensions?.code, name).toBe(expected);
      }
    },
  );

  it('turns a malformed upstream body into UPSTREAM_BAD_RESPONSE', async () => {
    gw.emulators.cosbatch.setFaults({ malformed: true });
    gw.emulators.importexport.setFaults({ malformed: true });
    const ex = exampleGlobalIds();
    // A COS job no earlier test asked for: the example is finished, so the job cache (on) would answer it.
    const [cosbatch] = freshCopies(gw, [ex.cosbatch]);
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids: [cosbatch, ex.importexport, ex.codepipeline] },
      token: gw.tokens.read,
    });
    expect((res.body.data?.jobs as unknown[])[2]).toEqual({ id: ex.codepipeline });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['jobs', 0], 'UPSTREAM_BAD_RESPONSE'],
      [['jobs', 1], 'UPSTREAM_BAD_RESPONSE'],
    ]);
  });
});

describe('Bad input', () => {
  const cases: [string, string, RegExp][] = [
    [
      'an unknown prefix',
      'azure:eastus:1',
      /Argument "id" is not a valid job ID: unknown provider prefix "azure"/,
    ],
    [
      'too few parts',
      'codepipeline:us-east-1',
      /"codepipeline" IDs have the form codepipeline\[@\{account\}\]:\{region\}:\{jobId\}/,
    ],
    [
      'a bad region',
      'codepipeline:US_EAST:11111111-2222-4333-8444-555555555555',
      /Argument "id \(region\)" must be an AWS region/,
    ],
    [
      'an upper-case CodePipeline UUID',
      'codepipeline:us-east-1:11111111-2222-4333-8444-55555555555A',
      /Argument "id \(jobId\)" must be a lower-case UUID/,
    ],
    [
      'a short Omics ID',
      'omics:us-east-1:123:4567890123',
      /Argument "id \(referenceStoreId\)" must be 10-36 digits/,
    ],
    ['an empty ID', '', /it is empty/],
  ];
  it.each(cases)(
    'refuses %s with BAD_USER_INPUT and no upstream call',
    async (_name, id, message) => {
      const res = await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
        variables: { id },
        token: gw.tokens.read,
      });
      expect(res.body.data?.job).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toMatch(message);
      expect(upstreamCallCount(gw)).toBe(0);
    },
  );

  it('gives each malformed ID in a jobs list its own null and BAD_USER_INPUT naming its index, and loads the others', async () => {
    const ex = exampleGlobalIds();
    const ids = [
      ex.codepipeline,
      'nope',
      ex.importexport,
      'codepipeline:us-east-1:NOT-A-UUID',
      '',
      ex.codepipeline,
    ];
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(res.body.data?.jobs).toEqual([
      { id: ex.codepipeline },
      null,
      { id: ex.importexport },
      null,
      null,
      { id: ex.codepipeline },
    ]);
    const errors = [...(res.body.errors ?? [])].sort(
      (a, b) => Number(a.path?.[1]) - Number(b.path?.[1]),
    );
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['jobs', 1], 'BAD_USER_INPUT'],
      [['jobs', 3], 'BAD_USER_INPUT'],
      [['jobs', 4], 'BAD_USER_INPUT'],
    ]);
    expect(errors.map((e) => e.message.slice(0, 16))).toEqual([
      'Argument "ids[1]',
      'Argument "ids[3]',
      'Argument "ids[4]',
    ]);
    // One call per distinct valid job; none for the malformed ones.
    expect(gw.emulators.codepipeline.calls.map((c) => c.job)).toEqual([
      `us-east-1/${ex.codepipeline.split(':')[2]}`,
    ]);
    expect(upstreamCallCount(gw)).toBe(2);
  });

  it('answers a jobs list of malformed IDs with one error each and no upstream call', async () => {
    const ids = ['nope', 'azure:eastus:1', 'importexport:bad id!'];
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(res.body.data?.jobs).toEqual([null, null, null]);
    expect((res.body.errors ?? []).map((e) => e.path?.[1]).sort()).toEqual([0, 1, 2]);
    expect(upstreamCallCount(gw)).toBe(0);
  });

  it('refuses more than 100 IDs', async () => {
    const ids = Array.from({ length: 101 }, () => exampleGlobalIds().importexport);
    const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(res.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: 'Argument "ids" of jobs takes at most 100 IDs (JOBGRAPH_MAX_JOB_IDS); got 101.',
    });
    expect(gw.emulators.importexport.calls).toEqual([]);
  });

  it('checks root-field arguments against the provider patterns', async () => {
    const res = await gql(
      gw,
      `{ codePipelineJob(jobId: "not-a-uuid") { id } importExportJob(jobId: "bad id!") { id } }`,
      { token: gw.tokens.read },
    );
    expect(
      res.body.errors?.map((e) => [e.path?.[0], e.extensions?.code, e.message.slice(0, 22)]),
    ).toEqual([
      ['codePipelineJob', 'BAD_USER_INPUT', 'Argument "jobId" must '],
      ['importExportJob', 'BAD_USER_INPUT', 'Argument "jobId" must '],
    ]);
  });
});

describe('HTTP surface', () => {
  it('answers /healthz and /readyz with JSON', async () => {
    const base = gw.server.url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    await gw.accounts.check();
    // Every account, the default ones included; the demo verifies none (its keys are the
    // emulators'), but assumes its second AWS account's role at start.
    // Anonymous: ready or not, nothing about accounts.
    expect(await readyz(base)).toEqual({ status: 200, body: { status: 'ready' } });
    // A jobs reader is no operator: the same.
    expect((await readyz(base, await accountToken(gw, ['*']))).body).toEqual({ status: 'ready' });
    // A present but invalid token: 401, as on /graphql.
    const invalid = await readyz(base, 'not-a-token');
    expect(invalid.status).toBe(401);
    expect(JSON.stringify(invalid.body)).not.toMatch(/staging|UNTRIED|accounts/);
    expect((await readyz(base, await operatorToken(gw))).body).toEqual({
      status: 'ready',
      mode: 'demo',
      accounts: [
        { cloud: 'aws', alias: 'default', state: 'UNTRIED', code: 'UNTRIED' },
        { cloud: 'aws', alias: 'staging', state: 'READY', code: 'OK' },
        { cloud: 'tencent', alias: 'default', state: 'UNTRIED', code: 'UNTRIED' },
        { cloud: 'tencent', alias: 'staging', state: 'UNTRIED', code: 'UNTRIED' },
      ],
      // Where the history is kept (the default SQLite file), and that it answers.
      history: expect.objectContaining({ state: 'ok', where: expect.stringMatching(/^sqlite:/) }),
      // The notifications' outbox: nothing waiting (docs/notifications.md).
      notifications: { depth: 0, oldestAgeSeconds: 0 },
    });
  });

  it('answers 413 for a body over 1 MB', async () => {
    const res = await fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ __typename }`,
        variables: { pad: 'x'.repeat(1024 * 1024) },
      }),
    });
    expect(res.status).toBe(413);
  });

  it('refuses HTTP batching', async () => {
    const res = await fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('echoes an incoming x-request-id', async () => {
    const res = await gql(gw, '{ __typename }', { headers: { 'x-request-id': 'req-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-123');
  });
});
