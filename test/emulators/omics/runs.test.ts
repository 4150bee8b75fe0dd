import {
  CancelRunCommand,
  GetRunCommand,
  GetRunTaskCommand,
  ListRunsCommand,
  ListRunTasksCommand,
  OmicsClient,
} from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../../src/emulators/framework.ts';
import { createOmicsEmulator } from '../../../src/emulators/omics/emulator.ts';
import { OMICS_DEMO_RUNS, OMICS_DEMO_RUN_GROUP_ID } from '../../../src/emulators/omics/runs.ts';
import { useListHarness } from '../listHarness.ts';
import { runAwsCli } from '../awsCli.ts';
import type { EventBridgeEvent } from '../../../src/emulators/eventBridge.ts';

const harness = useListHarness();
const sdk = (emu: RunningEmulator) =>
  harness.client(new OmicsClient({ ...harness.sdkOptions(emu), disableHostPrefix: true }));

const failed = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const running = OMICS_DEMO_RUNS.find((r) => r.status === 'RUNNING')!;

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

  it('lists runs by status, name and run group, page by page', async () => {
    const emu = await harness.startOn(createOmicsEmulator);
    const client = sdk(emu);
    const first = await client.send(new ListRunsCommand({ maxResults: 2 }));
    expect(first.items).toHaveLength(2);
    expect(first.nextToken).toBeTruthy();
    const second = await client.send(
      new ListRunsCommand({ maxResults: 2, startingToken: first.nextToken! }),
    );
    expect(second.nextToken).toBeUndefined();
    const ids = [...first.items!, ...second.items!].map((r) => r.id).sort();
    expect(ids).toEqual(OMICS_DEMO_RUNS.map((r) => r.id).sort());
    const byStatus = await client.send(new ListRunsCommand({ status: 'FAILED' }));
    expect(byStatus.items?.map((r) => r.id)).toEqual([failed.id]);
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

  it('cancels a running run with one Run Status Change event, and refuses a finished one', async () => {
    const events: EventBridgeEvent[] = [];
    const emu = await harness.start(
      createOmicsEmulator({ now: () => harness.now, events: { publish: (e) => events.push(e) } }),
    );
    const client = sdk(emu);
    await client.send(new CancelRunCommand({ id: running.id }));
    const after = await client.send(new GetRunCommand({ id: running.id }));
    expect(after.status).toBe('CANCELLED');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.omics',
      'detail-type': 'Run Status Change',
      region: 'us-east-1',
      detail: { omicsVersion: '1.0.0', arn: running.arn, status: 'CANCELLED' },
    });
    await expect(client.send(new CancelRunCommand({ id: failed.id }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
  });

  it('answers the AWS CLI’s get-run and list-run-tasks as the SDK does', async () => {
    // The CLI signs at the wall clock: an emulator on its own (real) clock.
    const emu = await harness.start(createOmicsEmulator());
    const env = { AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' };
    const at = ['--endpoint-url', emu.url, '--output', 'json'];
    const got = await runAwsCli(['omics', 'get-run', '--id', failed.id, ...at], env);
    expect(got.stderr).toBe('');
    const run = JSON.parse(got.stdout) as Record<string, unknown>;
    expect(run).toMatchObject({
      id: failed.id,
      uuid: failed.uuid,
      status: 'FAILED',
      failureReason: 'FILE_SYSTEM_OUT_OF_SPACE',
      logLocation: failed.logLocation,
    });
    const tasks = await runAwsCli(['omics', 'list-run-tasks', '--id', failed.id, ...at], env);
    const items = (JSON.parse(tasks.stdout) as { items: { taskId: string }[] }).items;
    expect(items.map((t) => t.taskId)).toEqual(failed.tasks.map((t) => t.taskId));
  });
});
