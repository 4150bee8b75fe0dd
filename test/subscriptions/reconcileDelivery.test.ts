import { describe, expect, it } from 'vitest';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { parse as parseRun } from '../../src/datasources/omics/run/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { parseGlobalId, type JobKey } from '../../src/model/globalId.ts';
import type { OmicsRunKey } from '../../src/model/keys.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import type { WatchEvent } from '../../src/subscriptions/watchOptions.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { ManualScheduler, seeded } from '../support/scheduler.ts';

// Issue 102 item 1: HealthOmics delivers its events best effort (reference/events.md), AWS Batch
// durably. A watch live by events is read again at its kind's reconciliation: a run whose Run
// Status Change was lost is read again within the best-effort interval (a fifth of the configured
// 300 s: 60 s ±10 % jitter, on a grid of 12 s), a Batch job not before its own 300 s (less 10 %).

/** By when the lost event's run is read again: 60 s, its jitter's 6 s, one 12 s grid step. */
const BEST_EFFORT_BY = 78_000;
/** Before this, no Batch job live by events is read again: 300 s less its jitter's 30 s. */
const DURABLE_NOT_BEFORE = 270_000;
/** By when it is: 300 s, its jitter's 30 s, one 60 s grid step. */
const DURABLE_BY = 390_000;

const RUNNING = OMICS_DEMO_RUNS.find((r) => r.status === 'RUNNING')!;
const RUN_KEY = parseGlobalId(`omicsrun:us-east-1:${RUNNING.uuid}:${RUNNING.id}`) as OmicsRunKey;
const BATCH_KEY = parseGlobalId('batch:us-east-1:00000000-0000-4000-8000-000000000102');

describe('A watch live by events reconciles at its kind’s interval', () => {
  it('reads a HealthOmics run whose event was lost again within a minute, a Batch job not before its 300 s', async () => {
    const clock = new ManualScheduler(0);
    /** The run's status upstream; its change is told by no event (the event was lost). */
    let runStatus = 'RUNNING';
    const reads = { run: [] as number[], batch: [] as number[] };
    const registry = new WatchRegistry({
      fetch: (key: JobKey) => {
        if (key.provider === 'AWS_OMICS') {
          reads.run.push(clock.now());
          const { tasks: _tasks, ...run } = RUNNING;
          const wire = JSON.parse(JSON.stringify({ ...run, status: runStatus })) as unknown;
          return Promise.resolve(parseRun(RUN_KEY, wire));
        }
        reads.batch.push(clock.now());
        return Promise.resolve(
          parseJob(key as never, batchDetail({ status: 'RUNNING' }), 'detail'),
        );
      },
      pollMs: 5000,
      maxPollMs: 30_000,
      breakerPauseMs: 10_000,
      scheduler: clock,
      random: seeded(102),
      // Every place live by events, the configured reconciliation at its default.
      events: { covered: () => true, reconcileMs: 300_000 },
      states: new JobStates({ now: () => clock.now() }),
    });
    const told: WatchEvent[] = [];
    registry.watch(RUN_KEY, (event) => told.push(event));
    registry.watch(BATCH_KEY, () => undefined);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const until = async (end: number) => {
      while (clock.now() < end) {
        clock.advance(1000);
        await settle();
      }
    };
    await settle();
    expect([reads.run, reads.batch]).toEqual([[0], [0]]);

    runStatus = 'COMPLETED';
    await until(BEST_EFFORT_BY);
    // One read more, the reconciliation, and the watcher has the finish it missed.
    expect(reads.run).toHaveLength(2);
    expect(reads.run[1]).toBeGreaterThan(0);
    const states = told.flatMap((e) => (e.kind === 'record' ? [e.record.providerStatus] : []));
    expect(states).toEqual(['RUNNING', 'COMPLETED']);
    expect(reads.batch).toEqual([0]);

    await until(DURABLE_NOT_BEFORE - 1000);
    expect(reads.batch).toEqual([0]);
    await until(DURABLE_BY);
    expect(reads.batch).toHaveLength(2);
    registry.close();
  });
});
