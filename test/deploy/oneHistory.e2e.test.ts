// The kit's shape (deploy/compose.yaml, deploy/kubernetes), its exact processes and configuration
// where no container runtime is at hand (issue 89, item 1): three jobgraph replicas (live mode, the
// compiled CLI) sharing one Redis and one PostgreSQL history, behind the kit's nginx, found by the
// names compose gives them. One history: a job terminated through one replica has the same
// transitions and actionsTaken on the other two, and a jobHistory page continues on any of them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { storeManyJobs } from '../support/manyJobs.ts';
import { freePort } from '../support/rawHttp.ts';
import { realPart } from '../support/realParts.ts';
import { TestDns } from './support/dns.ts';
import { shippedReplicaNames, startNginx, type NginxProcess } from './support/nginx.ts';
import { startRedis, type RedisProcess } from './support/redis.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';
import { failedBatchInput } from '../notifications/notifyingGateway.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';

const JWT_SECRET = randomBytes(32).toString('base64url');
const CURSOR_SECRET = randomBytes(32).toString('base64url');
const NAMES = shippedReplicaNames();
const NOTIFY_SECRET = randomBytes(32).toString('base64url');
const address = (n: number) => `127.0.0.${21 + n}`;
const postgres = historyStores().find((s) => s.name === 'PostgreSQL server')!;
const skip = realPart('nginx').skip || realPart('redis-server').skip || postgres.skip;

const JOB = `query($id: ID!) { job(id: $id) {
  state
  transitions { at from to providerStatus source }
  actionsTaken { at action subject reason outcome }
} }`;
const PAGE = `query($after: String) {
  jobHistory(first: 3, after: $after) { edges { node { id } } pageInfo { endCursor hasNextPage } }
}`;

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe.skipIf(skip)(
  'Three replicas on one PostgreSQL and one Redis, behind the kit’s nginx',
  () => {
    let emulators: EmulatorSet;
    let dns: TestDns;
    let redis: RedisProcess;
    let nginx: NginxProcess;
    const replicas: LiveProcess[] = [];
    let reader: string;
    let writer: string;
    let notifier: string;
    let receiver: Receiver;
    let store: HistoryStoreConfig;

    const ask = async (url: string, query: string, variables: unknown, token = reader) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Body;
    };
    /** Resolves once every replica reads job `id` in `state`. */
    const everyReplicaReads = (id: string, state: string) =>
      vi.waitFor(async () => {
        for (const p of replicas) {
          const b = await ask(p.url, JOB, { id });
          expect((b.data?.job as { state: string }).state).toBe(state);
        }
      }, EVENTUALLY);

    beforeAll(async () => {
      store = await postgres.fresh();
      // Jobs the history holds before any replica starts: pages to walk.
      await storeManyJobs(store, 9, 1000, 3);
      emulators = await startEmulators();
      dns = await TestDns.start();
      redis = await startRedis();
      receiver = await startReceiver();
      const replicaPort = await freePort();
      // nginx first: its address is the replicas' public URL (it finds them by name per request).
      NAMES.replicas.forEach((name, i) => dns.set(name, [address(i)]));
      dns.set(
        NAMES.pool,
        NAMES.replicas.map((_, i) => address(i)),
      );
      nginx = await startNginx({ resolver: `127.0.0.1:${dns.port}`, replicaPort });
      // What every replica of the kit reads: the same keys, Redis and history (compose's x-jobgraph-env).
      const env = {
        ...emulatorEnvironment(emulators),
        PORT: String(replicaPort),
        JOBGRAPH_JWT_SECRET: JWT_SECRET,
        JOBGRAPH_CURSOR_SECRET: CURSOR_SECRET,
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_ACTIONS: 'cancel,terminate',
        // What the kit turns on (issue 106): the shared sealing key, the public URL, one target.
        JOBGRAPH_NOTIFY_SECRET: NOTIFY_SECRET,
        JOBGRAPH_PUBLIC_URL: `http://127.0.0.1:${nginx.port}`,
        JOBGRAPH_NOTIFY_ALLOW_HOSTS: new URL(receiver.url).host,
        JOBGRAPH_EVENT_QUEUES: '',
        JOBGRAPH_SHUTDOWN_GRACE_MS: '3000',
      };
      replicas.push(
        ...(await Promise.all(
          NAMES.replicas.map((_, i) => startLiveProcess({ ...env, HOST: address(i) })),
        )),
      );
      reader = await mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'] });
      writer = await mintToken({
        secret: JWT_SECRET,
        scopes: ['jobs:read', 'jobs:write'],
        subject: 'oncall-ann',
      });
      notifier = await mintToken({
        secret: JWT_SECRET,
        scopes: ['jobs:read', 'notifications:write'],
        accounts: ['*'],
        subject: 'oncall-bo',
      });
    });

    afterAll(async () => {
      await nginx?.stop();
      await Promise.all(
        replicas.map(async (p) => {
          p.child.kill('SIGTERM');
          await p.exited;
        }),
      );
      await redis?.stop();
      await receiver?.close();
      await dns?.close();
      await emulators?.close();
    });

    it('shows a job terminated through nginx with the same transitions and audit on every replica', async () => {
      const id = `batch:us-east-1:${BATCH_JOB_IDS.running}`;
      const before = await Promise.all(replicas.map((p) => ask(p.url, JOB, { id })));
      for (const b of before) expect((b.data?.job as { state: string }).state).toBe('IN_PROGRESS');
      const done = await ask(
        `http://127.0.0.1:${nginx.port}/graphql`,
        `mutation($id: ID!) { terminateJob(id: $id, reason: "runaway cost") { outcome } }`,
        { id },
        writer,
      );
      expect(done.data?.terminateJob).toEqual({ outcome: 'REQUESTED' });
      expect(emulators.batch.calls.filter((c) => /^TerminateJob\b/.test(c.operation))).toHaveLength(
        1,
      );
      // Each replica reads the job again until it has seen it end; then all three say the same.
      const views = await vi.waitFor(async () => {
        const seen = await Promise.all(replicas.map((p) => ask(p.url, JOB, { id })));
        const jobs = seen.map((s) => s.data?.job as { state: string; transitions: unknown[] });
        for (const j of jobs) expect(j.state).not.toBe('IN_PROGRESS');
        for (const j of jobs.slice(1)) expect(j).toEqual(jobs[0]);
        return jobs as unknown as {
          transitions: { from: string | null; to: string }[];
          actionsTaken: unknown[];
        }[];
      }, EVENTUALLY);
      expect(views[0]!.actionsTaken).toEqual([
        {
          at: expect.any(String),
          action: 'TERMINATE',
          subject: 'oncall-ann',
          reason: 'runaway cost',
          outcome: 'REQUESTED',
        },
      ]);
      // The move to FAILED once, though three replicas saw it.
      expect(views[0]!.transitions.map((t) => [t.from, t.to])).toEqual([
        [null, 'IN_PROGRESS'],
        ['IN_PROGRESS', 'FAILED'],
      ]);
    });

    it('delivers a failure the three replicas all read once, its link opening the console through nginx', async () => {
      const through = `http://127.0.0.1:${nginx.port}/graphql`;
      const made = await ask(
        through,
        `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { secret rule { id } } }`,
        { input: failedBatchInput(receiver.url, 'WEBHOOK', 'failures') },
        notifier,
      );
      expect(made.errors).toBeUndefined();
      const rule = made.data?.createNotificationRule as { secret: string; rule: { id: string } };
      receiver.secret = rule.secret;
      const job = BATCH_JOB_IDS.starting;
      const id = `batch:us-east-1:${job}`;
      emulators.batch.jobs!.changeState(job, 'RUNNING');
      // Every replica reads it running, then failed: each sees the transition.
      await everyReplicaReads(id, 'IN_PROGRESS');
      emulators.batch.jobs!.changeState(job, 'FAILED');
      await everyReplicaReads(id, 'FAILED');
      // One delivery, made once whichever replicas saw it, delivered and verified.
      const db = (await openHistoryDatabase(store))!;
      try {
        await vi.waitFor(async () => {
          const rows = await db.db
            .selectFrom('notification_deliveries')
            .select(['id', 'status'])
            .where('rule_id', '=', rule.rule.id)
            .execute();
          expect(rows.map((r) => r.status)).toEqual(['DELIVERED']);
        }, EVENTUALLY);
      } finally {
        await db.close();
      }
      const got = receiver.received.filter((r) => r.body.includes(job));
      expect(got).toHaveLength(1);
      expect(got[0]!.verified).toBe(true);
      const link = (JSON.parse(got[0]!.body) as { data: { consoleUrl: string } }).data.consoleUrl;
      expect(link).toBe(`http://127.0.0.1:${nginx.port}/console/jobs/${encodeURIComponent(id)}`);
      const page = await fetch(link, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
    });

    it('continues a jobHistory page of one replica on each other, page by page', async () => {
      const [first, second, third] = replicas.map((p) => p.url) as [string, string, string];
      const ids = (b: Body) =>
        (b.data?.jobHistory as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id);
      const cursor = (b: Body) =>
        (b.data?.jobHistory as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
      const one = await ask(first, PAGE, { after: null });
      const twoThere = await ask(second, PAGE, { after: cursor(one) });
      const twoHere = await ask(first, PAGE, { after: cursor(one) });
      expect(twoThere.errors).toBeUndefined();
      expect(ids(twoThere)).toEqual(ids(twoHere));
      expect(ids(twoThere)).toHaveLength(3);
      const threeThere = await ask(third, PAGE, { after: cursor(twoThere) });
      expect(ids(threeThere)).toEqual(ids(await ask(first, PAGE, { after: cursor(twoHere) })));
      expect(new Set([...ids(one), ...ids(twoThere), ...ids(threeThere)]).size).toBe(9);
    });
  },
);
