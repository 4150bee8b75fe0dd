import {
  CancelRunCommand,
  GetRunCommand,
  GetRunTaskCommand,
  ListRunsCommand,
  ListRunTasksCommand,
  StartRunCommand,
  ValidationException,
} from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import { OMICS_DEMO_RUNS, OMICS_DEMO_RUN_GROUP_ID } from '@jobgraph/emulators/omics/runs';
import {
  OMICS_DEMO_BATCH_ID,
  OMICS_DEMO_BATCH_RUNS,
  omicsDemoRunsAt,
} from '@jobgraph/emulators/omics/runBatchData';
import { useOmicsHarness } from './omicsHarness.ts';
import { LIST_START } from '../listHarness.ts';
import { runAwsCli } from '../awsCli.ts';
import type { EventBridgeEvent } from '@jobgraph/emulators/eventBridge';

const { harness, sdk, withEvents, cli } = useOmicsHarness();

// The demo runs as an emulator started at the harness's clock serves them (moved to its start).
const served = omicsDemoRunsAt(LIST_START);
const failed = served.find((r) => r.status === 'FAILED')!;
const running = served.find((r) => r.status === 'RUNNING')!;

describe('The HealthOmics emulator’s workflow runs, read by @aws-sdk/client-omics', () => {
  it('answers GetRun with every field of a failed run, its failure reason from the published table', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const out = await sdk(emu).send(new GetRunCommand({ id: failed.id }));
    expect(out.status).toBe('FAILED');
    expect(out.failureReason).toBe('FILE_SYSTEM_OUT_OF_SPACE');
    expect(out.uuid).toBe(failed.uuid);
    expect(out.arn).toBe(failed.arn);
    expect(out.logLocation).toEqual({
      engineLogStream: `run/${failed.id}/engine`,
      runLogStream: `run/${failed.id}`,
    });
    expect(out.creationTime?.toISOString()).toBe(failed.creationTime);
    expect(out.stopTime?.toISOString()).toBe(failed.stopTime);
    for (const field of [
      'workflowId',
      'workflowType',
      'workflowVersionName',
      'workflowUuid',
      'runGroupId',
      'roleArn',
      'name',
      'priority',
      'storageType',
      'storageCapacity',
      'outputUri',
      'runOutputUri',
      'logLevel',
      'startedBy',
      'retentionMode',
      'statusMessage',
    ] as const)
      expect(out[field], field).toEqual(failed[field]);
    expect(out.tags).toEqual(failed.tags);
    expect(out.parameters).toEqual(failed.parameters);
    await expect(sdk(emu).send(new GetRunCommand({ id: '9999999' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('lists runs by status, name, run group and batch, page by page', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const client = sdk(emu);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListRunsCommand({ maxResults: 2, startingToken: token }));
      pages.push(page.items!.map((r) => r.id!));
      token = page.nextToken;
    } while (token);
    const all = [...OMICS_DEMO_RUNS, ...OMICS_DEMO_BATCH_RUNS];
    expect(pages).toHaveLength(Math.ceil(all.length / 2));
    expect(pages.flat().sort()).toEqual(all.map((r) => r.id).sort());
    const inBatch = await client.send(new ListRunsCommand({ batchId: OMICS_DEMO_BATCH_ID }));
    expect(inBatch.items?.map((r) => [r.id, r.batchId])).toEqual(
      [...OMICS_DEMO_BATCH_RUNS].reverse().map((r) => [r.id, OMICS_DEMO_BATCH_ID]),
    );
    const byStatus = await client.send(
      new ListRunsCommand({ status: 'FAILED', runGroupId: OMICS_DEMO_RUN_GROUP_ID }),
    );
    expect(byStatus.items?.map((r) => r.id)).toEqual([failed.id]);
    const allFailed = await client.send(new ListRunsCommand({ status: 'FAILED' }));
    expect(allFailed.items?.map((r) => r.id).sort()).toEqual(
      all
        .filter((r) => r.status === 'FAILED')
        .map((r) => r.id)
        .sort(),
    );
    const byName = await client.send(new ListRunsCommand({ name: running.name }));
    expect(byName.items?.map((r) => r.id)).toEqual([running.id]);
    const byGroup = await client.send(new ListRunsCommand({ runGroupId: OMICS_DEMO_RUN_GROUP_ID }));
    expect(byGroup.items).toHaveLength(OMICS_DEMO_RUNS.length);
    const otherGroup = await client.send(new ListRunsCommand({ runGroupId: '1' }));
    expect(otherGroup.items).toEqual([]);
  });

  it('lists a run’s tasks and answers GetRunTask with its failure and log stream', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const client = sdk(emu);
    const tasks = await client.send(new ListRunTasksCommand({ id: failed.id }));
    expect(tasks.items?.map((t) => [t.taskId, t.status])).toEqual(
      failed.tasks.map((t) => [t.taskId, t.status]),
    );
    const bad = failed.tasks.find((t) => t.status === 'FAILED')!;
    const task = await client.send(new GetRunTaskCommand({ id: failed.id, taskId: bad.taskId }));
    expect(task.failureReason).toBe('FILE_SYSTEM_OUT_OF_SPACE');
    expect(task.logStream).toBe(`run/${failed.id}/task/${bad.taskId}`);
    expect(task.cpus).toBe(bad.cpus);
    expect(task.instanceType).toBe(bad.instanceType);
  });

  it('cancels a running run with a Task Status Change event per running task and one Run Status Change, and refuses a finished one', async () => {
    const { emu, events } = await withEvents();
    const client = sdk(emu);
    await client.send(new CancelRunCommand({ id: running.id }));
    const after = await client.send(new GetRunCommand({ id: running.id }));
    expect(after.status).toBe('CANCELLED');
    const runningTasks = running.tasks.filter((t) => t.status === 'RUNNING');
    expect(runningTasks.length).toBeGreaterThan(0);
    expect(events.map((e) => e['detail-type'])).toEqual([
      ...runningTasks.map(() => 'Task Status Change'),
      'Run Status Change',
    ]);
    expect(events.at(-1)).toMatchObject({
      source: 'aws.omics',
      region: 'us-east-1',
      detail: { omicsVersion: '1.0.0', arn: running.arn, status: 'CANCELLED' },
    });
    expect(events[0]).toMatchObject({
      source: 'aws.omics',
      detail: {
        omicsVersion: '1.0.0',
        arn: `arn:aws:omics:us-east-1:123456789012:task/${runningTasks[0]!.taskId}`,
        status: 'CANCELLED',
      },
    });
    const task = await client.send(
      new GetRunTaskCommand({ id: running.id, taskId: runningTasks[0]!.taskId }),
    );
    expect(task.status).toBe('CANCELLED');
    expect(task.stopTime?.getTime()).toBe(harness.now);
    await expect(client.send(new CancelRunCommand({ id: failed.id }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  it('StartRun duplicates a run by its runId (its parameters copied), once per requestId, and refuses a request without its required fields', async () => {
    const events: EventBridgeEvent[] = [];
    const emu = await harness.start(
      createOmicsEmulator({ now: () => harness.now, events: { publish: (e) => events.push(e) } }),
    );
    const client = sdk(emu);
    const input = {
      runId: failed.id,
      roleArn: failed.roleArn,
      outputUri: 's3://demo-omics-output/reruns/',
      name: 'wgs-sample-002-again',
      requestId: 'rerun-request-1',
    };
    const first = await client.send(new StartRunCommand(input));
    expect(first.$metadata.httpStatusCode).toBe(201);
    expect(first).toMatchObject({ status: 'PENDING', tags: failed.tags });
    expect(first.uuid).not.toBe(failed.uuid);
    expect(first.arn).toBe(failed.arn.replace(failed.id, first.id!));
    expect(first.runOutputUri).toBe(`s3://demo-omics-output/reruns/${first.id}`);
    const again = await client.send(new StartRunCommand(input));
    expect([again.id, again.uuid]).toEqual([first.id, first.uuid]);
    const run = await client.send(new GetRunCommand({ id: first.id }));
    expect(run).toMatchObject({
      id: first.id,
      uuid: first.uuid,
      status: 'PENDING',
      name: 'wgs-sample-002-again',
      outputUri: input.outputUri,
      parameters: failed.parameters,
      runId: failed.id,
    });
    for (const field of ['workflowId', 'workflowVersionName', 'roleArn', 'runGroupId'] as const)
      expect(run[field], field).toBe(failed[field]);
    expect(run.failureReason).toBeUndefined();
    const listed = await client.send(new ListRunsCommand({ name: 'wgs-sample-002-again' }));
    expect(listed.items?.map((r) => r.id)).toEqual([first.id]);
    expect(events.map((e) => [e['detail-type'], e.detail.status])).toEqual([
      ['Run Status Change', 'PENDING'],
    ]);
    // Without a requestId the SDK fills one in: another run.
    const { requestId: _r, ...untokened } = input;
    const other = await client.send(new StartRunCommand(untokened));
    expect(other.id).not.toBe(first.id);
    // A rerun of the rerun names the run it was started from, not the first one.
    const second = await client.send(new StartRunCommand({ ...untokened, runId: first.id! }));
    expect((await client.send(new GetRunCommand({ id: second.id }))).runId).toBe(first.id);
    await expect(
      client.send(new StartRunCommand({ ...input, requestId: 'r2', outputUri: '' })),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      client.send(new StartRunCommand({ roleArn: failed.roleArn, outputUri: input.outputUri })),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      client.send(new StartRunCommand({ ...input, requestId: 'r3', runId: '9999999' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers the AWS CLI’s start-run as the SDK does: one run per request ID', async () => {
    const emu = await harness.start(createOmicsEmulator());
    const env = { AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' };
    const at = ['--endpoint-url', emu.url, '--output', 'json'];
    const args = ['omics', 'start-run', '--run-id', failed.id, '--role-arn', failed.roleArn];
    const start = [...args, '--output-uri', 's3://demo-omics-output/cli/', '--request-id', 'cli-1'];
    const first = await runAwsCli([...start, ...at], env);
    expect(first.stderr).toBe('');
    const made = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(made).toMatchObject({
      status: 'PENDING',
      runOutputUri: `s3://demo-omics-output/cli/${String(made.id)}`,
    });
    const second = JSON.parse((await runAwsCli([...start, ...at], env)).stdout) as typeof made;
    expect([second.id, second.uuid]).toEqual([made.id, made.uuid]);
    const got = await runAwsCli(['omics', 'get-run', '--id', String(made.id), ...at], env);
    expect(JSON.parse(got.stdout)).toMatchObject({
      uuid: made.uuid,
      workflowId: failed.workflowId,
      parameters: failed.parameters,
      runId: failed.id,
    });
    const missing = await runAwsCli([...args, '--request-id', 'cli-2', ...at], env);
    expect(missing.code).not.toBe(0);
  });

  it('answers the AWS CLI’s get-run and list-run-tasks as the SDK does', async () => {
    const omics = await cli();
    const got = await omics(['get-run', '--id', failed.id]);
    expect(got.stderr).toBe('');
    const run = JSON.parse(got.stdout) as Record<string, unknown>;
    expect(run).toMatchObject({
      id: failed.id,
      uuid: failed.uuid,
      status: 'FAILED',
      failureReason: 'FILE_SYSTEM_OUT_OF_SPACE',
      logLocation: failed.logLocation,
    });
    const tasks = await omics(['list-run-tasks', '--id', failed.id]);
    const items = (JSON.parse(tasks.stdout) as { items: { taskId: string }[] }).items;
    expect(items.map((t) => t.taskId)).toEqual(failed.tasks.map((t) => t.taskId));
  });
});
