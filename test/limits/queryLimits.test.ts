import { readFileSync } from 'node:fs';
import {
  getIntrospectionQuery,
  Kind,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import { exampleGlobalIds, DEMO_DATA } from '@jobgraph/emulators';
import {
  createQueryLimits,
  LIMIT_ERROR_CODE,
  TOKEN_LIMIT_ERROR_CODE,
} from '../../src/limits/index.ts';
import { buildSchema } from '../../src/schema.ts';
import { callsOf, clearCalls, describeCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { liveConfig } from '../support/liveConfig.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { JOB_TYPES, kitchenSinkQuery } from './kitchenSink.ts';

const { schema } = buildSchema();
const ex = exampleGlobalIds();
/** A finished demo job (Import/Export CMPL1): a subscription to it sends one event, then completes. */
const FINISHED_JOB = ex.importexport;
const ALL_IDS = Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS);
/** 100 IDs of every provider (the demo has fewer distinct jobs, so some repeat). */
const HUNDRED_IDS = Array.from({ length: 100 }, (_, i) => ALL_IDS[i % ALL_IDS.length] as string);

/** The jobs console's list query and row fields, as console/src/listQueries.ts holds them. */
const consoleList = readFileSync(
  new URL('../../console/src/listQueries.ts', import.meta.url),
  'utf8',
);
const CONSOLE_ROW_FIELDS = /export const ROW_FIELDS = `([^`]*)`/.exec(consoleList)?.[1] as string;
const CONSOLE_LIST_QUERY = (
  /const LIST_QUERY = `([^`]*)`/.exec(consoleList)?.[1] as string
).replace('${ROW_FIELDS}', CONSOLE_ROW_FIELDS);

/** A list view's full page: ten summary fields of 100 jobs, with the page's cursors and sources. */
const FULL_PAGE = `query FullPage {
  listJobs(first: 100) {
    edges { cursor node { id provider nativeId region state providerStatus statusMessage terminal createdAt completedAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider region referenceStoreId state code }
  }
}`;

const gw = useTestGateway();

/** Expects one log line for request `requestId`, at info, naming the refusal's `code`. */
const expectOneLogLine = (requestId: string, code: string) =>
  expect(
    gw.logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === requestId),
  ).toEqual([expect.objectContaining({ level: 30, errorCodes: [code] })]);
const prod = useTestGateway({ JOBGRAPH_INTROSPECTION: 'false' });
beforeEach(() => {
  clearCalls(gw);
  clearCalls(prod);
});

describe('The default query limits', () => {
  it('let the kitchen-sink query through: 100 IDs, every field of every job type, through fragments', async () => {
    const query = kitchenSinkQuery(schema);
    for (const t of JOB_TYPES) expect(query).toContain(`...${t}Fields`);
    const res = await gql(gw, query, { variables: { ids: HUNDRED_IDS }, token: gw.tokens.secrets });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const jobs = res.body.data?.jobs as { __typename: string; id: string }[];
    expect(jobs.map((j) => j.id)).toEqual(HUNDRED_IDS);
    expect(new Set(jobs.map((j) => j.__typename))).toEqual(new Set(JOB_TYPES));
    // Besides the describes, `Job.waiting` of the waiting Batch jobs reads their region's queues
    // once (DescribeJobQueues, DescribeComputeEnvironments) and each of their queues' fronts once.
    const queueReads = gw.emulators.batch.calls
      .map((c) => c.operation.split(' ')[0]!)
      .filter((op) => op !== 'DescribeJobs');
    const snapshots = queueReads.filter((op) => op === 'GetJobQueueSnapshot').length;
    expect(queueReads.filter((op) => op !== 'GetJobQueueSnapshot')).toEqual([
      'DescribeJobQueues',
      'DescribeComputeEnvironments',
    ]);
    expect(snapshots).toBeGreaterThan(0);
    expect(snapshots).toBeLessThanOrEqual(3);
    const expected = describeCalls(HUNDRED_IDS);
    expect(callsOf(gw)).toEqual({ ...expected, batch: expected.batch + queueReads.length });
  });

  it('let the kitchen-sink _entities query of a router through', async () => {
    const reps = HUNDRED_IDS.map((id) => ({ __typename: 'Job', id }));
    const res = await gql(prod, kitchenSinkQuery(schema, '_entities'), {
      variables: { reps },
      token: prod.tokens.secrets,
    });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?._entities as { id: string }[]).map((e) => e.id)).toEqual(HUNDRED_IDS);
  });

  it('let every operation in the README and its query pages through', async () => {
    const readme = [
      'README.md',
      'docs/queries.md',
      'docs/clients.md',
      'docs/watching.md',
      'docs/console.md',
    ]
      .map((f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const documents = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .filter((text) =>
        parse(text).definitions.every(
          (d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION,
        ),
      );
    expect(documents.length).toBeGreaterThan(0);
    for (const text of documents) {
      const operations = parse(text).definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      for (const op of operations) {
        // A subscription goes over SSE (as the README shows), watching a finished job: one event, then complete.
        const subscription = op.operation === OperationTypeNode.SUBSCRIPTION;
        const res = await fetch(gw.server.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${gw.tokens.secrets}`,
            ...(subscription ? { accept: 'text/event-stream' } : {}),
          },
          body: JSON.stringify({
            query: text,
            operationName: op.name?.value,
            ...(subscription ? { variables: { ids: [FINISHED_JOB] } } : {}),
          }),
        });
        const answer = await res.text();
        const events = subscription
          ? [...answer.matchAll(/^data: (.*)$/gm)].map((m) => m[1] as string)
          : [answer];
        if (subscription) expect(answer, op.name?.value).toMatch(/^event: complete$/m);
        const codes = events.flatMap((event) =>
          (
            (JSON.parse(event) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []
          ).map((e) => e.extensions?.code),
        );
        expect(codes, op.name?.value).not.toContain(LIMIT_ERROR_CODE);
        expect(codes, op.name?.value).not.toContain('GRAPHQL_PARSE_FAILED');
        expect(res.status, op.name?.value).toBe(200);
      }
    }
  });

  it.each([
    ['a full listJobs page of the summary fields a list view shows', FULL_PAGE, {}],
    [
      'the same page as Apollo Client sends it (__typename on every selection)',
      FULL_PAGE.replace(/\{ /g, '{ __typename '),
      {},
    ],
    ["the console's list query at the largest page", CONSOLE_LIST_QUERY, { first: 100 }],
  ])('let %s through', async (_what, query, variables) => {
    const res = await gql<{ listJobs: { edges: unknown[] } }>(gw, query, {
      variables,
      token: gw.tokens.read,
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.listJobs.edges.length).toBeGreaterThan(25);
  });

  it("let Apollo Sandbox's introspection query through", async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const res = await gql(gw, query);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.__schema).toBeTruthy();
  });

  it('let exactly 20 root fields through', async () => {
    const fields = Array.from(
      { length: 19 },
      (_, i) => `j${i}: job(id: "${ex.importexport}") { id }`,
    ).join(' ');
    const res = await gql(gw, `{ __typename ${fields} }`, { token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
  });
});

const id = ex.cosbatch;
const deepType = `${'ofType { '.repeat(10)}name${' }'.repeat(10)}`;
const refusals: [string, string, string | RegExp][] = [
  [
    'depth',
    `{ job(id: "${id}") { id } __type(name: "Job") { fields { type { ${deepType} } } } }`,
    /^Query depth limit of 12 \(JOBGRAPH_MAX_DEPTH\) exceeded, found 14\.$/,
  ],
  [
    'aliases',
    `{ job(id: "${id}") { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`,
    'Aliases limit of 30 (JOBGRAPH_MAX_ALIASES) exceeded, found 31.',
  ],
  [
    'directives',
    `{ job(id: "${id}") { ${'id @include(if: true) '.repeat(51)}} }`,
    'Directives limit of 50 exceeded, found 51.',
  ],
  [
    'cost',
    // 700 leaves at depth 6 cost 700 × 1.5^5 ≈ 5300. (Many more identical fields would trip
    // graphql-js's own overlap-check budget first: "Validation aborted.")
    `{ job(id: "${id}") { ... on CosBatchJob { operation { putObjectCopy { newObjectMetadata { userMetadata { ${'key '.repeat(700)}} } } } } } }`,
    /^Query cost limit of 5000 \(JOBGRAPH_MAX_COST\) exceeded, found \d+(\.\d+)?\.$/,
  ],
  [
    'cost',
    // A page of every field of every job type: each listed job's describe-backed fields count 100 times.
    kitchenSinkQuery(schema)
      .replace(
        'query KitchenSink($ids: [ID!]!) {\n  jobs(ids: $ids) {',
        'query EveryFieldPage {\n  listJobs(first: 100) { nodes {',
      )
      .replace(/\n {2}}\n}/, '\n  } }\n}'),
    /^Query cost limit of 5000 \(JOBGRAPH_MAX_COST\) exceeded, found \d+(\.\d+)?\.$/,
  ],
  [
    'cost',
    // Two aliased pages of the console's rows (progress needs each job's describe): 2 × ≈ 3640.
    `query Twice($first: Int) { a: listJobs(first: $first) { ...Rows } b: listJobs(first: $first) { ...Rows } }
     fragment Rows on JobConnection { edges { cursor node { ${CONSOLE_ROW_FIELDS} } } pageInfo { hasNextPage endCursor } }`,
    /^Query cost limit of 5000 \(JOBGRAPH_MAX_COST\) exceeded, found \d+(\.\d+)?\.$/,
  ],
  [
    'root fields',
    `query { __typename _service { sdl } ...Jobs } fragment Jobs on Query { ${Array.from({ length: 19 }, (_, i) => `j${i}: job(id: "${id}") { id }`).join(' ')} }`,
    'Root fields limit of 20 exceeded, found 21.',
  ],
];

describe('Each query limit', () => {
  it.each(refusals)(
    'refuses an operation over the %s limit before any upstream call, naming the limit',
    async (limit, query, message) => {
      const requestId = `limit-${limit.replace(' ', '-')}-${refusals.findIndex((r) => r[1] === query)}`;
      const res = await gql(gw, query, {
        token: gw.tokens.read,
        headers: { 'x-request-id': requestId },
      });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.message).toMatch(message);
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: LIMIT_ERROR_CODE });
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(upstreamCallCount(gw)).toBe(0);
      // One log line names the request and the rejection.
      expectOneLogLine(requestId, LIMIT_ERROR_CODE);
    },
  );

  it('takes its value from the configuration', () => {
    const config = liveConfig({
      JOBGRAPH_MAX_DEPTH: '2',
      JOBGRAPH_MAX_ALIASES: '0',
      JOBGRAPH_MAX_COST: '10',
    });
    const { validationRules } = createQueryLimits(config);
    const query = `{ a: job(id: "${id}") { ... on CosBatchJob { progressSummary { totalNumberOfTasks @include(if: true) } } } __typename }`;
    const messages = validate(schema, parse(query), [...specifiedRules, ...validationRules]).map(
      (e) => e.message,
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        'Query depth limit of 2 (JOBGRAPH_MAX_DEPTH) exceeded, found 3.',
        'Aliases limit of 0 (JOBGRAPH_MAX_ALIASES) exceeded, found 1.',
        expect.stringMatching(/^Query cost limit of 10 \(JOBGRAPH_MAX_COST\) exceeded, found /),
      ]),
    );
    expect(messages).toHaveLength(3);
  });
});

describe('The token limit', () => {
  it('refuses a document over it while parsing, before any upstream call, as a parse failure naming the limit', async () => {
    const requestId = 'limit-tokens';
    const res = await gql(gw, `{ job(id: "${id}") { ${'id '.repeat(4000)}} }`, {
      token: gw.tokens.read,
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    // graphql-js's wording ("more that" sic), corrected and naming the variable by formatError.
    expect(res.body.errors?.map((e) => e.message)).toEqual([
      'Syntax Error: Document contains more than 4000 tokens (JOBGRAPH_MAX_TOKENS). Parsing aborted.',
    ]);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: TOKEN_LIMIT_ERROR_CODE });
    expect(upstreamCallCount(gw)).toBe(0);
    expectOneLogLine(requestId, TOKEN_LIMIT_ERROR_CODE);
  });

  it('takes its value from the configuration', () => {
    const limits = createQueryLimits(liveConfig({ JOBGRAPH_MAX_TOKENS: '10' }));
    expect(limits.parseOptions).toEqual({ maxTokens: 10 });
    expect(() => parse('{ a b c d e f g h i j }', limits.parseOptions)).toThrow(
      'Document contains more that 10 tokens',
    );
    expect(() => parse('{ a b c d e f g h }', limits.parseOptions)).not.toThrow();
  });
});

describe('Field suggestions', () => {
  it('are left out of errors when introspection is off', async () => {
    const res = await gql(prod, `{ jbo(id: "${id}") { id } job(id: "${id}") { nativeid } }`, {
      token: prod.tokens.read,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.message)).toEqual([
      'Cannot query field "jbo" on type "Query".',
      'Cannot query field "nativeid" on type "Job".',
    ]);
    expect(res.text).not.toMatch(/Did you mean|Suggestion/);
    expect(upstreamCallCount(prod)).toBe(0);
  });

  it('are kept in development, where introspection shows the schema anyway', async () => {
    const res = await gql(gw, `{ job(id: "${id}") { nativeid } }`, { token: gw.tokens.read });
    expect(res.body.errors?.[0]?.message).toBe(
      'Cannot query field "nativeid" on type "Job". Did you mean "nativeId"?',
    );
  });
});

describe('The limits', () => {
  it('leave unexpected request errors to Apollo, which masks them (validation rules and parse options only, no plugin hook)', () => {
    const limits = createQueryLimits(liveConfig({}));
    expect(Object.keys(limits).sort()).toEqual([
      'hideSchemaDetailsFromClientErrors',
      'parseOptions',
      'validationRules',
    ]);
  });
});

describe('Every limit', () => {
  const post = (body: string) =>
    fetch(gw.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.tokens.read}` },
      body,
    });
  const query = (text: string, variables: Record<string, unknown> = {}) =>
    JSON.stringify({ query: text, variables });
  const queryOver = (limit: string) => refusals.find(([l]) => l === limit)?.[1] as string;
  const importExportIds = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `importexport:JOB${from + i}`);

  it.each([
    ['JOBGRAPH_MAX_DEPTH', 400, query(queryOver('depth'))],
    ['JOBGRAPH_MAX_ALIASES', 400, query(queryOver('aliases'))],
    ['Directives limit of 50 exceeded', 400, query(queryOver('directives'))],
    ['JOBGRAPH_MAX_COST', 400, query(queryOver('cost'))],
    ['Root fields limit of 20 exceeded', 400, query(queryOver('root fields'))],
    ['JOBGRAPH_MAX_TOKENS', 400, query(`{ job(id: "${id}") { ${'id '.repeat(4000)}} }`)],
    ['JOBGRAPH_MAX_BODY_BYTES', 413, query('{ __typename }', { padding: 'x'.repeat(1024 * 1024) })],
    [
      'JOBGRAPH_MAX_JOB_IDS',
      400,
      query('query($ids: [ID!]!) { jobs(ids: $ids) { id } }', { ids: importExportIds(101) }),
    ],
    [
      'JOBGRAPH_MAX_JOBS_PER_REQUEST',
      400,
      query('query($a: [ID!]!, $b: [ID!]!) { a: jobs(ids: $a) { id } b: jobs(ids: $b) { id } }', {
        a: importExportIds(60),
        b: importExportIds(60, 60),
      }),
    ],
  ])(
    'names its variable (or its fixed limit) when it refuses: %s',
    async (variable, status, body) => {
      const res = await post(body);
      expect(res.status).toBe(status);
      const answer = (await res.json()) as { errors?: { message: string }[] };
      expect(answer.errors?.map((e) => e.message)).toEqual([expect.stringContaining(variable)]);
      expect(upstreamCallCount(gw)).toBe(0);
    },
  );
});
