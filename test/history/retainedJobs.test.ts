import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_DATA, DEMO_SECOND_AWS_ACCOUNT, MADE_UP_IDS } from '@jobgraph/emulators';
import { BATCH_DEMO_SECRET_VALUE } from '@jobgraph/emulators/batch/data';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import {
  clearCalls,
  freshCopies,
  gql,
  resetFaults,
  type GqlResult,
  type TestGateway,
} from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// Jobs retained (issue #72): what the job-state store learns is written to the history store,
// and a job its provider no longer knows is answered from it (`retained: true`, its transitions).
// The same tests on a real SQLite file and a real PostgreSQL server.

const FIELDS = `id state terminal providerStatus retained lastConfirmedAt
  transitions { from to providerStatus source }
  ... on BatchJob { jobName container { environment { name value } } }`;
const JOB = `query($id: ID!) { job(id: $id) { ${FIELDS} } }`;
const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { ${FIELDS} } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { ${FIELDS} } } }`;
const HISTORY = `query($filter: JobHistoryFilter, $first: Int, $after: String) {
  jobHistory(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id accountAlias state transitions { to source } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

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
const [, askJob] = ASK[0]!;

/** The Batch emulator forgets the job (its forget switch); whether it had it. */
const forget = (gw: TestGateway, id: string) =>
  gw.emulators.batch.jobs!.forget(id.slice(id.lastIndexOf(':') + 1));

/** Jobs answered from the history, by the gateway's own counter (jobgraph_retained_answers_total). */
async function retainedAnswers(gw: TestGateway): Promise<number> {
  const metric = gw.observability?.metrics?.registry.getSingleMetric(
    'jobgraph_retained_answers_total',
  );
  return ((await metric?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
}

/** DescribeJobs calls the Batch emulator logged since the last clearCalls. */
const describes = (gw: TestGateway) => gw.emulators.batch.calls.length;

/** What the writer queued is durable (its group commit, now rather than within the second). */
const flushed = (gw: TestGateway) => gw.history!.writer.flush();

/** Every text the store holds, read back raw: the SQLite file's bytes, or every PostgreSQL row. */
async function rawStore(store: HistoryStoreConfig): Promise<string> {
  if (store.kind === 'sqlite') {
    const dir = dirname(store.path);
    return readdirSync(dir)
      .map((f) => readFileSync(`${dir}/${f}`).toString('latin1'))
      .join('\n');
  }
  const db = (await openHistoryDatabase(store))!;
  try {
    const rows = await sql<{ t: string }>`
      SELECT j::text AS t FROM jobs j UNION ALL SELECT t::text FROM transitions t`.execute(db.db);
    return rows.rows.map((r) => r.t).join('\n');
  } finally {
    await db.close();
  }
}

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Jobs retained on a ${name}`, () => {
    let store: HistoryStoreConfig;
    beforeAll(async () => {
      store = await fresh();
    });
    const env = () => ({
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_JWT_SECRET: 'remembered-jobs-test-shared-jwt-secret-0123456789',
    });
    // Two replicas sharing the store, each with its own emulators standing for the same providers.
    const gw = useTestGateway(env);
    const other = useTestGateway(env);
    beforeEach(() => {
      for (const g of [gw, other]) {
        resetFaults(g);
        clearCalls(g);
      }
    });

    let forgotten: Promise<{ id: string; live: Record<string, any> }> | undefined;
    /**
     * The demo's succeeded Batch job, read once live (by the first test that asks) and written,
     * then forgotten by both replicas' emulators: DescribeJobs answers no job for it from then on.
     */
    async function forgottenJob(): Promise<{ id: string; live: Record<string, any> }> {
      forgotten ??= (async () => {
        const id = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
        const { job, errors } = await askJob(gw, id, gw.tokens.secrets);
        expect(errors).toEqual([]);
        expect(job).toMatchObject({ id, retained: false, lastConfirmedAt: null });
        await flushed(gw);
        expect(forget(gw, id) && forget(other, id)).toBe(true);
        return { id, live: job! };
      })();
      const job = await forgotten;
      clearCalls(gw);
      clearCalls(other);
      return job;
    }

    it('writes what a describe answer showed, and answers a job the provider still knows live', async () => {
      const [id] = freshCopies(gw, [DEMO_DATA.batch.EXAMPLE_GLOBAL_ID]) as [string];
      for (let read = 0; read < 2; read++) {
        const { job } = await askJob(gw, id, gw.tokens.secrets);
        expect(job).toMatchObject({
          id,
          state: 'SUCCEEDED',
          retained: false,
          lastConfirmedAt: null,
        });
        expect(JSON.stringify(job)).toContain(BATCH_DEMO_SECRET_VALUE);
        await flushed(gw);
      }
      expect(describes(gw)).toBe(2);
      // Read twice, one change: the second read told the store nothing new.
      const { job } = await askJob(gw, id, gw.tokens.read);
      expect(job!.transitions).toEqual([
        { from: null, to: 'SUCCEEDED', providerStatus: 'SUCCEEDED', source: 'READ' },
      ]);
      expect((await gw.history!.reader.retained(id, '*'))?.record).toMatchObject({ id });
    });

    it.each(ASK)(
      'answers the retained record through %s once DescribeJobs no longer knows the job, after asking it (live wins), secrets null',
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
        // The live answer was read before its change was written; the retained one has it.
        expect(job!.transitions).toEqual([
          { from: null, to: 'SUCCEEDED', providerStatus: 'SUCCEEDED', source: 'READ' },
        ]);
        expect(Date.parse(job!.lastConfirmedAt as string)).not.toBeNaN();
        expect(JSON.stringify(live)).toContain(BATCH_DEMO_SECRET_VALUE);
        expect(job!.container.environment).toEqual(
          live.container.environment.map((e: { name: string }) => ({ name: e.name, value: null })),
        );
      },
    );

    it("answers on the other replica, which never read the job, the first replica's retained job", async () => {
      const { id } = await forgottenJob();
      for (const [, ask] of ASK) {
        const { job, errors } = await ask(other, id, gw.tokens.secrets);
        expect(errors).toEqual([]);
        expect(job).toMatchObject({ id, state: 'SUCCEEDED', retained: true });
        expect(job!.transitions).toEqual([
          { from: null, to: 'SUCCEEDED', providerStatus: 'SUCCEEDED', source: 'READ' },
        ]);
      }
      expect(describes(other)).toBe(ASK.length); // it asked its provider every time: live wins
    });

    it.each(ASK)(
      'refuses the retained job through %s to a token of another account exactly as a made-up ID of that account, with no upstream call',
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

    it("gives a token of account B no row of account A from jobHistory, and B's own rows with their transitions", async () => {
      await forgottenJob();
      const alias = DEMO_SECOND_AWS_ACCOUNT.alias;
      const own = `batch@${alias}:us-east-1:${BATCH_SECOND_ACCOUNT_JOB_IDS.succeeded}`;
      const read = await gql(gw, `query($id: ID!) { job(id: $id) { id state } }`, {
        token: gw.tokens.secondAccount,
        variables: { id: own },
      });
      expect(read.body.errors).toBeUndefined();
      await flushed(gw);
      const asB = await gql(gw, HISTORY, { token: gw.tokens.secondAccount, variables: {} });
      expect(asB.body.errors).toBeUndefined();
      const rows = asB.body.data!.jobHistory.edges.map((e: any) => e.node);
      expect(rows.map((r: any) => r.id)).toContain(own);
      expect(new Set(rows.map((r: any) => r.accountAlias))).toEqual(new Set([alias]));
      expect(rows.find((r: any) => r.id === own).transitions).toEqual([
        { to: 'SUCCEEDED', source: 'READ' },
      ]);
      // Asking for account A by name is refused, as listJobs refuses it.
      const named = await gql(gw, HISTORY, {
        token: gw.tokens.secondAccount,
        variables: { filter: { accounts: ['default'] } },
      });
      expect(named.body.errors?.map((e: any) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      // A token of every account sees both.
      const all = await gql(gw, HISTORY, { token: gw.tokens.read, variables: {} });
      const aliases = all.body.data!.jobHistory.edges.map((e: any) => e.node.accountAlias);
      expect(new Set(aliases)).toEqual(new Set(['default', alias]));
    });

    it('pages jobHistory with a filter, newest first, with sealed cursors that a forged one does not pass', async () => {
      const copies = freshCopies(gw, [
        DEMO_DATA.batch.EXAMPLE_GLOBAL_ID,
        DEMO_DATA.batch.EXAMPLE_GLOBAL_ID,
        DEMO_DATA.batch.EXAMPLE_GLOBAL_ID,
      ]);
      for (const id of copies) expect((await askJob(gw, id, gw.tokens.secrets)).errors).toEqual([]);
      await flushed(gw);
      const seen: string[] = [];
      let after: string | null = null;
      const filter = { providers: ['AWS_BATCH'], states: ['SUCCEEDED'], accounts: ['default'] };
      for (let page = 0; page < 10; page++) {
        const res: GqlResult = await gql(gw, HISTORY, {
          token: gw.tokens.read,
          variables: { filter, first: 2, after },
        });
        expect(res.body.errors).toBeUndefined();
        const connection = res.body.data!.jobHistory as Record<string, any>;
        seen.push(...connection.edges.map((e: any) => e.node.id));
        for (const e of connection.edges) expect(e.node.state).toBe('SUCCEEDED');
        after = connection.pageInfo.endCursor;
        if (!connection.pageInfo.hasNextPage) break;
      }
      for (const id of copies) expect(seen).toContain(id);
      expect(new Set(seen).size).toBe(seen.length);
      const forged = Buffer.from(JSON.stringify(['9999', 'batch:x'])).toString('base64url');
      const refused = await gql(gw, HISTORY, {
        token: gw.tokens.read,
        variables: { after: forged },
      });
      expect(refused.body.errors?.map((e: any) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    });

    it.each(TRANSPORTS)(
      'answers a watch (jobUpdates over %s) of a job the provider forgot with its retained record, then completes',
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
      },
    );

    it('keeps no secret value in the store, read back raw (Batch environment values, CodePipeline artifact credentials)', async () => {
      await forgottenJob();
      const pipeline = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;
      const read = await gql(
        gw,
        `query($id: ID!) { job(id: $id) { id transitions { to source } ... on CodePipelineJob { artifactCredentials { secretAccessKey sessionToken } } } }`,
        { token: gw.tokens.secrets, variables: { id: pipeline } },
      );
      expect(read.body.errors).toBeUndefined();
      const credentials = read.body.data!.job.artifactCredentials;
      expect(credentials.secretAccessKey).toMatch(/SECRET/);
      await flushed(gw);
      const raw = await rawStore(store);
      expect(raw).toContain(pipeline); // the CodePipeline job (no status) is written
      for (const secret of [
        BATCH_DEMO_SECRET_VALUE,
        credentials.secretAccessKey,
        credentials.sessionToken,
      ])
        expect(raw).not.toContain(secret);
    });

    it('reads the store once for the NOT_FOUND answers of one DescribeJobs batch', async () => {
      const ids = freshCopies(gw, Array(40).fill(DEMO_DATA.batch.EXAMPLE_GLOBAL_ID));
      const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { id retained } }`;
      const live = await gql(gw, JOBS, { variables: { ids }, token: gw.tokens.read });
      expect(live.body.errors).toBeUndefined();
      await flushed(gw);
      resetFaults(gw); // the copies are gone: DescribeJobs knows none of them now
      clearCalls(gw);
      const reads = vi.spyOn(gw.history!.reader, 'retainedMany');
      try {
        const kept = await gql(gw, JOBS, { variables: { ids }, token: gw.tokens.read });
        expect(kept.body.errors).toBeUndefined();
        const jobs = kept.body.data!.jobs as Record<string, unknown>[];
        expect(jobs.map((j) => [j.id, j.retained])).toEqual(ids.map((id) => [id, true]));
        expect(describes(gw)).toBe(1);
        expect(reads).toHaveBeenCalledTimes(1);
        expect([...reads.mock.calls[0]![0]].sort()).toEqual([...ids].sort());
      } finally {
        reads.mockRestore();
      }
    });

    it('writes the rows a listJobs page served as LIST changes, and a later read of the same state as no change', async () => {
      const LIST = `query { listJobs(first: 5, filter: { providers: [AWS_BATCH] }) { edges { node { id state } } } }`;
      const listed = await gql(gw, LIST, { token: gw.tokens.read });
      expect(listed.body.errors).toBeUndefined();
      const nodes = (
        listed.body.data!.listJobs as { edges: { node: { id: string; state: string } }[] }
      ).edges
        .map((e) => e.node)
        .filter((n) => n.id !== DEMO_DATA.batch.EXAMPLE_GLOBAL_ID);
      expect(nodes.length).toBeGreaterThan(0);
      await flushed(gw);
      const TRANSITIONS = `query($ids: [ID!]!) { jobs(ids: $ids) { id state transitions { from to source } } }`;
      const read = async () => {
        const r = await gql(gw, TRANSITIONS, {
          variables: { ids: nodes.map((n) => n.id) },
          token: gw.tokens.read,
        });
        expect(r.body.errors).toBeUndefined();
        return r.body.data!.jobs as { id: string; state: string; transitions: unknown[] }[];
      };
      // Read live (the same state the row showed): its record written, no second transition.
      const live = await read();
      await flushed(gw);
      const after = await read();
      for (const [i, node] of nodes.entries()) {
        expect(live[i]!.state).toBe(node.state);
        expect(after[i]!.transitions).toEqual([{ from: null, to: node.state, source: 'LIST' }]);
      }
      // Found by jobHistory, its stored record now the whole one the read gave.
      const found = await gql(gw, HISTORY, {
        variables: { filter: { providers: ['AWS_BATCH'] }, first: 100 },
        token: gw.tokens.read,
      });
      const ids = (found.body.data!.jobHistory as { edges: { node: { id: string } }[] }).edges.map(
        (e) => e.node.id,
      );
      for (const node of nodes) expect(ids).toContain(node.id);
      // A container job's (the page may open with a service job, which has no definition).
      const container = nodes.find((n) => n.id.startsWith('batch:'));
      const stored = await gw.history!.reader.retained(container!.id, '*');
      expect(stored?.record).toHaveProperty('jobDefinition');
    });

    it('answers NOT_FOUND for a job it never saw', async () => {
      const madeUp = `batch:us-east-1:${MADE_UP_IDS.batch.id(3, 2)}`;
      const { job, errors } = await askJob(gw, madeUp, gw.tokens.secrets);
      expect(job).toBeNull();
      expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    });
  });
}
