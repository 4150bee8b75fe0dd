import type { LogEvent, LogSource } from '../logs/streams.ts';
import type { WireOmicsRun } from './runs.ts';

/**
 * What the demo's HealthOmics runs write to CloudWatch Logs: the group `/aws/omics/WorkflowLog`,
 * the engine's stream `run/<id>/engine` (created, started, each task's start and end, the run's
 * end) and each task's `run/<id>/task/<taskId>` (its start and end). A line exists once the
 * clock has passed its time, so a read at one instant always answers the same stream.
 */
export const OMICS_WORKFLOW_LOG_GROUP = '/aws/omics/WorkflowLog';

const at = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);

function engineLines(run: WireOmicsRun): [number | undefined, string][] {
  const lines: [number | undefined, string][] = [
    [at(run.creationTime), `run ${run.id} (${run.name}) created`],
    [at(run.startTime), `workflow ${run.workflowId} ${run.workflowVersionName} started`],
  ];
  for (const t of run.tasks) {
    lines.push([at(t.startTime), `task ${t.name} (${t.taskId}) started`]);
    lines.push([at(t.stopTime), taskEnd(t)]);
  }
  const end = run.failureReason ? `: ${run.failureReason}: ${run.statusMessage ?? ''}` : '';
  lines.push([at(run.stopTime), `run ${run.id} ${run.status}${end}`]);
  return lines;
}

function taskEnd(t: WireOmicsRun['tasks'][number]): string {
  const why = t.failureReason ? `: ${t.failureReason}: ${t.statusMessage ?? ''}` : '';
  return `task ${t.name} (${t.taskId}) ${t.status}${why}`;
}

function taskLines(t: WireOmicsRun['tasks'][number]): [number | undefined, string][] {
  return [
    [at(t.startTime), `${t.name}: started on ${t.instanceType} (${t.cpus} vCPU, ${t.memory} GiB)`],
    [at(t.stopTime), taskEnd(t)],
  ];
}

/** The lines written by `nowMs`, oldest first. */
function written(lines: [number | undefined, string][], nowMs: number): LogEvent[] {
  return lines
    .filter((l): l is [number, string] => l[0] !== undefined && l[0] <= nowMs)
    .sort((a, b) => a[0] - b[0])
    .map(([timestamp, message]) => ({ timestamp, message, ingestionTime: timestamp }));
}

/** The runs' log source: `runsOf(accountId)` the account's runs in `region`. */
export function omicsRunLogSource(
  region: string,
  runsOf: (accountId: string) => readonly WireOmicsRun[],
): LogSource {
  return {
    hasGroup: (accountId, r, group) =>
      r === region && group === OMICS_WORKFLOW_LOG_GROUP && runsOf(accountId).length > 0,
    events(place, nowMs) {
      if (place.region !== region || place.group !== OMICS_WORKFLOW_LOG_GROUP) return undefined;
      const m = /^run\/([^/]+)\/(?:engine|task\/([^/]+))$/.exec(place.stream);
      const run = m && runsOf(place.accountId).find((r) => r.id === m[1]);
      if (!m || !run) return undefined;
      const task = m[2] === undefined ? null : run.tasks.find((t) => t.taskId === m[2]);
      if (task === undefined) return undefined;
      const lines = written(task ? taskLines(task) : engineLines(run), nowMs);
      return lines.length > 0 ? lines : undefined;
    },
  };
}
