import { DEFAULT_ACCOUNTS_ONLY } from '../../src/auth/accountGrant.ts';
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  parse,
  type GraphQLNamedType,
  type OperationDefinitionNode,
} from 'graphql';
import { beforeEach, describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createRequestContext } from '../../src/context.ts';
import { createJobLister } from '../../src/datasources/listing/index.ts';
import { exampleGlobalIds, DEMO_DATA } from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import {
  distinctJobKeys,
  jobFieldsBound,
  PlannedSourcesError,
  requestBudgetRefusal,
  ROOT_FIELD_JOB_KEYS,
} from '../../src/limits/jobBudget.ts';
import { ListArgumentTooLongError } from '../../src/limits/listArguments.ts';
import { buildSchema } from '../../src/schema.ts';
import {
  callsOf,
  clearCalls,
  describeCalls,
  freshCopies,
  gql,
  type TestGateway,
  upstreamCallCount,
} from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const budgetMessage = (found: number, max: number) =>
  `This request asks for ${found} distinct jobs; at most ${max} are allowed per request (JOBGRAPH_MAX_JOBS_PER_REQUEST).`;

const gw = useTestGateway();
/** A gateway whose budget is 2 distinct jobs, to count exactly. */
const small = useTestGateway({ JOBGRAPH_MAX_JOBS_PER_REQUEST: '2' });
beforeEach(() => {
  clearCalls(gw);
  clearCalls(small);
});

const errorLevelLines = (g: TestGateway, from: number) =>
  g.logs.lines.slice(from).filter((l) => (JSON.parse(l) as { level: number }).level >= 50);

async function expectRefused(
  g: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  message: string,
) {
  const before = g.logs.lines.length;
  const res = await gql(g, query, { token: g.tokens.read, variables });
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toEqual([{ message, extensions: { code: 'BAD_USER_INPUT' } }]);
  expect(upstreamCallCount(g)).toBe(0);
  expect(errorLevelLines(g, before)).toEqual([]);
}

describe('The per-request job budget', () => {
  it('refuses 20 aliases × jobs(ids: 100 IDs) before any upstream call, naming the limit and the variable', async () => {
    const vars = Object.fromEntries(
      Array.from({ length: 20 }, (_, a) => [
        `v${a}`,
        Array.from({ length: 100 }, (_, i) => `importexport:A${a}J${i}`),
      ]),
    );
    const query = `query(${Object.keys(vars)
      .map((v) => `$${v}: [ID!]!`)
      .join(', ')}) { ${Object.keys(vars)
      .map((v) => `${v}: jobs(ids: $${v}) { id }`)
      .join(' ')} }`;
    await expectRefused(gw, query, vars, budgetMessage(2000, 100));
  });

  it('refuses _entities with 2,000 representations before any upstream call, without reading them', async () => {
    const reps = Array.from({ length: 2000 }, (_, i) => ({
      __typename: 'ImportExportJob',
      nativeId: `E${i}`,
    }));
    await expectRefused(
      gw,
      'query($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }',
      { reps },
      'Argument "representations" of _entities takes at most 100 items (JOBGRAPH_MAX_JOBS_PER_REQUEST); got 2000.',
    );
  });

  it('refuses 150 distinct representations spread over two _entities fields by the job budget', async () => {
    const reps = (from: number) =>
      Array.from({ length: 75 }, (_, i) => ({
        __typename: 'ImportExportJob',
        nativeId: `E${from + i}`,
      }));
    await expectRefused(
      gw,
      'query($a: [_Any!]!, $b: [_Any!]!) { a: _entities(representations: $a) { __typename } b: _entities(representations: $b) { __typename } }',
      { a: reps(0), b: reps(75) },
      budgetMessage(150, 100),
    );
  });

  it('lets exactly the limit through: 100 distinct jobs spread over aliases, the describe calls they cost (one a job, AWS Batch one for its jobs)', async () => {
    const ids = Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS);
    const missing = Array.from(
      { length: 100 - new Set(ids).size },
      (_, i) => `importexport:MISSING${i}`,
    );
    const all = [...new Set(ids), ...missing];
    expect(all).toHaveLength(100);
    const half = all.length / 2;
    const res = await gql(
      gw,
      'query($a: [ID!]!, $b: [ID!]!) { a: jobs(ids: $a) { id } b: jobs(ids: $b) { id } again: jobs(ids: $a) { id } }',
      {
        token: gw.tokens.read,
        variables: { a: all.slice(0, half), b: all.slice(half) },
      },
    );
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('JOBGRAPH_MAX_JOBS_PER_REQUEST');
    expect(res.body.data?.a).toHaveLength(half);
    expect(callsOf(gw)).toEqual(describeCalls(all));
  });

  it('counts one job however it is spelled: omitted or default region, global ID, either entity key, the Job interface', async () => {
    const cp = parseGlobalId(ex.codepipeline) as { region: string; jobId: string };
    expect(cp.region).toBe('us-east-1'); // the default AWS region of the demo
    const ie = ex.importexport.split(':')[1] as string;
    const query = `query($reps: [_Any!]!) {
      p1: codePipelineJob(jobId: "${cp.jobId}") { id }
      p2: codePipelineJob(jobId: "${cp.jobId}", region: "us-east-1") { id }
      p3: job(id: "${ex.codepipeline}") { id }
      ...More
      _entities(representations: $reps) { __typename }
    }
    fragment More on Query { i1: importExportJob(jobId: "${ie}") { id } ... on Query { i2: job(id: "${ex.importexport}") { id } } }`;
    const reps = [
      { __typename: 'CodePipelineJob', id: ex.codepipeline },
      { __typename: 'CodePipelineJob', region: 'us-east-1', nativeId: cp.jobId },
      { __typename: 'Job', id: ex.codepipeline },
      { __typename: 'ImportExportJob', nativeId: ie },
    ];
    const ok = await gql(small, query, { token: small.tokens.read, variables: { reps } });
    expect(ok.body.errors).toBeUndefined();
    expect(upstreamCallCount(small)).toBe(2);

    clearCalls(small);
    await expectRefused(
      small,
      query,
      { reps: [...reps, { __typename: 'Job', id: ex.panorama }] },
      budgetMessage(3, 2),
    );
  });

  it('does not count malformed items or skipped fields: they never reach an upstream', async () => {
    const query = `query($ids: [ID!]!, $skip: Boolean!, $reps: [_Any!]!) {
      a: job(id: "${ex.importexport}") { id }
      b: job(id: "${ex.panorama}") { id }
      c: job(id: "${ex.omics}") @skip(if: $skip) { id }
      d: job(id: "${ex.cosbatch}") @include(if: false) { id }
      bad: jobs(ids: $ids) { id }
      e: _entities(representations: $reps) { __typename }
    }`;
    const variables = {
      ids: ['nope', 'importexport:', 'codepipeline:us-east-1:NOT-A-UUID', ex.importexport],
      skip: true,
      reps: [
        { __typename: 'ImportExportJob' },
        { __typename: 'Job', id: 'x' },
        { __typename: 'CodePipelineJob', id: ex.importexport },
      ],
    };
    const res = await gql(small, query, { token: small.tokens.read, variables });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('JOBGRAPH_MAX_JOBS_PER_REQUEST');
    // Each malformed item is its own BAD_USER_INPUT (whether it nulls its item or its field is not this test's concern).
    expect(new Set(res.body.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['BAD_USER_INPUT']),
    );
    expect(upstreamCallCount(small)).toBeLessThanOrEqual(2);
  });

  it('counts no representation that cannot name a job: not an object, no string __typename, an unknown type', () => {
    const { schema } = buildSchema();
    const document = parse(
      'query($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }',
    );
    const operation = document.definitions[0] as OperationDefinitionNode;
    const reps = [
      'not an object',
      [ex.codepipeline],
      { __typename: ['CodePipelineJob'], id: ex.codepipeline },
      { __typename: { toString: () => 'Job' }, id: ex.codepipeline },
      { __typename: 'NoSuchType', id: ex.codepipeline },
      { __typename: 'Query', id: ex.codepipeline },
      { __typename: 'CodePipelineJob', id: ex.codepipeline },
    ];
    expect(distinctJobKeys(schema, document, operation, { reps }, gw.config)).toEqual(
      new Set([ex.codepipeline]),
    );
  });

  it('counts after variables are resolved, so @skip and @include with variables are honoured', async () => {
    const query = `query($s: Boolean!) { a: job(id: "${ex.importexport}") { id } b: job(id: "${ex.panorama}") { id } c: job(id: "${ex.omics}") @include(if: $s) { id } }`;
    const ok = await gql(small, query, { token: small.tokens.read, variables: { s: false } });
    expect(ok.body.errors).toBeUndefined();
    clearCalls(small);
    await expectRefused(small, query, { s: true }, budgetMessage(3, 2));
  });

  it('skips the exact count only when a bound made without variables is within the budget', async () => {
    const bound = (query: string) => {
      const document = parse(query);
      return jobFieldsBound(document, document.definitions[0] as OperationDefinitionNode);
    };
    expect(bound('query($id: ID!) { job(id: $id) { id } __typename }')).toBe(1);
    expect(
      bound(
        'query($id: ID!) { ...F ... on Query { b: importExportJob(jobId: "A") { id } ...F } } fragment F on Query { a: job(id: $id) { id } }',
      ),
    ).toBe(2);
    expect(bound('{ a: job(id: "x") { id } jobs(ids: []) { id } }')).toBe(Infinity);
    expect(bound('{ ... on Query { _entities(representations: []) { __typename } } }')).toBe(
      Infinity,
    );
    // Over the bound, the exact count decides: two distinct jobs of three fields pass the budget of 2.
    const twoOfThree = `{ a: job(id: "${ex.importexport}") { id } b: job(id: "${ex.importexport}") { id } c: job(id: "${ex.panorama}") { id } }`;
    const res = await gql(small, twoOfThree, { token: small.tokens.read });
    expect(res.body.errors).toBeUndefined();
  });

  it('covers every root field that returns jobs', () => {
    const { schema } = buildSchema();
    const jobTypes = new Set([
      'Job',
      ...schema.getPossibleTypes(schema.getType('Job') as never).map((t) => t.name),
    ]);
    const returnsJobs = (t: GraphQLNamedType) =>
      jobTypes.has(t.name) ||
      (isAbstractType(t) && schema.getPossibleTypes(t).some((p) => jobTypes.has(p.name)));
    const rootFields = Object.values(schema.getQueryType()?.getFields() ?? {});
    const loading = rootFields
      .filter((f) => returnsJobs(getNamedType(f.type)))
      .map((f) => f.name)
      .sort();
    expect(loading).toContain('_entities');
    const watching = Object.values(schema.getSubscriptionType()?.getFields() ?? {})
      .filter((f) => returnsJobs(getNamedType(f.type)))
      .map((f) => f.name);
    expect(watching).toEqual(['jobUpdates']);
    // The mutations return results that hold jobs: each acts on the jobs it reads first.
    const mutation = schema.getMutationType();
    const acting = Object.values(mutation?.getFields() ?? {})
      .filter((f) => {
        const t = getNamedType(f.type);
        // A notification mutation's result holds no job field (a rule, a delivery): it reads none.
        const job = isObjectType(t) ? t.getFields().job : undefined;
        return job !== undefined && returnsJobs(getNamedType(job.type));
      })
      .map((f) => f.name);
    expect(acting.sort()).toEqual([
      'cancelJob',
      'cancelJobs',
      'rerunJob',
      'rerunJobs',
      'terminateJob',
    ]);
    expect(Object.keys(ROOT_FIELD_JOB_KEYS).sort()).toEqual(
      [...loading, ...watching, ...acting].sort(),
    );
  });
});

/**
 * `node` with a count of the reads of each of its own fields `names`: what a check read of a
 * parsed document.
 */
function countReads<T extends object, K extends keyof T & string>(
  node: T,
  names: readonly K[],
): Record<K, number> {
  const reads = {} as Record<K, number>;
  for (const name of names) {
    let value = node[name];
    reads[name] = 0;
    Object.defineProperty(node, name, {
      enumerable: true,
      get: () => ((reads[name] += 1), value),
      set: (v: T[K]) => (value = v),
    });
  }
  return reads;
}

describe('What the budget checks read of a request', () => {
  const { schema } = buildSchema();
  const config = loadConfig({ mode: 'demo' }, {});
  const operationOf = (query: string) => {
    const document = parse(query);
    return { document, operation: document.definitions[0] as OperationDefinitionNode };
  };

  it('walk a query document once: a query asked again reads only its variables, the caps made once per configuration', () => {
    const { document, operation } = operationOf(
      'query Two($id: ID!, $other: ID!) { job(id: $id) { id } ...F } fragment F on Query { b: job(id: $other) { id } }',
    );
    const reads = countReads(operation, ['selectionSet', 'variableDefinitions']);
    const limits = countReads(config.limits, ['maxJobIds']);
    const check = (variables: Record<string, unknown>) =>
      requestBudgetRefusal(schema, document, operation, variables, config);
    expect(check({ id: ex.panorama, other: ex.omics })).toBeNull();
    expect(reads.selectionSet).toBeGreaterThan(0);
    expect(limits.maxJobIds).toBeGreaterThan(0);
    const first = { ...reads, ...limits };
    for (let i = 0; i < 5; i++) expect(check({ id: ex.omics, other: ex.panorama })).toBeNull();
    // Nothing of the document, nor the caps, read again: only the variables were looked at.
    expect({ ...reads, ...limits }).toEqual(first);
    // Each request's own variables still decide: a list sent for an ID is over its cap as before.
    const over = Array(config.limits.maxJobIds + 1).fill('x');
    const refusal = check({ id: ex.panorama, other: over });
    expect(refusal).toBeInstanceOf(ListArgumentTooLongError);
    expect(refusal?.message).toBe(
      `Argument "id" of job takes at most ${config.limits.maxJobIds} items (JOBGRAPH_MAX_JOB_IDS); got ${over.length}.`,
    );
  });

  it('coerce the variables of a listJobs query each time: its planned sources depend on them', () => {
    const { document, operation } = operationOf(
      'query L($regions: [String!]) { listJobs(filter: { regions: $regions }) { totalCount } }',
    );
    const reads = countReads(operation, ['variableDefinitions']);
    const check = (regions: string[]) =>
      requestBudgetRefusal(schema, document, operation, { regions }, config);
    expect(check(['us-east-1'])).toBeNull();
    const afterOne = reads.variableDefinitions;
    expect(check(['us-east-1', 'eu-west-1'])).toBeNull();
    // The coercion reads the operation's variable definitions on every request.
    expect(reads.variableDefinitions).toBeGreaterThan(afterOne);
    expect(check(['us-east-1'])).not.toBeInstanceOf(PlannedSourcesError);
  });
});

describe("The request context's loadJob", () => {
  it('refuses distinct jobs beyond the budget while loading, before their upstream call, and still serves repeats', async () => {
    const config = loadConfig({ mode: 'demo' }, { JOBGRAPH_MAX_JOBS_PER_REQUEST: '2' });
    const budgetConfig = {
      ...gw.config,
      limits: { ...gw.config.limits, maxJobsPerRequest: config.limits.maxJobsPerRequest },
    };
    const ctx = createRequestContext(
      {
        config: budgetConfig,
        sources: gw.sources,
        lister: createJobLister(gw.sources, budgetConfig),
      },
      {
        authenticated: true,
        subject: 't',
        scopes: new Set([SCOPE_READ]),
        accounts: DEFAULT_ACCOUNTS_ONLY,
      },
      'budget-test',
    );
    // A Panorama job no earlier test asked for: the example is finished, so the job cache (on) would answer it without a call.
    const [panorama] = freshCopies(gw, [ex.panorama]) as [string];
    await expect(ctx.loadJob(parseGlobalId(ex.importexport))).resolves.toMatchObject({
      id: ex.importexport,
    });
    await expect(ctx.loadJob(parseGlobalId(panorama))).resolves.toMatchObject({ id: panorama });
    await expect(ctx.loadJob(parseGlobalId(ex.omics))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message:
        'This request asks for more than 2 distinct jobs; at most 2 are allowed per request (JOBGRAPH_MAX_JOBS_PER_REQUEST).',
    });
    await expect(ctx.loadJob(parseGlobalId(ex.importexport))).resolves.toMatchObject({
      id: ex.importexport,
    });
    expect(upstreamCallCount(gw)).toBe(2);
  });

  it("makes a provider's loader when the request first loads one of its jobs, and only then", async () => {
    // Which providers' guarded sources the context reads, and when.
    const read: string[] = [];
    const sources = new Proxy(gw.sources, {
      get: (target, provider, receiver) => {
        if (typeof provider === 'string') read.push(provider);
        return Reflect.get(target, provider, receiver) as unknown;
      },
    });
    const ctx = createRequestContext(
      { config: gw.config, sources, lister: createJobLister(gw.sources, gw.config) },
      {
        authenticated: true,
        subject: 'lazy',
        scopes: new Set([SCOPE_READ]),
        accounts: DEFAULT_ACCOUNTS_ONLY,
      },
      'lazy-loaders',
    );
    expect(read).toEqual([]);
    await ctx.loadJob(parseGlobalId(ex.panorama));
    await ctx.loadJob(parseGlobalId(ex.panorama));
    expect(read).toEqual(['AWS_PANORAMA']);
    // Two loads of another provider's job at once: its loader made once, for both.
    await Promise.all([ctx.loadJob(parseGlobalId(ex.omics)), ctx.loadJob(parseGlobalId(ex.omics))]);
    expect(read).toEqual(['AWS_PANORAMA', 'AWS_OMICS']);
  });
});
