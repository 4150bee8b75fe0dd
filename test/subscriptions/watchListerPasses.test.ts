import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COSBATCH_WATCH } from '../../src/datasources/cosbatch/listing.ts';
import { guardedCall } from '../../src/datasources/listing/guardedCall.ts';
import { Snapshot } from '../../src/datasources/listing/snapshot.ts';
import { ListSnapshots } from '../../src/datasources/listing/snapshots.ts';
import { AnswerMemo } from '../../src/datasources/shared/answerMemo.ts';
import { listedDemoJobs } from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { createWatchLister } from '../../src/subscriptions/watchLister.ts';
import { startListingRig, type ListingRig } from '../datasources/listing/support.ts';

/**
 * A watched source's list pass whose pages came back byte-identical (issue 60): its listed jobs
 * are the last pass's, not built again, and its snapshot is the last one retaken; a changed page
 * is read anew. Counted (which objects, how many builds), not timed.
 */

const JOBS = 1200; // two COS ListJobs pages of up to 1000
let at = Date.now();
let rig: ListingRig;
beforeAll(async () => {
  rig = await startListingRig({ anchorMs: at, jobsPerSource: JOBS, now: () => at });
});
afterAll(async () => rig?.close());

const cosKey = () =>
  parseGlobalId(listedDemoJobs(rig.anchorMs, { jobsPerSource: JOBS }).cosbatch[0]!.globalId);

describe('A watched list page whose body did not change', () => {
  it('is the last page of listed jobs again, the very object; without a memo it is built anew', async () => {
    const key = cosKey() as Parameters<typeof COSBATCH_WATCH.page>[2];
    const ctx = { caller: 'test', signal: undefined, calls: 0 };
    const guarded = rig.sources.TENCENT_COS_BATCH;
    const answer = new AnswerMemo();
    const read = (memo?: AnswerMemo) =>
      COSBATCH_WATCH.page(
        (operation, input, where) => guardedCall(guarded, operation, input, where, ctx, memo),
        rig.config,
        key,
        null,
        'watch:test',
      );
    const first = await read(answer);
    expect(first.items).toHaveLength(1000);
    expect(await read(answer)).toBe(first);
    const unmemoised = await read();
    expect(unmemoised).not.toBe(first);
    expect(unmemoised.items[0]).not.toBe(first.items[0]);
    expect(unmemoised).toEqual(first);
    expect(ctx.calls).toBe(3);
  });
});

describe('A watched list pass', () => {
  it('retakes the last snapshot when every page is unchanged, and builds one when a page changed', async () => {
    let clock = 1_000_000;
    const snapshots = new ListSnapshots({ ttlMs: 60_000, now: () => clock });
    const lister = createWatchLister({
      sources: rig.sources,
      config: rig.config,
      caller: 'test',
      snapshots,
    });
    const key = cosKey();
    const source = lister.sourceOf(key)!;
    const of = vi.spyOn(Snapshot, 'of');
    // maxAgeMs 0: each pass reads the list again (the held snapshot is 1 ms old by then).
    const pass = async () => {
      clock += 1;
      const listed = await lister.list(key, new Set(), 10, new AbortController().signal, 0);
      return { ...listed, snapshot: snapshots.held(source, 60_000)! };
    };
    try {
      const first = await pass();
      expect(first).toMatchObject({ calls: 2, complete: true });
      expect(first.snapshot.size).toBe(JOBS);
      expect(of).toHaveBeenCalledTimes(1);

      const second = await pass();
      expect(second.calls).toBe(2);
      expect(of).toHaveBeenCalledTimes(1); // not built again
      expect(second.snapshot).not.toBe(first.snapshot);
      expect(second.snapshot.takenAt).toBe(first.snapshot.takenAt + 1);
      expect(second.snapshot.size).toBe(JOBS);
      for (const i of [0, 999, JOBS - 1])
        expect(second.snapshot.item(i)).toEqual(first.snapshot.item(i));
      const id = first.snapshot.item(0).id;
      expect(second.seen.get(id)).toBe(first.seen.get(id));

      // 20 s on, the progressing job (on the last page) has moved: that page is read anew.
      at += 20_000;
      const third = await pass();
      expect(of).toHaveBeenCalledTimes(2);
      const changed = [...Array(JOBS).keys()].filter(
        (i) => JSON.stringify(third.snapshot.item(i)) !== JSON.stringify(second.snapshot.item(i)),
      );
      expect(changed).toHaveLength(1);

      // Released (no job of the source watched any more): the next pass builds its own.
      lister.release!(source);
      await pass();
      expect(of).toHaveBeenCalledTimes(3);
    } finally {
      of.mockRestore();
    }
  });
});
