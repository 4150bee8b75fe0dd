// QueueBlocks (src/queues/blocks.ts): the blocked queues the job-state store told of, kept per
// queue until a later observation of the blocking job shows it no longer waiting RUNNABLE in that
// queue for that reason. Fed by a real JobStates, as the gateway subscribes it.
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { QueueBlocks } from '../../src/queues/blocks.ts';
import { batchDetail } from '../support/batchEvents.ts';

const JOB = '00000000-0000-4000-8000-000000000001';
const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/spot';
const REASON = 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no Spot capacity';

function record(status: string, statusReason: string | undefined = REASON): JobRecord {
  const key = parseGlobalId(`batch:us-east-1:${JOB}`);
  const detail = batchDetail({ jobId: JOB, status, statusReason, jobQueue: QUEUE });
  return parseJob(key as never, { ...detail, stoppedAt: undefined, startedAt: undefined }, 'd');
}

function told() {
  const store = new JobStates();
  const blocks = new QueueBlocks();
  store.subscribe(blocks.subscriber);
  const blocked = (at: number) =>
    store.offer(record('RUNNABLE'), {
      origin: 'event',
      time: at,
      blocked: { queue: QUEUE, reason: REASON },
    });
  return { store, blocks, blocked };
}

describe('QueueBlocks', () => {
  it('keeps a queue’s block from the earliest event of its job and reason, and ends it when the job starts', () => {
    const { store, blocks, blocked } = told();
    blocked(Date.parse('2026-11-25T12:00:05Z'));
    blocked(Date.parse('2026-11-25T12:00:03Z'));
    expect(blocks.of(QUEUE)).toEqual({
      since: '2026-11-25T12:00:03.000Z',
      id: `batch:us-east-1:${JOB}`,
      reason: REASON,
    });
    store.offer(record('STARTING', undefined), {
      origin: 'event',
      time: Date.parse('2026-11-25T12:01:00Z'),
    });
    expect(blocks.of(QUEUE)).toBeUndefined();
  });

  it('keeps nothing of a stale event, and a read of the job still blocked keeps the block', () => {
    const { store, blocks, blocked } = told();
    store.offer(record('STARTING', undefined), { origin: 'event', time: 10 });
    blocked(5);
    expect(blocks.of(QUEUE)).toBeUndefined();
    const fresh = told();
    fresh.blocked(5);
    fresh.store.offer(record('RUNNABLE'), { origin: 'read', at: fresh.store.now() });
    expect(fresh.blocks.of(QUEUE)?.reason).toBe(REASON);
  });
});
