// Rerunning a failed AWS Batch job (issue 101, item 2): through compiled gateways in live mode
// (bin/jobgraph.mjs) on the emulators, two replicas sharing one history store. One rerunJob makes
// one SubmitJob at the emulator, its job described by @aws-sdk/client-batch with the definition,
// queue, parameters and container of the job rerun; the same request again with its
// Idempotency-Key, on the same replica or the other, answers that job with no second SubmitJob;
// a jobs:read token is FORBIDDEN with no call; rerunJobs' dry run submits nothing.
import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { kill, writerAndReader } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import { askReplica, useLiveReplicas } from '../support/liveReplicas.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { demoSdkConfig, useSdkClients } from '../support/sdkClients.ts';

const RESULT = `id action outcome message providerCode job { id state } rerun { id state ... on BatchJob { jobDefinition jobQueue } }`;
const RERUN = `mutation($id: ID!, $reason: String!) { rerunJob(id: $id, reason: $reason) { ${RESULT} } }`;
const RERUN_MANY = `mutation($ids: [ID!]!, $reason: String!) { rerunJobs(ids: $ids, reason: $reason) { id action outcome message job { id failure { category retryable } } rerun { id } } }`;
const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
const batchId = (name: keyof typeof BATCH_JOB_IDS) =>
  example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];

interface Result {
  id: string;
  action: string;
  outcome: string;
  message: string;
  providerCode: string | null;
  job: { id: string; state: string; failure?: { category: string; retryable: boolean } } | null;
  rerun: { id: string; state: string; jobDefinition?: string; jobQueue?: string } | null;
}
interface Answer {
  data?: { rerunJob?: Result | null; rerunJobs?: Result[] | null } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const ask = (
  replica: LiveProcess,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  key?: string,
) => askReplica<Answer>(replica, token, query, variables, key);

const keep = useSdkClients();

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`rerunJob through two gateways sharing a ${name}`, () => {
    const live = useLiveReplicas(fresh, { JOBGRAPH_ACTIONS: 'cancel,terminate,rerun' });
    const { replicas } = live;
    const tokens = { writer: '', reader: '' };
    beforeAll(async () => {
      Object.assign(tokens, await writerAndReader());
    });

    const submits = () =>
      live.emulators.batch.calls.filter((c) => c.operation.startsWith('SubmitJob'));
    const writes = () =>
      live.emulators.batch.calls.filter((c) =>
        /^(SubmitJob|CancelJob|TerminateJob)/.test(c.operation),
      );

    it('refuses a jobs:read token FORBIDDEN, with no call', async () => {
      const answer = await ask(replicas[0]!, tokens.reader, RERUN, {
        id: batchId('failed'),
        reason: 'the fix is deployed',
      });
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(writes()).toEqual([]);
    });

    it('answers NOT_SUPPORTED for a provider with no rerun, with no call', async () => {
      const id = DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID;
      const before = live.emulators.panorama.calls.length;
      const answer = await ask(replicas[0]!, tokens.writer, RERUN, { id, reason: 'again' });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.rerunJob).toMatchObject({
        action: 'RERUN',
        outcome: 'NOT_SUPPORTED',
        job: null,
        rerun: null,
      });
      // Not even the read: Panorama has no rerun.
      expect(live.emulators.panorama.calls.slice(before)).toEqual([]);
    });

    it('dry-runs rerunJobs: WOULD_APPLY for each failed job, a running one NOT_APPLIED, nothing submitted', async () => {
      const answer = await ask(replicas[0]!, tokens.writer, RERUN_MANY, {
        ids: [
          batchId('failed'),
          batchId('outOfMemory'),
          batchId('spotReclaimed'),
          batchId('running'),
        ],
        reason: 'the fix is deployed',
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.rerunJobs!.map((r) => [r.action, r.outcome])).toEqual([
        ['RERUN', 'WOULD_APPLY'],
        ['RERUN', 'WOULD_APPLY'],
        ['RERUN', 'WOULD_APPLY'],
        ['RERUN', 'NOT_APPLIED'],
      ]);
      // Each failure's retryability, as Job.failure says it: the console's "3 are not retryable".
      const [exited, oom, spot] = answer.data!.rerunJobs!;
      expect(exited!.job!.failure).toMatchObject({ category: 'USER_CODE', retryable: false });
      expect(exited!.message).toContain('not retryable');
      expect(oom!.job!.failure).toMatchObject({ retryable: false });
      expect(spot!.job!.failure).toMatchObject({ retryable: true });
      expect(spot!.message).toContain('likely to pass on a rerun');
      expect(writes()).toEqual([]);
    });

    it('reruns a failed job once: one SubmitJob of its definition, queue, parameters and container; replayed on either replica, the same job', async () => {
      const source = batchId('failed');
      const vars = { id: source, reason: 'the fix is deployed' };
      const first = await ask(replicas[0]!, tokens.writer, RERUN, vars, 'rerun-key-1');
      expect(first.errors).toBeUndefined();
      const result = first.data!.rerunJob!;
      expect(result).toMatchObject({ id: source, action: 'RERUN', outcome: 'REQUESTED' });
      expect(result.rerun?.id).toMatch(/^batch:/);
      expect(result.rerun!.id).not.toBe(source);
      expect(submits()).toHaveLength(1);

      // The new job, as @aws-sdk/client-batch describes it, and the job rerun.
      const batch = keep(new BatchClient(demoSdkConfig(live.emulators.batch.url)));
      const newJobId = result.rerun!.id.slice(result.rerun!.id.lastIndexOf(':') + 1);
      const { jobs } = await batch.send(
        new DescribeJobsCommand({ jobs: [BATCH_JOB_IDS.failed, newJobId] }),
      );
      const was = jobs!.find((j) => j.jobId === BATCH_JOB_IDS.failed)!;
      const made = jobs!.find((j) => j.jobId === newJobId)!;
      expect(made.jobName).toBe(was.jobName);
      expect(made.jobDefinition).toBe(was.jobDefinition);
      expect(made.jobQueue).toBe(was.jobQueue);
      expect(made.parameters).toEqual(was.parameters);
      expect(made.container?.command).toEqual(was.container?.command);
      expect(made.container?.resourceRequirements).toEqual(was.container?.resourceRequirements);
      expect(made.tags?.['jobgraph:rerun-of']).toBe(source);
      expect(made.tags?.['jobgraph:rerun-key']).toMatch(/^[0-9a-f]{64}$/);
      expect(made.dependsOn ?? []).toEqual([]);

      const again = await ask(replicas[0]!, tokens.writer, RERUN, vars, 'rerun-key-1');
      expect(again.data!.rerunJob!.rerun?.id).toBe(result.rerun!.id);
      const other = await ask(replicas[1]!, tokens.writer, RERUN, vars, 'rerun-key-1');
      expect(other.errors).toBeUndefined();
      expect(other.data!.rerunJob).toMatchObject({ outcome: 'REQUESTED' });
      expect(other.data!.rerunJob!.rerun?.id).toBe(result.rerun!.id);
      expect(submits()).toHaveLength(1);

      // Linked both ways, by the history's rows, on either replica.
      const LINKS = `query($a: ID!, $b: ID!) { a: job(id: $a) { reruns { id } rerunOf { id } } b: job(id: $b) { rerunOf { id } reruns { id } } }`;
      const links = (await fetch(replicas[1]!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reader}` },
        body: JSON.stringify({ query: LINKS, variables: { a: source, b: result.rerun!.id } }),
      }).then((r) => r.json())) as { data: Record<string, unknown> };
      expect(links.data).toEqual({
        a: { reruns: [{ id: result.rerun!.id }], rerunOf: null },
        b: { rerunOf: { id: source }, reruns: [] },
      });

      // Another key is another rerun.
      const second = await ask(replicas[1]!, tokens.writer, RERUN, vars, 'rerun-key-2');
      expect(second.data!.rerunJob!.rerun?.id).not.toBe(result.rerun!.id);
      expect(submits()).toHaveLength(2);
    });

    it('after a SIGKILL between the SubmitJob and its answer, a restarted gateway finds the job by its tags: still one SubmitJob', async () => {
      const source = batchId('outOfMemory');
      const vars = { id: source, reason: 'more memory now' };
      const batch = keep(new BatchClient(demoSdkConfig(live.emulators.batch.url)));
      const { jobs } = await batch.send(
        new DescribeJobsCommand({ jobs: [BATCH_JOB_IDS.outOfMemory] }),
      );
      const before = submits().length;
      // The emulator makes the job, then holds its answer: the gateway dies before it hears it.
      live.emulators.batch.setFaults({
        holdAnswer: true,
        jobPrefix: `us-east-1/${jobs![0]!.jobQueue}/`,
      });
      const doomed = await startLiveProcess(live.env);
      const asked = ask(doomed, tokens.writer, RERUN, vars, 'crash-key').catch(() => null);
      await expect.poll(() => submits().length).toBe(before + 1);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      await asked;
      live.emulators.batch.resetFaults();
      const restarted = await startLiveProcess(live.env);
      try {
        const answer = await ask(restarted, tokens.writer, RERUN, vars, 'crash-key');
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.rerunJob).toMatchObject({ action: 'RERUN', outcome: 'REQUESTED' });
        const made = answer.data!.rerunJob!.rerun!;
        expect(submits()).toHaveLength(before + 1);
        const newJobId = made.id.slice(made.id.lastIndexOf(':') + 1);
        const described = await batch.send(new DescribeJobsCommand({ jobs: [newJobId] }));
        expect(described.jobs![0]!.tags?.['jobgraph:rerun-of']).toBe(source);
        // Answered from the row from now on: asked again, no ListJobs by name either.
        const lists = () =>
          live.emulators.batch.calls.filter((c) => c.operation.startsWith('ListJobs'));
        const listed = lists().length;
        const again = await ask(replicas[0]!, tokens.writer, RERUN, vars, 'crash-key');
        expect(again.data!.rerunJob!.rerun?.id).toBe(made.id);
        expect(lists()).toHaveLength(listed);
        expect(submits()).toHaveLength(before + 1);
      } finally {
        await kill(restarted.child);
      }
    });
  });
}
