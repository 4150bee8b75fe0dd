// An audit of what changed (issue 100, item 5): 1,000 cancels of finished jobs wrote 40,027 audit
// lines and 40,024 job_actions rows, refusals too. Two compiled gateways (live mode,
// bin/jobgraph.mjs) sharing one history store and one set of emulators take 300 cancels of
// finished Batch jobs and 300 cancels refused to a jobs:read token, spread over both: each answer
// is counted (jobgraph_job_actions_total), no write call reaches the provider, and the store holds
// one row per caller, job, action and outcome in a 10-minute window (two windows at most, should
// the test straddle a boundary), counting them; the log, one line per such row and process. A real
// cancel still writes its own row before its call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { kill, replicaEnv, writerAndReader } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';

const CANCEL = `mutation($id: ID!, $reason: String!) { cancelJob(id: $id, reason: $reason) { outcome } }`;
const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
const batchId = (name: keyof typeof BATCH_JOB_IDS) =>
  example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];
const FINISHED = [batchId('succeeded'), batchId('failed')];
/** A test straddling a window's boundary sees its rows in two windows. */
const WINDOWS = 2;

interface Taken {
  subject: string;
  outcome: string;
  count: number;
  at: string;
  lastAt: string;
}

interface Answer {
  data?: { cancelJob?: { outcome: string } | null } | null;
  errors?: { extensions?: { code?: string } }[];
}

async function cancel(replica: LiveProcess, token: string, id: string, reason: string) {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CANCEL, variables: { id, reason } }),
  });
  return (await res.json()) as Answer;
}

/** `n` requests made by `ask(i)`, ten at a time. */
async function many<T>(n: number, ask: (i: number) => Promise<T>): Promise<T[]> {
  const answers: T[] = [];
  for (let i = 0; i < n; i += 10)
    answers.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => ask(i + k)))),
    );
  return answers;
}

/** A series' value summed over the replicas' /metrics (0 where absent). */
async function metric(replicas: LiveProcess[], series: string): Promise<number> {
  let sum = 0;
  for (const replica of replicas) {
    const text = await (await fetch(new URL('/metrics', replica.url))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    sum += line ? Number(line.split(' ').at(-1)) : 0;
  }
  return sum;
}

/** The audit's log lines of `outcome`, over the replicas. */
const auditLines = (replicas: LiveProcess[], outcome: string) =>
  replicas
    .flatMap((r) => r.output.stdout.split('\n'))
    .filter((l) => l.includes('"audit":"job-action"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.outcome === outcome);

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Two gateways sharing a ${name}, asked actions that change nothing`, () => {
    let store: HistoryStoreConfig;
    let emulators: EmulatorSet;
    const tokens = { writer: '', reader: '' };
    const replicas: LiveProcess[] = [];
    beforeAll(async () => {
      store = await fresh();
      emulators = await startEmulators();
      Object.assign(tokens, await writerAndReader());
      const env = {
        ...replicaEnv(emulators, null, 500),
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_ACTIONS: 'cancel,terminate',
        // 300 requests of one caller are what the test is about, not the caller rate.
        JOBGRAPH_CALLER_RATE: 'off',
      };
      replicas.push(await startLiveProcess(env), await startLiveProcess(env));
    });
    afterAll(async () => {
      for (const r of replicas) await kill(r.child);
      await emulators?.close();
    });

    /** The rows of job_actions: subject, job, outcome, count. */
    const rows = async () => {
      const db = (await openHistoryDatabase(store))!;
      try {
        return await db.db
          .selectFrom('job_actions')
          .select(['subject', 'job_id', 'outcome', 'count'])
          .execute();
      } finally {
        await db.close();
      }
    };
    const counted = async (outcome: string) =>
      (await rows()).filter((r) => r.outcome === outcome).reduce((n, r) => n + r.count, 0);
    const writeCalls = () =>
      emulators.batch.calls.filter((c) => /^(CancelJob|TerminateJob)\b/.test(c.operation)).length;

    it('counts 300 cancels of finished jobs and 300 refused ones, in a few rows and log lines, with no write call', async () => {
      const finished = await many(300, (i) =>
        cancel(replicas[i % 2]!, tokens.writer, FINISHED[i % 2]!, `sweep ${i}`),
      );
      expect(finished.map((a) => a.data?.cancelJob?.outcome)).toEqual(
        Array(300).fill('ALREADY_FINISHED'),
      );
      const refused = await many(300, (i) =>
        cancel(replicas[i % 2]!, tokens.reader, FINISHED[0]!, `not mine ${i}`),
      );
      expect(refused.map((a) => a.errors?.[0]?.extensions?.code)).toEqual(
        Array(300).fill('FORBIDDEN'),
      );
      expect(writeCalls()).toBe(0);
      const labels = 'provider="AWS_BATCH",action="CANCEL"';
      for (const outcome of ['ALREADY_FINISHED', 'REFUSED'])
        expect(
          await metric(replicas, `jobgraph_job_actions_total{${labels},outcome="${outcome}"}`),
        ).toBe(300);

      // Every answer is in the rows' counts once the replicas' queues are written.
      await expect.poll(() => counted('ALREADY_FINISHED'), { timeout: 15_000 }).toBe(300);
      await expect.poll(() => counted('REFUSED'), { timeout: 15_000 }).toBe(300);
      const kept = await rows();
      const of = (outcome: string) => kept.filter((r) => r.outcome === outcome);
      expect(new Set(of('ALREADY_FINISHED').map((r) => r.job_id))).toEqual(new Set(FINISHED));
      expect(of('ALREADY_FINISHED').length).toBeLessThanOrEqual(FINISHED.length * WINDOWS);
      expect(of('ALREADY_FINISHED').every((r) => r.subject === 'oncall-ann')).toBe(true);
      expect(of('REFUSED').length).toBeLessThanOrEqual(WINDOWS);
      expect(of('REFUSED').every((r) => r.subject === 'reader-bob')).toBe(true);
      expect(kept).toHaveLength(of('ALREADY_FINISHED').length + of('REFUSED').length);
      // The graph's view of the audit: the coalesced rows, each with its count.
      const read = await fetch(replicas[1]!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reader}` },
        body: JSON.stringify({
          query: `query($id: ID!) { job(id: $id) { actionsTaken { subject outcome count at lastAt } } }`,
          variables: { id: FINISHED[0] },
        }),
      });
      const taken = ((await read.json()) as { data: { job: { actionsTaken: Taken[] } } }).data.job
        .actionsTaken;
      expect(taken.length).toBeLessThanOrEqual(2 * WINDOWS);
      const sum = (outcome: string) =>
        taken.filter((t) => t.outcome === outcome).reduce((n, t) => n + t.count, 0);
      expect([sum('ALREADY_FINISHED'), sum('REFUSED')]).toEqual([150, 300]);
      for (const t of taken) expect(t.lastAt >= t.at).toBe(true);
      // One log line per row and process, not one per request.
      const lines = replicas.length * WINDOWS;
      expect(auditLines(replicas, 'ALREADY_FINISHED').length).toBeLessThanOrEqual(
        FINISHED.length * lines,
      );
      expect(auditLines(replicas, 'REFUSED').length).toBeLessThanOrEqual(lines);
    });

    it('still writes a real cancel its own row, before its one call', async () => {
      const id = batchId('runnable');
      const out = await cancel(replicas[0]!, tokens.writer, id, 'not needed');
      expect(out.data?.cancelJob?.outcome).toBe('REQUESTED');
      expect(writeCalls()).toBe(1);
      const own = (await rows()).filter((r) => r.job_id === id);
      expect(own).toEqual([{ subject: 'oncall-ann', job_id: id, outcome: 'REQUESTED', count: 1 }]);
    });
  });
}
