import { describe, expect, it } from 'vitest';
import { fetchJobShared, type GuardedSource } from '../../src/datasources/guard/loader.ts';
import { listedDemoJobs, IN_PLACE_PROGRESSING_JOB_IDS } from '@jobgraph/emulators';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import type { RecordedCall } from '@jobgraph/emulators/framework';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { listedSignature } from '../../src/subscriptions/watchLister.ts';
import { clearCalls } from '../support/gateway.ts';
import { useClockedGateway } from '../support/useClockedGateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { unsnapshottedWatchLister } from '../support/watchLister.ts';

const QUERY = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus terminal
  ... on CosBatchJob { progressSummary { numberOfTasksSucceeded totalNumberOfTasks } } } }`;

const REGION = DEMO_TENCENT_CREDENTIALS.region;
const PROGRESSING = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch;
const PROGRESSING_CALL = `${REGION}/${COS_PROGRESSING_JOB_ID}`;
const TERMINAL = ['Complete', 'Failed', 'Cancelled'];

/**
 * Where the test puts the emulators' clock in the progressing COS job's cycle, one step after the
 * other, and what the job is there: every step is a change (state, status or task count).
 */
const STEPS: { at: number; is: string }[] = [
  { at: 2_000, is: 'QUEUED New 0/0' },
  { at: 8_000, is: 'QUEUED Preparing 0/0' },
  { at: 14_000, is: 'QUEUED Ready 0/120' },
  { at: 20_000, is: 'IN_PROGRESS Active 12/120' },
  { at: 30_000, is: 'IN_PROGRESS Active 52/120' },
  { at: 40_000, is: 'IN_PROGRESS Active 92/120' },
  { at: 48_000, is: 'IN_PROGRESS Completing 120/120' },
  { at: 55_000, is: 'SUCCEEDED Complete 120/120 terminal' },
];

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let emulatorNow = EPOCH;
const { gw, clock, hub, idle } = useClockedGateway(() => emulatorNow, EPOCH);
const cosCalls = (): RecordedCall[] => gw.emulators.cosbatch.calls;
const isList = (c: RecordedCall) => c.operation === 'ListJobs';

const describeEvent = (e: Event | null): string => {
  const job = e?.data?.jobUpdates as {
    state: string;
    providerStatus: string;
    terminal: boolean;
    progressSummary: { numberOfTasksSucceeded: number; totalNumberOfTasks: number };
  };
  const p = job.progressSummary;
  return `${job.state} ${job.providerStatus} ${p.numberOfTasksSucceeded}/${p.totalNumberOfTasks}${job.terminal ? ' terminal' : ''}`;
};

/**
 * Watch the progressing COS job (and `others`) in one subscription while the emulators' clock
 * goes through STEPS; after each step, fire the pollers' timers one by one until the progressing
 * job has been polled. Returns its events and the COS calls of each timer fired.
 */
async function watchThroughTheCycle(others: string[]) {
  emulatorNow = EPOCH + (STEPS[0] as { at: number }).at;
  clearCalls(gw);
  const ids = [PROGRESSING, ...others];
  const sub = subscribe(gw.server.url, 'sse', QUERY, { token: gw.tokens.read, variables: { ids } });
  const firsts: Event[] = [];
  for (let i = 0; i < ids.length; i++) firsts.push((await sub.next()) as Event);
  const progressing = [describeEvent(firsts.find((e) => e.data?.jobUpdates?.id === PROGRESSING)!)];
  const firstCalls = cosCalls().length;
  await idle();
  const ticks: RecordedCall[][] = [];
  for (const step of STEPS.slice(1)) {
    emulatorNow = EPOCH + step.at;
    const next = sub.next();
    for (let fired = 0; ; fired++) {
      if (fired > 10) throw new Error(`the progressing job was not polled after ${step.at} ms`);
      const before = cosCalls().length;
      clock.fireNext();
      await Promise.race([idle(), next]);
      const tick = () => cosCalls().slice(before);
      if (!tick().some((c) => c.job === PROGRESSING_CALL)) {
        ticks.push(tick());
        continue;
      }
      const event = await next;
      expect(event?.data?.jobUpdates?.id).toBe(PROGRESSING);
      progressing.push(describeEvent(event));
      if (!event?.data?.jobUpdates?.terminal) await idle();
      ticks.push(tick());
      break;
    }
  }
  return { sub, firsts, firstCalls, progressing, ticks };
}

describe('Watching many COS Batch jobs of one account and region', () => {
  it('sends every change of the progressing job, as watching it alone does, with one describe per tick at most instead of one per job', async () => {
    // The describe path: the job watched alone.
    const alone = await watchThroughTheCycle([]);
    expect(alone.progressing).toEqual(STEPS.map((s) => s.is));
    expect(await alone.sub.next()).toBeNull();
    await alone.sub.close();
    expect(alone.ticks.flat().filter(isList)).toEqual([]);
    await expect.poll(() => hub().registry.size()).toBe(0);

    // Five still jobs of the same account and region beside it: the list stands in for their describes.
    const still = listedDemoJobs(EPOCH)
      .cosbatch.filter((j) => !TERMINAL.includes(j.providerStatus))
      .slice(0, 5)
      .map((j) => j.globalId);
    const many = await watchThroughTheCycle(still);
    try {
      expect(many.progressing).toEqual(alone.progressing);
      for (const id of still)
        expect(many.firsts.filter((e) => e.data?.jobUpdates?.id === id)).toHaveLength(1);
      // Every job's first event came from its describe.
      expect(many.firstCalls).toBe(6);
      const calls = many.ticks.flat();
      expect(calls.filter(isList).length).toBeGreaterThan(0);
      // The still jobs are never described again: each tick describes the progressing job or nothing.
      for (const tick of many.ticks) {
        const describes = tick.filter((c) => !isList(c));
        expect(describes.every((c) => c.job === PROGRESSING_CALL)).toBe(true);
        expect(describes.length).toBeLessThan(1 + still.length);
      }
      // Per poll round, fewer upstream calls than the six describes of the describe path.
      expect(calls.length).toBeLessThan(many.ticks.length * (1 + still.length));
    } finally {
      await many.sub.close();
    }
    await expect.poll(() => hub().registry.size()).toBe(0);
    await expect.poll(() => hub().open()).toBe(0);
  });

  it('lists every unfinished COS Batch and Panorama demo job as its describe answers it, the progressing jobs at every step', async () => {
    const lister = unsnapshottedWatchLister(gw);
    const lists = listedDemoJobs(EPOCH);
    const unfinished = [
      ...lists.cosbatch.filter((j) => !TERMINAL.includes(j.providerStatus)),
      ...lists.panorama.filter((j) => j.providerStatus === 'PENDING'),
    ].map((j) => j.globalId);
    const check = async (ids: string[]) => {
      const keys = ids.map((id) => parseGlobalId(id));
      for (const source of new Set(keys.map((k) => lister.sourceOf(k)))) {
        const mine = keys.filter((k) => lister.sourceOf(k) === source);
        const wanted = new Set(ids.filter((_, i) => lister.sourceOf(keys[i]!) === source));
        const pass = await lister.list(mine[0]!, wanted, 40, new AbortController().signal);
        for (const key of mine) {
          const record = await fetchJobShared(
            gw.sources[key.provider] as GuardedSource,
            key as never,
          );
          expect(pass.seen.get(record.id), record.id).toBe(listedSignature(record));
        }
      }
    };
    emulatorNow = EPOCH + 60_000;
    await check(unfinished);
    for (const step of STEPS) {
      emulatorNow = EPOCH + 60_000 + step.at;
      await check([PROGRESSING, IN_PLACE_PROGRESSING_JOB_IDS.panorama]);
    }
  });
});
