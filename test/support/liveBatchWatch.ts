import { parseJob } from '../../src/datasources/batch/parse.ts';
import type { AnswerMemo } from '../../src/datasources/shared/answerMemo.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { batchDetail } from './batchEvents.ts';
import { ManualScheduler } from './scheduler.ts';

/**
 * A poller registry of Batch jobs live by events, on a manual clock: each read, as the pipeline
 * makes it, parses the job's detail at `status` to a record of its own, which its memo keeps
 * (`reads` lists them; `onRead` is told each with its memo).
 */
export function liveBatchWatch(onRead?: (record: JobRecord, memo: AnswerMemo) => void) {
  const clock = new ManualScheduler(0);
  const states = new JobStates({ now: () => clock.now() });
  const reads: JobRecord[] = [];
  const rig = { clock, states, reads, status: 'RUNNABLE' };
  const registry = new WatchRegistry({
    fetch: (key, memo) => {
      const record = parseJob(key as never, batchDetail({ status: rig.status }), 'detail');
      memo.value = record;
      reads.push(record);
      onRead?.(record, memo);
      return Promise.resolve(record);
    },
    pollMs: 5000,
    maxPollMs: 30_000,
    breakerPauseMs: 10_000,
    scheduler: clock,
    events: { covered: () => true, reconcileMs: 300_000 },
    states,
  });
  return Object.assign(rig, { registry });
}
