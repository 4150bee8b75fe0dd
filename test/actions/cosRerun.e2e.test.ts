// Rerunning a failed COS Batch job (issue 101, item 2): CreateJob rebuilt from DescribeJob with the
// rerun's key as its ClientRequestToken, through compiled gateways in live mode on the emulators,
// two replicas sharing one SQLite history store. The new job is read back signed by the official
// COS SDK's signer; a replay is answered from the history's row with no call; after a SIGKILL
// between CreateJob and its answer, a restarted gateway submits again with the same token and
// COS Batch answers the job it made: one job, whatever happened.
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOB_IDS } from '@jobgraph/emulators/cosbatch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { signedCos } from '../emulators/listClient.ts';
import { kill, writerAndReader } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import { askReplica, useLiveReplicas } from '../support/liveReplicas.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';

const RERUN = `mutation($id: ID!, $reason: String!) { rerunJob(id: $id, reason: $reason) { id action outcome message providerCode rerun { id state ... on CosBatchJob { clientRequestToken priority } } } }`;
const example = DEMO_DATA.cosbatch.EXAMPLE_GLOBAL_ID;
const cosId = (jobId: string) => example.slice(0, example.lastIndexOf(':') + 1) + jobId;
const REGION = DEMO_TENCENT_CREDENTIALS.region;
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'member' });

interface Result {
  outcome: string;
  message: string;
  providerCode: string | null;
  rerun: { id: string; state: string; clientRequestToken: string; priority: number } | null;
}

async function ask(replica: LiveProcess, token: string, id: string, key: string) {
  const variables = { id, reason: 'the manifest is back' };
  const answer = await askReplica<{ data?: { rerunJob: Result }; errors?: unknown[] }>(
    replica,
    token,
    RERUN,
    variables,
    key,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.rerunJob;
}

const sqlite = historyStores()[0]!;

describe('rerunJob of COS Batch jobs through two gateways sharing a SQLite history', () => {
  const live = useLiveReplicas(sqlite.fresh, { JOBGRAPH_ACTIONS: 'cancel,rerun' });
  const { replicas } = live;
  let writer = '';
  beforeAll(async () => {
    ({ writer } = await writerAndReader());
  });

  const creates = () =>
    live.emulators.cosbatch.calls.filter((c) => c.operation.startsWith('CreateJob'));
  /** The `<Job>` of `jobId` as the emulator answers DescribeJob, signed by the COS SDK's signer. */
  const described = async (jobId: string) => {
    const res = await signedCos(live.emulators.cosbatch, `/jobs/${jobId}`);
    expect(res.status).toBe(200);
    return (xml.parse(res.body) as { DescribeJobResult: { Job: Record<string, unknown> } })
      .DescribeJobResult.Job;
  };
  /** How many jobs the account's ListJobs shows (every status, one page). */
  const listed = async () => {
    const res = await signedCos(live.emulators.cosbatch, '/jobs');
    const doc = xml.parse(res.body) as { ListJobsResult: { Jobs: { member?: unknown[] } } };
    return doc.ListJobsResult.Jobs.member?.length ?? 0;
  };

  it('answers a Complete job, and a cancelled one whose description lacks a Report, NOT_APPLIED with no CreateJob', async () => {
    const complete = await ask(replicas[0]!, writer, example, 'complete-key');
    expect(complete).toMatchObject({ outcome: 'NOT_APPLIED', rerun: null });
    expect(complete.message).toContain('failed or was cancelled');
    const cancelled = await ask(replicas[0]!, writer, cosId(DEMO_JOB_IDS.cancelled), 'c-key');
    expect(cancelled).toMatchObject({ outcome: 'NOT_APPLIED', rerun: null });
    expect(cancelled.message).toContain('lacks Report');
    expect(creates()).toEqual([]);
  });

  it('reruns a failed job once: one CreateJob of its manifest, operation, priority, report and role, its token the rerun key; replayed on either replica, the same job', async () => {
    const source = cosId(DEMO_JOB_IDS.failed);
    const first = await ask(replicas[0]!, writer, source, 'cos-key-1');
    expect(first).toMatchObject({ outcome: 'REQUESTED' });
    expect(first.message).toContain('ClientRequestToken');
    expect(first.rerun!.id).not.toBe(source);
    expect(first.rerun!.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(creates()).toHaveLength(1);

    const newJobId = first.rerun!.id.slice(first.rerun!.id.lastIndexOf(':') + 1);
    const [was, made] = await Promise.all([described(DEMO_JOB_IDS.failed), described(newJobId)]);
    for (const field of ['Manifest', 'Operation', 'Priority', 'Report', 'RoleArn'])
      expect(made[field], field).toEqual(was[field]);
    expect(made).toMatchObject({
      ClientRequestToken: first.rerun!.clientRequestToken,
      ConfirmationRequired: was.ConfirmationRequired,
      Status: 'New',
    });

    const again = await ask(replicas[0]!, writer, source, 'cos-key-1');
    const other = await ask(replicas[1]!, writer, source, 'cos-key-1');
    expect(again.rerun?.id).toBe(first.rerun!.id);
    expect(other).toMatchObject({ outcome: 'REQUESTED' });
    expect(other.rerun?.id).toBe(first.rerun!.id);
    // Answered from the history's row: no second CreateJob.
    expect(creates()).toHaveLength(1);
  });

  it('after a SIGKILL between CreateJob and its answer, a restarted gateway asks again with the same token and gets the same job: one job made', async () => {
    // The same failed job under another Idempotency-Key: another rerun, another token.
    const source = cosId(DEMO_JOB_IDS.failed);
    const before = creates().length;
    const jobsBefore = await listed();
    // The emulator makes the job, then holds its answer: the gateway dies before it hears it.
    live.emulators.cosbatch.setFaults({ holdAnswer: true, jobPrefix: `${REGION}/new` });
    const doomed = await startLiveProcess(live.env);
    const asked = ask(doomed, writer, source, 'cos-crash-key').catch(() => null);
    await expect.poll(() => creates().length).toBe(before + 1);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await asked;
    live.emulators.cosbatch.resetFaults();
    expect(await listed()).toBe(jobsBefore + 1);

    const restarted = await startLiveProcess(live.env);
    try {
      const answer = await ask(restarted, writer, source, 'cos-crash-key');
      expect(answer).toMatchObject({ outcome: 'REQUESTED' });
      // Asked once more, with the same ClientRequestToken: COS Batch answered the job it made.
      const calls = creates().slice(before);
      expect(calls).toHaveLength(2);
      expect(calls[1]!.operation).toBe(calls[0]!.operation);
      expect(await listed()).toBe(jobsBefore + 1);
      const made = await described(answer.rerun!.id.slice(answer.rerun!.id.lastIndexOf(':') + 1));
      expect(made.ClientRequestToken).toBe(answer.rerun!.clientRequestToken);
      // From now on answered from the row.
      const again = await ask(replicas[1]!, writer, source, 'cos-crash-key');
      expect(again.rerun?.id).toBe(answer.rerun!.id);
      expect(creates().slice(before)).toHaveLength(2);
    } finally {
      await kill(restarted.child);
    }
  });
});
