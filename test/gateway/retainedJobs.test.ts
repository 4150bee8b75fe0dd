import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_DATA, MADE_UP_IDS } from '../../src/emulators/index.ts';
import { BATCH_DEMO_SECRET_VALUE } from '../../src/emulators/batch/data.ts';
import {
  clearCalls,
  freshCopies,
  gql,
  resetFaults,
  type GqlResult,
  type TestGateway,
} from '../support/gateway.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { payloadOf, TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { RETAINED_PREFIX } from '../../src/cache/retainedJobs.ts';

const FIELDS = `id state terminal providerStatus retained lastConfirmedAt
  ... on BatchJob { jobName container { environment { name value } } }`;
const JOB = `query($id: ID!) { job(id: $id) { ${FIELDS} } }`;
const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { ${FIELDS} } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { ${FIELDS} } } }`;

/** The three ways in, each answering one job. */
const ASK: readonly [string, (gw: TestGateway, id: string, token: string) => Promise<Answer>][] = [
  ['job', async (gw, id, token) => one(await gql(gw, JOB, { variables: { id }, token }), 'job')],
  [
    'jobs',
    async (gw, id, token) => one(await gql(gw, JOBS, { variables: { ids: [id] }, token }), 'jobs'),
  ],
  [
    '_entities',
    async (gw, id, token) =>
      one(
        await gql(gw, ENTITIES, { variables: { r: [{ __typename: 'BatchJob', id }] }, token }),
        '_entities',
      ),
  ],
];

interface Answer {
  job: Record<string, any> | null;
  errors: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The one job of an answer (`job`, `jobs[0]`, `_entities[0]`) and its errors. */
function one(result: GqlResult, field: string): Answer {
  expect(result.status).toBe(200);
  const value = result.body.data?.[field];
  return {
    job: (Array.isArray(value) ? value[0] : value) as Record<string, any> | null,
    errors: result.body.errors ?? [],
  };
}

/** The Batch emulator forgets the job (its forget switch); whether it had it. */
const forget = (gw: TestGateway, id: string) =>
  gw.emulators.batch.jobs!.forget(id.slice(id.lastIndexOf(':') + 1));

/** Jobs answered with their kept record, by the gateway's own counter (jobgraph_retained_answers_total). */
async function retainedAnswers(gw: TestGateway): Promise<number> {
  const metric = gw.observability?.metrics?.registry.getSingleMetric(
    'jobgraph_retained_answers_total',
  );
  return ((await metric?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
}

/** DescribeJobs calls the Batch emulator logged since the last clearCalls. */
const describes = (gw: TestGateway) => gw.emulators.batch.calls.length;

describe('A finished job kept after its provider forgets it (Job.retained)', () => {
  const gw = useTestGateway();
  beforeEach(() => {
    resetFaults(gw);
    clearCalls(gw);
  });

  let forgotten: Promise<{ id: string; live: Record<string, any> }> | undefined;
  /**
   * The demo's succeeded Batch job, read once live (by the first test that asks), then forgotten
   * by the emulator (its forget switch): DescribeJobs answers no job for it from then on.
   */
  async function forgottenJob(): Promise<{ id: string; live: Record<string, any> }> {
    forgotten ??= (async () => {
      const id = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
      const { job, errors } = await ASK[0]![1](gw, id, gw.tokens.secrets);
      expect(errors).toEqual([]);
      expect(job).toMatchObject({ id, retained: false });
      expect(forget(gw, id)).toBe(true);
      return { id, live: job! };
    })();
    const job = await forgotten;
    clearCalls(gw);
    return job;
  }

  it('answers a job the provider still knows live (not retained, no lastConfirmedAt), though it keeps it', async () => {
    const [id] = freshCopies(gw, [DEMO_DATA.batch.EXAMPLE_GLOBAL_ID]) as [string];
    for (let read = 0; read < 2; read++) {
      const { job } = await ASK[0]![1](gw, id, gw.tokens.secrets);
      expect(job).toMatchObject({ id, state: 'SUCCEEDED', retained: false, lastConfirmedAt: null });
      expect(JSON.stringify(job)).toContain(BATCH_DEMO_SECRET_VALUE);
      expect(await gw.retained!.recall(id)).toMatchObject({ id, retained: true });
    }
    expect(describes(gw)).toBe(2);
  });

  it.each(ASK)(
    'answers the kept record through %s once DescribeJobs no longer knows the job, after asking it (live wins), secrets null without an error',
    async (_field, ask) => {
      const { id, live } = await forgottenJob();
      const counted = await retainedAnswers(gw);
      const { job, errors } = await ask(gw, id, gw.tokens.secrets);
      expect(errors).toEqual([]);
      expect(describes(gw)).toBe(1);
      expect((await retainedAnswers(gw)) - counted).toBe(1);
      expect(job).toMatchObject({
        id,
        state: live.state,
        terminal: true,
        providerStatus: live.providerStatus,
        jobName: live.jobName,
        retained: true,
      });
      expect(Date.parse(job!.lastConfirmedAt as string)).not.toBeNaN();
      // The live answer held the environment's values; the kept record holds none of them.
      expect(JSON.stringify(live)).toContain(BATCH_DEMO_SECRET_VALUE);
      expect(job!.container.environment).toEqual(
        live.container.environment.map((e: { name: string }) => ({ name: e.name, value: null })),
      );
    },
  );

  it('refuses a secret field of a kept record to a reader without jobs:secrets:read exactly as a live one', async () => {
    const { id } = await forgottenJob();
    const { job, errors } = await ASK[0]![1](gw, id, gw.tokens.read);
    expect(job).toMatchObject({ id, retained: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => e.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
  });

  it.each(ASK)(
    'refuses the kept record through %s to a token of another account exactly as a made-up ID of that account, with no upstream call',
    async (_field, ask) => {
      const { id } = await forgottenJob();
      const madeUp = `batch:us-east-1:${MADE_UP_IDS.batch.id(3, 1)}`;
      const kept = await ask(gw, id, gw.tokens.secondAccount);
      const made = await ask(gw, madeUp, gw.tokens.secondAccount);
      expect(kept.job).toBeNull();
      expect(kept.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(kept.errors.map(({ message, extensions }) => ({ message, extensions }))).toEqual(
        made.errors.map(({ message, extensions }) => ({ message, extensions })),
      );
      expect(describes(gw)).toBe(0);
    },
  );

  it.each(TRANSPORTS)(
    'answers a watch (jobUpdates over %s) of a job the provider forgot with its kept record, then completes',
    async (transport) => {
      const { id } = await forgottenJob();
      const watch = subscribe(
        gw.server.url,
        transport,
        `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state terminal retained lastConfirmedAt } }`,
        { token: gw.tokens.read, variables: { ids: [id] } },
      );
      const events = await watch.rest();
      expect(events.map((e) => e.errors ?? [])).toEqual([[]]);
      expect(events[0]!.data!.jobUpdates).toMatchObject({ id, terminal: true, retained: true });
      expect(events[0]!.data!.jobUpdates.lastConfirmedAt).toBeTypeOf('string');
    },
  );

  it('keeps no secret value in the kept record', async () => {
    const { id } = await forgottenJob();
    const kept = await gw.retained!.recall(id);
    expect(kept).toMatchObject({ id, retained: true });
    expect(JSON.stringify(kept)).not.toContain(BATCH_DEMO_SECRET_VALUE);
  });

  it('answers NOT_FOUND for a job it never saw finished', async () => {
    const madeUp = `batch:us-east-1:${MADE_UP_IDS.batch.id(3, 2)}`;
    const { job, errors } = await ASK[0]![1](gw, madeUp, gw.tokens.secrets);
    expect(job).toBeNull();
    expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });
});

describe.skipIf(realPart('redis-server').skip)(
  'A finished job kept in Redis, answered by another replica (a real redis-server)',
  () => {
    const redis = useRedis();
    const env = () => ({
      JOBGRAPH_CACHE_URL: redis.url,
      JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      JOBGRAPH_JWT_SECRET: 'retained-jobs-test-shared-jwt-secret-0123456789',
    });
    const a = useTestGateway(env);
    const b = useTestGateway(env);

    /** The value Redis holds for `id`'s kept record, once a replica wrote it (in the background). */
    const keptValue = (id: string) =>
      vi.waitFor(
        async () => {
          const value = await redis.client.get(RETAINED_PREFIX + id);
          expect(value).toBeTypeOf('string');
          return value!;
        },
        { timeout: 10_000, interval: 20 },
      );

    it('answers on replica B, which never read the job before its provider forgot it, the record replica A kept; Redis holds no secret value', async () => {
      const id = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
      const live = await ASK[0]![1](a, id, a.tokens.secrets);
      expect(live.job).toMatchObject({ id, retained: false });
      const raw = await keptValue(id);
      expect(raw).not.toContain(BATCH_DEMO_SECRET_VALUE);
      // Each replica's emulator stands for the same Batch: it forgets the job for both.
      expect(forget(a, id) && forget(b, id)).toBe(true);
      clearCalls(b);
      for (const [, ask] of ASK) {
        const { job, errors } = await ask(b, id, a.tokens.secrets);
        expect(errors).toEqual([]);
        expect(job).toMatchObject({ id, state: 'SUCCEEDED', retained: true });
        expect(job!.lastConfirmedAt).toBeTypeOf('string');
      }
      expect(describes(b)).toBe(ASK.length); // B asked its provider every time: live wins
      const refused = await ASK[0]![1](b, id, b.tokens.secondAccount);
      expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await ASK[0]![1](a, id, a.tokens.secrets)).toMatchObject({
        job: { id, retained: true },
        errors: [],
      });
    });

    it('answers NOT_FOUND, not a kept record, for a value planted under the kept key: unsealed, or sealed for another job', async () => {
      // A genuine kept value: a fresh copy of the demo's succeeded job, read once on A.
      const [id] = freshCopies(a, [DEMO_DATA.batch.EXAMPLE_GLOBAL_ID]) as [string];
      await ASK[0]![1](a, id, a.tokens.secrets);
      resetFaults(a);
      const genuine = await keptValue(id);
      const other = `batch:us-east-1:${MADE_UP_IDS.batch.id(3, 3)}`;
      for (const value of [payloadOf(genuine).split(id).join(other), genuine]) {
        await redis.client.set(RETAINED_PREFIX + other, value);
        const { job, errors } = await ASK[0]![1](b, other, a.tokens.secrets);
        expect(job).toBeNull();
        expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      }
    });
  },
);
