import { describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import type { EmulatorRequest } from '@jobgraph/emulators/framework';
import { kill } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import {
  batchIdOf,
  gqlAt,
  readHistory,
  useNotifyingReplicas,
  type NotifyingReplicas,
} from './notifyingReplicas.ts';

// An event's confirming read (src/notifications/notifier.ts) and a SIGKILL, through compiled
// gateways (live mode, events on: the emulators' Batch publishes to their SQS) and a receiver that
// verifies with the `standardwebhooks` package: the job's FAILED event is applied and its
// transition written to the history, the confirming DescribeJobs is held at the emulator (the
// window made observable), the gateway is killed there; what it left awaiting confirmation in the
// outbox, written with the transition, is confirmed by the next process (one DescribeJobs) and
// delivered once.

const JOB = BATCH_JOB_IDS.running;
const ID = batchIdOf(JOB);
const READ = `query($id: ID!) { job(id: $id) { state } }`;

/** Resolves at the first DescribeJobs naming the job (held: `hold` is on). */
function describing(set: NotifyingReplicas): Promise<void> {
  const { events } = set.emulators.batch;
  return new Promise((resolve) => {
    const seen = (req: EmulatorRequest) => {
      if (!req.path.endsWith('/describejobs') || !req.body.includes(JOB)) return;
      events.off('request', seen);
      resolve();
    };
    events.on('request', seen);
  });
}

/** DescribeJobs naming the job answered so far. */
const describes = (set: NotifyingReplicas) =>
  set.emulators.batch.calls.filter(
    (c) => c.operation.startsWith('DescribeJobs') && (c.job ?? '').includes(JOB),
  ).length;

/** The outbox rows of the job, and whether the history holds the event's transition to FAILED. */
const stored = (set: NotifyingReplicas) =>
  readHistory(set, async (db) => {
    const rows = await db
      .selectFrom('notification_deliveries')
      .select(['id', 'status'])
      .where('job_id', '=', ID)
      .execute();
    const event = await db
      .selectFrom('transitions as t')
      .innerJoin('jobs as j', 'j.seq', 't.job_seq')
      .select('t.to_state')
      .where('j.id', '=', ID)
      .where('t.source', '=', 'EVENT')
      .where('t.to_state', '=', 'FAILED')
      .executeTakeFirst();
    return { rows, transition: event !== undefined };
  });

const deliveriesOfJob = (set: NotifyingReplicas) =>
  set.receiver.received.filter(
    (r) => (JSON.parse(r.body) as { data: { job: { id: string } | null } }).data.job?.id === ID,
  );

/** The job read IN_PROGRESS, then failed by an event whose confirming read is held: `first` killed there. */
async function killedWhileConfirming(set: NotifyingReplicas): Promise<void> {
  const first = await set.start({ events: true });
  await set.failedRule(first);
  expect((await gqlAt(first, set.token, READ, { id: ID })).data?.job?.state).toBe('IN_PROGRESS');
  set.emulators.batch.setFaults({ hold: true });
  const held = describing(set);
  set.emulators.batch.jobs!.changeState(JOB, 'FAILED', {
    statusReason: 'Essential container exited',
  });
  await held;
  // The event's transition is in the history (the writer's batch committed) before the kill.
  await vi.waitFor(async () => expect((await stored(set)).transition).toBe(true), {
    timeout: 30_000,
    interval: 100,
  });
  await kill(first.child);
  expect(first.child.signalCode).toBe('SIGKILL');
  set.emulators.batch.setFaults({ hold: false });
  await set.emulators.batch.settled();
  expect(deliveriesOfJob(set)).toEqual([]);
}

/** The job's one delivery, verified, and the outbox's one row for it, DELIVERED. */
async function deliveredOnce(set: NotifyingReplicas): Promise<void> {
  await vi.waitFor(() => expect(deliveriesOfJob(set).length).toBeGreaterThan(0), {
    timeout: 120_000,
    interval: 200,
  });
  const [got] = deliveriesOfJob(set);
  expect(got!.verified).toBe(true);
  expect(JSON.parse(got!.body)).toMatchObject({
    type: 'job.failed',
    data: { job: { id: ID, state: 'FAILED' } },
  });
  await vi.waitFor(
    async () =>
      expect((await stored(set)).rows).toEqual([
        { id: got!.headers['webhook-id'], status: 'DELIVERED' },
      ]),
    { timeout: 30_000, interval: 200 },
  );
  expect(deliveriesOfJob(set)).toHaveLength(1);
}

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(
    `An event's notification across a SIGKILL in its confirming window on a ${name}`,
    () => {
      const set = useNotifyingReplicas(fresh);

      it('is confirmed by the restarted gateway and delivered once', async () => {
        await killedWhileConfirming(set);
        const before = describes(set);
        await set.start();
        await deliveredOnce(set);
        // One confirming read made by the new process.
        expect(describes(set) - before).toBe(1);
      }, 240_000);
    },
  );
}

const postgres = historyStores()[1]!;

describe.skipIf(postgres.skip)(
  'Two replicas on one PostgreSQL, the event’s one killed while confirming',
  () => {
    const set = useNotifyingReplicas(() => postgres.fresh());

    it('the other confirms it once and it is delivered once', async () => {
      // The replica that stays, running before and after the kill (no event queue of its own).
      const other = await set.start();
      await killedWhileConfirming(set);
      const before = describes(set);
      await deliveredOnce(set);
      expect(describes(set) - before).toBe(1);
      expect(other.child.exitCode).toBeNull();
    }, 240_000);
  },
);
