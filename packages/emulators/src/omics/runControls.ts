import type { JobControls } from '../framework.ts';
import type { RunAnswers, WireOmicsRun } from './runs.ts';

/** The statuses a run or task has not finished in. */
const UNFINISHED = ['PENDING', 'STARTING', 'RUNNING', 'STOPPING'];

/**
 * `JobControls` over the default account's workflow runs (`RunningEmulator.jobs`): `changeState`
 * moves a run to `status` now as HealthOmics would — a finish (COMPLETED, FAILED, CANCELLED)
 * finishes its unfinished tasks alike first, each with its `Task Status Change`, then the run with
 * its `Run Status Change` — and answers the run (GetRun's fields and its tasks), or null for a run
 * ID it does not have. Runs are not forgotten.
 */
export function omicsRunControls(
  runs: WireOmicsRun[],
  answers: Pick<RunAnswers, 'now' | 'changed' | 'taskChanged'>,
): JobControls {
  return {
    changeState(runId, status) {
      const run = runs.find((r) => r.id === runId);
      if (!run) return null;
      const stopTime = new Date(answers.now()).toISOString();
      const finished = !UNFINISHED.includes(status);
      for (const task of run.tasks) {
        if (!finished || !UNFINISHED.includes(task.status)) continue;
        task.status = status;
        task.stopTime = stopTime;
        answers.taskChanged(run, task);
      }
      run.status = status;
      if (finished) run.stopTime = stopTime;
      answers.changed(run);
      return structuredClone(run) as unknown as Record<string, unknown>;
    },
    forget: () => false,
  };
}
