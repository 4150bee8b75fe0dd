import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import type { AnswerMemo } from '../../src/datasources/shared/answerMemo.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { liveBatchWatch } from '../support/liveBatchWatch.ts';

// Issue 88 item 3: a watched job holds one record, not two. Its read schedule's memo keeps the
// last answer's record; after an event's news the memo lets it go, and the reconciliation read
// that shows the event's state becomes the watch's record, the memo's own.

const ID = 'batch:us-east-1:00000000-0000-4000-8000-00000000a001';
const KEY = parseGlobalId(ID);

describe('A watched Batch job live by events', () => {
  it('holds one record: the event’s until the reconciliation read, then the read’s, the memo’s own', async () => {
    const memos: AnswerMemo[] = [];
    const rig = liveBatchWatch((_, memo) => memos.push(memo));
    const { clock, states, reads, registry } = rig;
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    registry.watch(KEY, () => undefined);
    await settle();
    const watch = registry.get(ID)!.watch;
    expect(watch.last).toBe(reads[0]);
    expect(memos[0]!.value).toBe(reads[0]);
    // The job moves; its event is applied.
    rig.status = 'RUNNING';
    const event = parseJob(KEY as never, batchDetail({ status: rig.status }), 'detail');
    expect(states.offer(event, { origin: 'event', at: clock.now(), time: 1, eventId: 'e1' })).toBe(
      'applied',
    );
    expect(watch.last).toBe(event);
    // The memo let the read's record go: the job holds the event's alone.
    expect(memos[0]!.value).toBeUndefined();
    // The reconciliation read shows the same state: its record is the watch's from now on.
    for (let t = 0; t < 400 && reads.length < 2; t++) {
      clock.advance(1000);
      await settle();
    }
    expect(reads).toHaveLength(2);
    expect(watch.last).toBe(reads[1]);
    expect(memos[1]!.value).toBe(reads[1]);
    registry.close();
  });
});
