import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { EXAMPLE_GLOBAL_ID as BATCH_EXAMPLE_GLOBAL_ID } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { OMICS_DEMO_BATCH_ID } from '@jobgraph/emulators/omics/runBatchData';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { clearCalls, gql, upstreamCallCount, type TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { subscribe } from '../support/subscriptions.ts';

/**
 * "Authorization is decided before any upstream call", for every root field of the schema on
 * every transport: a caller without a token is UNAUTHENTICATED and one whose token lacks the
 * scope FORBIDDEN, with no upstream call and nothing of a job (ID, cursor, store) in the answer.
 * The root fields are read from the served schema, so a new one without a sample here fails.
 */

const SECRET = 'root-field-authorization-test-secret-0123456789';
const ex = {
  panorama: DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID,
  omics: DEMO_DATA.omics.EXAMPLE_GLOBAL_ID,
  cosbatch: DEMO_DATA.cosbatch.EXAMPLE_GLOBAL_ID,
  importexport: DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID,
  codepipeline: DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID,
  batch: BATCH_EXAMPLE_GLOBAL_ID,
};
const native = (id: string) => id.slice(id.lastIndexOf(':') + 1);
const [, omicsRegion, omicsStore] = ex.omics.split(':') as [string, string, string, string];

/** Root fields that need no job and call no upstream: served to anyone (federation's `_service`). */
const PUBLIC_ROOT_FIELDS = new Set(['_service']);

/** One operation per root field, selecting what a real client would (and for listJobs what leaks: cursors, sources). */
const SAMPLES: Readonly<Record<string, { query: string; variables?: Record<string, unknown> }>> = {
  job: { query: `{ job(id: "${ex.panorama}") { id state } }` },
  jobs: {
    query: 'query($ids: [ID!]!) { jobs(ids: $ids) { id state } }',
    variables: { ids: Object.values(ex) },
  },
  panoramaPackageImportJob: {
    query: `{ panoramaPackageImportJob(jobId: "${native(ex.panorama)}") { id } }`,
  },
  omicsReferenceImportJob: {
    query: `{ omicsReferenceImportJob(referenceStoreId: "${omicsStore}", id: "${native(ex.omics)}", region: "${omicsRegion}") { id } }`,
  },
  omicsRun: {
    query: `{ omicsRun(runId: "${OMICS_DEMO_RUNS[0]!.id}", uuid: "${OMICS_DEMO_RUNS[0]!.uuid}", region: "${omicsRegion}") { id } }`,
  },
  cosBatchJob: { query: `{ cosBatchJob(jobId: "${native(ex.cosbatch)}") { id } }` },
  importExportJob: { query: `{ importExportJob(jobId: "${native(ex.importexport)}") { id } }` },
  codePipelineJob: { query: `{ codePipelineJob(jobId: "${native(ex.codepipeline)}") { id } }` },
  batchJob: { query: `{ batchJob(jobId: "${native(ex.batch)}") { id } }` },
  batchServiceJob: {
    query: `{ batchServiceJob(jobId: "${SERVICE_JOB_IDS.progressing}") { id serviceRequestPayload } }`,
  },
  omicsRunBatch: {
    query: `{ omicsRunBatch(batchId: "${OMICS_DEMO_BATCH_ID}") { id runSummary { failedRunCount } } }`,
  },
  listJobs: {
    query: `{ listJobs(first: 100, filter: { states: [SUCCEEDED, FAILED] }) {
      edges { cursor } pageInfo { endCursor hasNextPage } sources { provider region referenceStoreId state }
    } }`,
  },
  jobHistory: {
    query: `{ jobHistory(first: 100, filter: { states: [SUCCEEDED, FAILED] }) {
      edges { cursor node { id state transitions { to } } } pageInfo { endCursor hasNextPage }
    } }`,
  },
  jobHistorySummary: {
    query: `{ jobHistorySummary(filter: { states: [SUCCEEDED, FAILED] }) {
      jobs byState { state jobs } byFailureCategory { category jobs }
    } }`,
  },
  jobQueues: { query: `{ jobQueues { id name computeEnvironments { name status } } }` },
  jobQueue: { query: `{ jobQueue(id: "batchqueue:us-east-1:nightly-etl") { id state } }` },
  _entities: {
    query:
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id state } } }',
    variables: {
      reps: [
        { __typename: 'Job', id: ex.importexport },
        { __typename: 'PanoramaPackageImportJob', id: ex.panorama },
      ],
    },
  },
  _service: { query: '{ _service { sdl } }' },
  jobAccess: { query: '{ jobAccess { subject scopes allAccounts accounts } }' },
  jobUpdates: {
    query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
    variables: { ids: [ex.importexport, ex.cosbatch] },
  },
  jobLogs: {
    query: 'subscription($id: ID!) { jobLogs(id: $id) { at message } }',
    variables: { id: ex.batch },
  },
  notificationRules: { query: '{ notificationRules { nodes { id name } } }' },
  notificationRule: { query: '{ notificationRule(id: "nr_none") { id name } }' },
};

/**
 * Root fields that read no job of any account: nothing to hold to the caller's accounts here. A
 * notification rule holds its creator's grant, held at creation and at every delivery
 * (test/notifications/rules.test.ts, outbox.test.ts).
 */
const NO_ACCOUNT_ROOT_FIELDS = new Set(['jobAccess', 'notificationRules', 'notificationRule']);

/**
 * One operation per root field that reads jobs, asking for the default account's: a token of the
 * `staging` account alone is refused it (listJobs: by naming the default account in its filter).
 */
const ACCOUNT_SAMPLES: Readonly<
  Record<string, { query: string; variables?: Record<string, unknown> }>
> = {
  ...Object.fromEntries(
    Object.entries(SAMPLES).filter(
      ([name]) =>
        !PUBLIC_ROOT_FIELDS.has(name) &&
        !NO_ACCOUNT_ROOT_FIELDS.has(name) &&
        name !== 'listJobs' &&
        name !== 'jobHistory' &&
        name !== 'jobHistorySummary' &&
        name !== 'jobQueues',
    ),
  ),
  // As listJobs: naming the default account in its filter (the others' queues are left out).
  jobQueues: { query: `{ jobQueues(filter: { accounts: ["default"] }) { id } }` },
  // As jobHistory: its counts are of the grant's rows, in the same SQL.
  jobHistorySummary: {
    query: `{ jobHistorySummary(filter: { accounts: ["default"] }) { jobs } }`,
  },
  // As listJobs: naming the default account in its filter (its rows are held by the grant in SQL).
  jobHistory: {
    query: `{ jobHistory(first: 100, filter: { accounts: ["default"] }) {
        edges { cursor node { id } } pageInfo { endCursor hasNextPage }
      } }`,
  },
  listJobs: {
    query: `{ listJobs(first: 100, filter: { accounts: ["default"] }) {
        edges { cursor } pageInfo { endCursor hasNextPage } sources { provider region referenceStoreId state }
      } }`,
  },
};

type Answer = {
  data?: Record<string, unknown> | null;
  errors?: readonly { extensions?: { code?: unknown } }[];
};

/** What the client sees of one operation over one transport; `text` is the whole answer as sent. */
type Send = (
  gw: TestGateway,
  sample: { query: string; variables?: Record<string, unknown> },
  token: string | undefined,
) => Promise<{ answer: Answer; text: string }>;

const bearer = (token: string | undefined) => (token ? { authorization: `Bearer ${token}` } : {});

const post: Send = async (gw, sample, token) => {
  const res = await gql(gw, sample.query, {
    token,
    ...(sample.variables ? { variables: sample.variables } : {}),
  });
  return { answer: res.body, text: res.text };
};

const get: Send = async (gw, sample, token) => {
  const url = new URL(gw.server.url);
  url.searchParams.set('query', sample.query);
  if (sample.variables) url.searchParams.set('variables', JSON.stringify(sample.variables));
  // The header a browser client sends to pass CSRF prevention without a token.
  const res = await fetch(url, {
    headers: { 'apollo-require-preflight': 'true', ...bearer(token) },
  });
  const text = await res.text();
  return { answer: JSON.parse(text) as Answer, text };
};

/** graphql-sse's distinct connections mode: POST with Accept: text/event-stream; the first `next` event. */
const sse: Send = async (gw, sample, token) => {
  const res = await fetch(gw.server.url, {
    method: 'POST',
    headers: {
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...bearer(token),
    },
    body: JSON.stringify({ query: sample.query, variables: sample.variables ?? {} }),
  });
  const text = await res.text();
  const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
  return { answer: data ? (JSON.parse(data) as Answer) : (JSON.parse(text) as Answer), text };
};

/** The official graphql-ws client: a socket without a token is closed at connection_init; with one, the first event. */
const ws: Send = async (gw, sample, token) => {
  const sub = subscribe(gw.server.url, 'ws', sample.query, {
    ...(token ? { token } : {}),
    ...(sample.variables ? { variables: sample.variables } : {}),
  });
  try {
    const event = await sub.next();
    return { answer: (event ?? {}) as Answer, text: JSON.stringify(event) };
  } catch (err) {
    // Refused at connection_init: the close is the answer (4403 Forbidden), nothing else was sent.
    const close = sub.closes[0] ?? { code: 0, reason: String(err) };
    return { answer: { errors: [{ extensions: { code: `close ${close.code}` } }] }, text: '' };
  } finally {
    await sub.close();
  }
};

const TRANSPORTS: Record<string, Send> = { POST: post, GET: get, SSE: sse, WebSocket: ws };
/** Where each operation type is served: subscriptions only over the event-stream transports. */
const SERVED: Record<'query' | 'subscription', readonly string[]> = {
  query: ['POST', 'GET', 'SSE', 'WebSocket'],
  subscription: ['SSE', 'WebSocket'],
};

/** Every string a job could leak through: its global IDs, native IDs and HealthOmics stores. */
const LEAKS = [...Object.values(ex), ...Object.values(ex).map(native), omicsStore];

const gw = useTestGateway({
  JOBGRAPH_JWT_SECRET: SECRET,
  // Each of AWS Batch's queues is a source, its service-job queue too (issue 102): the listJobs
  // sample's cold read passes the old default bound of 20; 40 is the new default.
  JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '40',
});
let roots: { query: string[]; subscription: string[] };
let noScope: string;

beforeAll(async () => {
  noScope = await mintToken({ secret: SECRET, scopes: ['profile'], subject: 'no-jobs-scope' });
  const schema = await gql(
    gw,
    '{ __schema { queryType { fields { name } } subscriptionType { fields { name } } } }',
    { token: gw.tokens.read },
  );
  const names = (t: { fields: { name: string }[] } | null) => t?.fields.map((f) => f.name) ?? [];
  roots = {
    query: names(schema.body.data?.__schema.queryType),
    subscription: names(schema.body.data?.__schema.subscriptionType),
  };
});

describe('Every root field', () => {
  it('has a sample operation here (a new root field must be added, and so checked)', () => {
    expect(roots.query).toContain('listJobs');
    expect(roots.subscription).toEqual(['jobLogs', 'jobUpdates']);
    for (const name of [...roots.query, ...roots.subscription])
      expect(SAMPLES[name], `no sample for root field ${name}`).toBeDefined();
  });

  for (const [kind, callerName] of [
    ['UNAUTHENTICATED', 'no token'],
    ['FORBIDDEN', 'a token without jobs:read'],
  ] as const) {
    it(`refuses ${callerName} with ${kind} before any upstream call, on every transport, with nothing of a job in the answer`, async () => {
      const token = kind === 'FORBIDDEN' ? noScope : undefined;
      const checked: string[] = [];
      for (const type of ['query', 'subscription'] as const) {
        for (const field of roots[type]) {
          if (PUBLIC_ROOT_FIELDS.has(field)) continue;
          for (const transport of SERVED[type]) {
            clearCalls(gw);
            const { answer, text } = await TRANSPORTS[transport]!(gw, SAMPLES[field]!, token);
            const where = `${field} over ${transport} with ${callerName}`;
            const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
            // A socket without a token is closed at connection_init (4401), before any operation.
            const expected = transport === 'WebSocket' && !token ? ['close 4401'] : [kind];
            expect(codes.length, `${where}: ${text}`).toBeGreaterThan(0);
            expect(new Set(codes), `${where}: ${text}`).toEqual(new Set(expected));
            expect(upstreamCallCount(gw), where).toBe(0);
            for (const leak of LEAKS) expect(text, where).not.toContain(leak);
            checked.push(where);
          }
        }
      }
      // Each query field over the 4 transports, each subscription over its 2.
      expect(checked.length).toBe(
        (roots.query.length - PUBLIC_ROOT_FIELDS.size) * SERVED.query.length +
          roots.subscription.length * SERVED.subscription.length,
      );
    });
  }

  it('serves the public root fields to anyone without an upstream call', async () => {
    for (const field of PUBLIC_ROOT_FIELDS) {
      clearCalls(gw);
      const { answer } = await post(gw, SAMPLES[field]!, undefined);
      expect(answer.errors).toBeUndefined();
      expect(upstreamCallCount(gw)).toBe(0);
    }
  });

  it('has an account sample for every root field that reads jobs (a new one must say how it is held to the caller’s accounts)', () => {
    for (const name of [...roots.query, ...roots.subscription]) {
      if (PUBLIC_ROOT_FIELDS.has(name) || NO_ACCOUNT_ROOT_FIELDS.has(name)) continue;
      expect(ACCOUNT_SAMPLES[name], `no account sample for root field ${name}`).toBeDefined();
    }
  });

  it('refuses a token of another account FORBIDDEN on every root field and transport, before any upstream call, with nothing of the job in the answer', async () => {
    const otherAccount = await mintToken({
      secret: SECRET,
      scopes: ['jobs:read'],
      subject: 'staging-team',
      accounts: ['staging'],
    });
    const checked: string[] = [];
    for (const type of ['query', 'subscription'] as const) {
      for (const field of roots[type]) {
        const sample = ACCOUNT_SAMPLES[field];
        if (!sample) continue;
        for (const transport of SERVED[type]) {
          clearCalls(gw);
          const { answer, text } = await TRANSPORTS[transport]!(gw, sample, otherAccount);
          const where = `${field} over ${transport} with a staging token`;
          const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
          expect(codes.length, `${where}: ${text}`).toBeGreaterThan(0);
          expect(new Set(codes), `${where}: ${text}`).toEqual(new Set(['FORBIDDEN']));
          expect(upstreamCallCount(gw), where).toBe(0);
          for (const leak of LEAKS) expect(text, where).not.toContain(leak);
          checked.push(where);
        }
      }
    }
    const subscriptions = roots.subscription.filter((f) => ACCOUNT_SAMPLES[f]).length;
    expect(checked.length).toBe(
      (Object.keys(ACCOUNT_SAMPLES).length - subscriptions) * SERVED.query.length +
        subscriptions * SERVED.subscription.length,
    );
  });

  it('lists for a reader: the same listJobs sample answers with cursors and sources', async () => {
    const { answer } = await post(gw, SAMPLES.listJobs!, gw.tokens.read);
    expect(answer.errors).toBeUndefined();
    const page = (answer.data as { listJobs: { edges: unknown[]; sources: unknown[] } }).listJobs;
    expect(page.edges.length).toBeGreaterThan(0);
    expect(page.sources.length).toBeGreaterThan(0);
  });
});
