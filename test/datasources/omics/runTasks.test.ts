import { describe, expect, it } from 'vitest';
import { OMICS_RUN_LOGS } from '../../../src/datasources/omics/run/logs.ts';
import { parse } from '../../../src/datasources/omics/run/parse.ts';
import { tasksOfRun } from '../../../src/datasources/omics/run/tasks.ts';
import type { KindCall } from '../../../src/datasources/shared/provider.ts';
import { BadUserInputError } from '../../../src/errors.ts';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { fieldsOf } from '../../support/recordSchema.ts';

/** A HealthOmics run's tasks (`OmicsRun.tasks`) and its tasks' log streams, without a wire. */

const demo = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const { tasks: _tasks, ...getRun } = demo;
const run = parse(
  { provider: 'AWS_OMICS', kind: 'run', region: 'us-east-1', uuid: demo.uuid, runId: demo.id },
  JSON.parse(JSON.stringify(getRun)) as unknown,
);

/** A call that answers ListRunTasks with the demo's items (parsed) and GetRunTask with its task, counting both. */
function fakeCall(status = (s: string) => s) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const call = (async (operation: { name: string }, input: Record<string, unknown>) => {
    calls.push({ name: operation.name, input });
    if (operation.name === 'ListRunTasks')
      return {
        items: demo.tasks.map((t) => ({
          taskId: t.taskId,
          name: t.name,
          status: status(t.status),
          cpus: t.cpus,
          memory: t.memory,
          gpus: t.gpus,
          instanceType: t.instanceType,
          cacheHit: null,
          cacheS3Uri: null,
          creationTime: t.creationTime,
          startTime: t.startTime ?? null,
          stopTime: t.stopTime ?? null,
        })),
        nextToken: 'next',
      };
    const t = demo.tasks.find((x) => x.taskId === input.taskId)!;
    return {
      statusMessage: t.statusMessage ?? null,
      failureReason: t.failureReason ?? null,
      logStream: t.logStream,
    };
  }) as KindCall;
  return { call, calls };
}

describe('OmicsRun.tasks', () => {
  it('answers one ListRunTasks page with OmicsRunTask’s fields, GetRunTask made only when asked, once a task', async () => {
    const { call, calls } = fakeCall();
    const page = await tasksOfRun(run, { first: 10, after: 'tok', status: 'FAILED' }, call);
    expect(calls).toEqual([
      {
        name: 'ListRunTasks',
        input: {
          region: 'us-east-1',
          runId: demo.id,
          status: 'FAILED',
          maxResults: 10,
          nextToken: 'tok',
        },
      },
    ]);
    expect(page).toMatchObject({ endCursor: 'next', hasNextPage: true });
    for (const item of page.items)
      expect(Object.keys(item).sort()).toEqual(fieldsOf('OmicsRunTask'));
    const bad = page.items.find((t) => t.status === 'FAILED')!;
    expect(calls).toHaveLength(1);
    const read = [await bad.statusMessage, await bad.failureReason, await bad.logStream];
    const task = demo.tasks.find((t) => t.taskId === bad.taskId)!;
    expect(read).toEqual([task.statusMessage, task.failureReason, task.logStream]);
    expect(calls.map((c) => c.name)).toEqual(['ListRunTasks', 'GetRunTask']);
    expect(calls[1]!.input).toEqual({ region: 'us-east-1', runId: demo.id, taskId: bad.taskId });
  });

  it('keeps a status it does not know as providerStatus, its enum value null', async () => {
    const { call } = fakeCall(() => 'PAUSED');
    const page = await tasksOfRun(run, { first: 1 }, call);
    expect(page.items[0]).toMatchObject({ status: null, providerStatus: 'PAUSED' });
  });

  it('refuses a page size outside 1..100 before any call', async () => {
    const { call, calls } = fakeCall();
    for (const first of [0, 101, 1.5])
      await expect(tasksOfRun(run, { first }, call)).rejects.toThrow(BadUserInputError);
    expect(calls).toEqual([]);
  });
});

describe('A run’s log streams', () => {
  it('are the engine’s, or a task’s by its ID; a task that is no ID or a second attempt is refused', () => {
    expect(OMICS_RUN_LOGS.place(run, null)).toMatchObject({
      group: '/aws/omics/WorkflowLog',
      stream: `run/${demo.id}/engine`,
      finished: true,
    });
    const task = demo.tasks[1]!;
    expect(OMICS_RUN_LOGS.place(run, 1, task.taskId)).toMatchObject({
      group: '/aws/omics/WorkflowLog',
      stream: task.logStream,
      region: 'us-east-1',
    });
    for (const bad of ['../engine', '', '12345678901234567890', '1/2'])
      expect(() => OMICS_RUN_LOGS.place(run, null, bad)).toThrow(RangeError);
    expect(() => OMICS_RUN_LOGS.place(run, 2, task.taskId)).toThrow(RangeError);
  });
});
