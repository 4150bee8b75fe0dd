// The load of `bench:events` (and `bench:watch-heap`): unfinished Batch jobs of two accounts, their watchers, a change.
import { listedDemoJobs, MAX_JOBS_PER_SOURCE } from '@jobgraph/emulators';
import { BATCH_JOB_STATUSES } from '@jobgraph/emulators/batch/jobEvents';
import { newTally, openAll, slices, WatcherConnection, type Update } from './lib/watchers.ts';
import type { CounterSnapshot, EmulatorProcess } from './rig/emulators.ts';
import type { GatewayProcess } from './rig/gateway.ts';
import type { Stack } from './rig/stack.ts';

const IDS_PER_SUBSCRIPTION = 100; // JOBGRAPH_MAX_JOB_IDS' default
const SUBSCRIPTIONS_PER_CALLER = 10; // within JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER's 20
const OPEN = new Set<string>(BATCH_JOB_STATUSES.slice(0, 5));

/**
 * Unfinished big-account Batch jobs, `perAccount` of them (their IDs), and the jobsPerSource
 * holding them. Past what the emulators' biggest account holds unfinished (MAX_JOBS_PER_SOURCE),
 * the rest are finished jobs of it (`revive`: to move back to RUNNABLE, see `revive`).
 */
function unfinishedJobs(perAccount: number) {
  let n = Math.min(MAX_JOBS_PER_SOURCE, Math.ceil(perAccount / 0.07 / 3));
  for (;;) {
    const jobs = listedDemoJobs(Date.now(), { jobsPerSource: n }).batch;
    const open = jobs.filter((j) => OPEN.has(j.providerStatus));
    const nativeOf = (j: (typeof jobs)[number]) => j.globalId.split(':')[2]!;
    if (open.length >= perAccount)
      return { n, native: open.slice(0, perAccount).map(nativeOf), revive: [] };
    if (n === MAX_JOBS_PER_SOURCE) {
      const more = jobs.filter((j) => !OPEN.has(j.providerStatus));
      const revive = more.slice(0, perAccount - open.length).map(nativeOf);
      return { n, native: [...open.map(nativeOf), ...revive], revive };
    }
    n = Math.min(MAX_JOBS_PER_SOURCE, Math.ceil(n * 1.1));
  }
}

/**
 * `jobs` global IDs, half in the default account and half in `staging`, the jobsPerSource holding
 * them, and the native IDs of finished ones among them (`revive`).
 */
export function watchedJobs(jobs: number) {
  const perAccount = Math.ceil(jobs / 2);
  const { n, native, revive } = unfinishedJobs(perAccount);
  const ids = [
    ...native.map((id) => `batch:us-east-1:${id}`),
    ...native.slice(0, jobs - perAccount).map((id) => `batch@staging:us-east-1:${id}`),
  ];
  return { n, ids, revive };
}

/**
 * Move finished jobs (native IDs, in both accounts) back to RUNNABLE on the Batch emulator,
 * 64 at a time: each publishes its event, which a gateway running then applies.
 */
export async function revive(emulators: EmulatorProcess, native: readonly string[]) {
  const moves = native.flatMap((jobId) =>
    ['default', 'staging'].map((account) => ({ jobId, status: 'RUNNABLE', account })),
  );
  let next = 0;
  const one = async () => {
    while (next < moves.length) {
      const res = await fetch(`${emulators.urls.batch}/__emulator/jobs/state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(moves[next++]),
      });
      if (!res.ok) throw new Error(`revive: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, one));
}

/** The watchers: each job's last status seen, the changes not yet seen ([status, ms asked]), delivery times. */
export type Watched = Awaited<ReturnType<typeof watch>>;

/** Ten subscriptions of 100 IDs per caller (its own token and WebSocket); resolves once every job was seen. */
export async function watch(stack: Stack, gateway: GatewayProcess, ids: string[]) {
  const w = {
    status: new Map<string, string>(),
    awaited: new Map<string, [string, number]>(),
    latencies: [] as number[],
    tally: newTally(),
  };
  const onEvent = ({ id, providerStatus }: Update) => {
    if (!providerStatus) return;
    w.status.set(id, providerStatus);
    const want = w.awaited.get(id);
    if (want?.[0] === providerStatus) {
      w.latencies.push(Date.now() - want[1]);
      w.awaited.delete(id);
    }
  };
  const callers = slices(ids, IDS_PER_SUBSCRIPTION * SUBSCRIPTIONS_PER_CALLER);
  const make = await Promise.all(
    callers.map(async (own, c) => {
      const token = await stack.callerToken(`events-${c}`, ['default', 'staging']);
      const watches = slices(own, IDS_PER_SUBSCRIPTION);
      const options = { fields: 'id providerStatus', onEvent };
      return () => new WatcherConnection('ws', gateway.url, token, watches, w.tally, options);
    }),
  );
  const open = await openAll(make, make.length, 30 * 60_000);
  return { ...w, close: () => open.forEach((c) => c.close()) };
}

/** Move `globalId`'s job one status on (never to a finished one but from RUNNING), on its account. */
export async function change(
  emulators: EmulatorProcess,
  w: Watched,
  globalId: string,
): Promise<void> {
  const from = w.status.get(globalId)!;
  const status = BATCH_JOB_STATUSES[BATCH_JOB_STATUSES.indexOf(from as 'RUNNING') + 1]!;
  const account = globalId.startsWith('batch@staging:') ? 'staging' : 'default';
  const asked = Date.now();
  w.awaited.set(globalId, [status, asked]);
  const res = await fetch(`${emulators.urls.batch}/__emulator/jobs/state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobId: globalId.split(':')[2], status, account }),
  });
  if (!res.ok) throw new Error(`changeState ${globalId}: ${res.status} ${await res.text()}`);
}

/** One change in each account: its jobs are live by events once an event of theirs is applied. */
export async function liven(emulators: EmulatorProcess, w: Watched, order: string[]) {
  for (const account of ['batch:', 'batch@staging:']) {
    const at = order.findIndex((id) => id.startsWith(account));
    await change(emulators, w, order.splice(at, 1)[0]!);
  }
}

/** The Batch calls since `before`, by kind: DescribeJobs (and the jobs they named), ListJobs, the rest. */
export async function batchCalls(emulators: EmulatorProcess, before: CounterSnapshot) {
  const calls = (await emulators.callsSince(before)).filter((c) => c.emulator === 'batch');
  const describes = calls.filter((c) => c.operation.startsWith('DescribeJobs '));
  const described = describes.reduce((n, c) => n + Number(c.operation.split(' ')[1]), 0);
  const lists = calls.filter((c) => c.operation.startsWith('ListJobs')).length;
  return {
    calls: describes.length,
    described,
    lists,
    other: calls.length - describes.length - lists,
  };
}
