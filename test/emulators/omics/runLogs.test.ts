import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { createLogsEmulator } from '@jobgraph/emulators/logs/emulator';
import { createLogStreams } from '@jobgraph/emulators/logs/streams';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import { OMICS_WORKFLOW_LOG_GROUP } from '@jobgraph/emulators/omics/runLogs';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import {
  OMICS_DEMO_BATCH_RUNS,
  OMICS_DEMO_RUNS_REFERENCE_MS,
} from '@jobgraph/emulators/omics/runBatchData';
import { useListHarness } from '../listHarness.ts';

const harness = useListHarness();
const failed = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const bad = failed.tasks.find((t) => t.status === 'FAILED')!;

/** A CloudWatch Logs emulator over an omics emulator's streams, and its GetLogEvents of a stream. */
async function workflowLogs() {
  const streams = createLogStreams();
  // Started at the runs' reference instant: each line at its table's time, as written there.
  createOmicsEmulator({ logs: streams, startedMs: OMICS_DEMO_RUNS_REFERENCE_MS });
  const logs = await harness.start(createLogsEmulator({ streams }));
  const client = harness.client(
    new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: logs.url,
      maxAttempts: 1,
      credentials: harness.sdkOptions(logs).credentials,
    }),
  );
  return (logStreamName: string) =>
    client.send(
      new GetLogEventsCommand({
        logGroupName: OMICS_WORKFLOW_LOG_GROUP,
        logStreamName,
        startFromHead: true,
      }),
    );
}

describe('The HealthOmics runs’ lines in the CloudWatch Logs emulator', () => {
  it('writes the engine and task streams of each run of the demo run batch', async () => {
    const read = await workflowLogs();
    for (const run of OMICS_DEMO_BATCH_RUNS) {
      const engine = await read(run.logLocation.engineLogStream);
      const lines = engine.events?.map((e) => e.message) ?? [];
      expect(lines[0]).toBe(`run ${run.id} (${run.name}) created`);
      const end = run.failureReason ? `: ${run.failureReason}: ${run.statusMessage}` : '';
      if (run.stopTime) expect(lines.at(-1)).toBe(`run ${run.id} ${run.status}${end}`);
      else expect(lines.at(-1)).toMatch(/^task call-variants \(\d+\) started$/);
      for (const task of run.tasks) {
        const taskLog = await read(task.logStream);
        expect(taskLog.events?.[0]?.message).toBe(
          `${task.name}: started on ${task.instanceType} (${task.cpus} vCPU, ${task.memory} GiB)`,
        );
      }
    }
    const failed = OMICS_DEMO_BATCH_RUNS.find((r) => r.status === 'FAILED')!;
    const engine = await read(failed.logLocation.engineLogStream);
    expect(engine.events?.at(-1)?.message).toContain('CANNOT_START_CONTAINER_ERROR');
  });

  it('writes the engine and task streams under /aws/omics/WorkflowLog, read by GetLogEvents', async () => {
    const read = await workflowLogs();
    const engine = await read(failed.logLocation.engineLogStream);
    const lines = engine.events?.map((e) => e.message) ?? [];
    expect(lines[0]).toBe(`run ${failed.id} (${failed.name}) created`);
    expect(lines.at(-1)).toBe(
      `run ${failed.id} FAILED: FILE_SYSTEM_OUT_OF_SPACE: ${failed.statusMessage}`,
    );
    expect(engine.events?.[0]?.timestamp).toBe(Date.parse(failed.creationTime));
    const task = await read(`run/${failed.id}/task/${bad.taskId}`);
    expect(task.events?.map((e) => e.message).at(-1)).toBe(
      `task ${bad.name} (${bad.taskId}) FAILED: FILE_SYSTEM_OUT_OF_SPACE: ${bad.statusMessage}`,
    );
    await expect(read(`run/${failed.id}/task/0`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
