import { randomUUID } from 'node:crypto';
import { getHeapSnapshot } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { batchDetail } from '../support/batchEvents.ts';
import { liveBatchWatch } from '../support/liveBatchWatch.ts';

// Issue 88 item 3: a watched job's global ID is one string in the heap, however many hold it
// (the registry's map and the store's pin, the store's entry, each record read for its key),
// where it was one copy per holder. Equal strings are indistinguishable from JavaScript, so the
// copies are counted in a heap snapshot (taken after a full collection).

/** The strings of the heap whose value is `value`, in a snapshot of this process. */
async function copiesInHeap(value: string): Promise<number> {
  let json = '';
  for await (const chunk of getHeapSnapshot()) json += String(chunk);
  const snapshot = JSON.parse(json) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const [typeAt, nameAt] = [fields.indexOf('type'), fields.indexOf('name')];
  const stringTypes = new Set(['string', 'concatenated string', 'sliced string']);
  let n = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[0][snapshot.nodes[i + typeAt]!]!;
    if (stringTypes.has(type) && snapshot.strings[snapshot.nodes[i + nameAt]!] === value) n += 1;
  }
  return n;
}

describe('A watched Batch job', () => {
  it('holds its global ID once: the registry, the store and its records share one string', async () => {
    // Made at run time, one flat string: no other string of the process has this value.
    const id = ['batch', 'us-east-1', randomUUID()].join(':');
    const rig = liveBatchWatch();
    const { clock, states, reads, registry } = rig;
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const before = await copiesInHeap(id);
    registry.watch(parseGlobalId(id), () => undefined);
    await settle();
    // The job moves; its event (a key of its own, as the event's ARN gives) is applied.
    rig.status = 'RUNNING';
    const event = () =>
      parseJob(parseGlobalId(id) as never, batchDetail({ status: rig.status }), 'detail');
    const applied = states.offer(event(), { origin: 'event', at: 0, time: 1, eventId: 'e1' });
    expect(applied).toBe('applied');
    // Until the reconciliation read, which becomes the watch's record.
    for (let t = 0; t < 400 && reads.length < 2; t++) {
      clock.advance(1000);
      await settle();
    }
    expect(reads).toHaveLength(2);
    expect(registry.get(id)!.watch.last).toBe(reads[1]);
    reads.length = 0;
    const held = (await copiesInHeap(id)) - before;
    expect(held).toBe(1);
    registry.close();
  });
});
