import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import { useLiveReplicas } from '../support/liveReplicas.ts';
import type { LiveProcess } from '../support/liveProcess.ts';

// One transition, one row (issue #85, item 4): two compiled gateways (live mode, bin/jobgraph.mjs)
// sharing one history store and one set of emulators each read the same Batch job, at the same
// moment, in each of its states; the store holds each change once, whatever replica wrote it first.

const QUERY = `query($id: ID!) { job(id: $id) { id state } }`;

async function ask(replica: LiveProcess, token: string, id: string) {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { id } }),
  });
  return (await res.json()) as { data?: { job?: { state: string } | null }; errors?: unknown };
}

/** A series' value on a replica's /metrics (0 when absent). */
async function metric(replica: LiveProcess, series: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', replica.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Two gateways sharing a ${name}`, () => {
    // Each read is the provider's: no finished job kept in either process.
    const live = useLiveReplicas(fresh, { JOBGRAPH_CACHE_MAX_ENTRIES: '0' });
    const { replicas } = live;
    let token: string;
    beforeAll(async () => {
      token = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    });

    it('write each change of a job both read once: its first sight and its finish, one row each', async () => {
      const native = BATCH_JOB_IDS.running;
      const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
      const id = example.slice(0, example.lastIndexOf(':') + 1) + native;
      const written = async () =>
        (
          await Promise.all(
            replicas.map((r) => metric(r, 'jobgraph_history_writes_total{outcome="written"}')),
          )
        ).reduce((a, b) => a + b, 0);
      const both = async (state: string) => {
        const before = await written();
        const answers = await Promise.all(replicas.map((r) => ask(r, token, id)));
        for (const a of answers) expect(a.data?.job?.state).toBe(state);
        // Each replica's change is through its group commit (written, or found already written).
        await vi.waitFor(async () => expect(await written()).toBeGreaterThanOrEqual(before + 2), {
          timeout: 15_000,
          interval: 50,
        });
      };
      await both('IN_PROGRESS');
      live.emulators.batch.jobs!.changeState(native, 'SUCCEEDED');
      await both('SUCCEEDED');

      const db = (await openHistoryDatabase(live.store))!;
      try {
        const transitions = await new HistoryReader(db).transitions(id, '*');
        expect(transitions.map((t) => [t.from, t.to, t.source])).toEqual([
          [null, 'IN_PROGRESS', 'READ'],
          ['IN_PROGRESS', 'SUCCEEDED', 'READ'],
        ]);
      } finally {
        await db.close();
      }
      for (const r of replicas)
        expect(await metric(r, 'jobgraph_history_writes_total{outcome="failed"}')).toBe(0);
    });
  });
}
