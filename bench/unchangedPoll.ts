/**
 * `npm run bench:unchanged-poll` (issue 60): what a watched job's poll costs the gateway when its
 * answer did not change, beside the floor's bare call for the same job; what it measures and its
 * settings, bench/README.md. Rounds alternate which side goes first; the verdict is the median of
 * the rounds' ratios. Prints Markdown; talks to 127.0.0.1 only.
 */
import { pollSlotMs } from '../src/subscriptions/pollSlots.ts';
import { callsOf, floorClient, type FloorAnswer } from './lib/floor.ts';
import { probeFixtures } from './lib/context.ts';
import { UnknownIdGenerator } from './lib/ids.ts';
import { JOB_PARTS, profileIn, profileParts, windowOf } from './lib/profile.ts';
import { readPollSettings } from './lib/settings.ts';
import { newTally, slices, WatcherConnection } from './lib/watchers.ts';
import { metricSeries, metricValue, scrape } from './rig/gateway.ts';
import { cpuTimeMicros, REPO_ROOT, scratchDir, sleep } from './rig/proc.ts';
import { profileTables } from './rig/cpuReport.ts';
import { columns, loadAverage, passMiss, runLine } from './rig/report.ts';
import { logger, release, runBench, startStack, track, type Stack } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const log = logger('unchanged-poll');
const s = readPollSettings();
const slotMs = pollSlotMs(s.pollMs); // the gateway's poll slots (src/subscriptions/pollSlots.ts)
/** The floor's paced calls and the jobs they carried, over every round. */
const floorCalls = { calls: 0, jobs: 0 };
/** A job's parts (lib/profile.ts), with the watch's own: pollers, their scheduler and the answer memo. */
const POLL_PARTS = [
  {
    name: 'watch: pollers, scheduler, answer memo',
    test: (url: string) =>
      /\/dist\/(subscriptions\/|datasources\/shared\/answerMemo\.js$)/.test(url),
  },
  ...JOB_PARTS,
];

type Gateway = Awaited<ReturnType<Stack['gateway']>>;
type Floor = ReturnType<typeof floorClient>;
type Round = Awaited<ReturnType<typeof gatewayRound>> & { floor: number; burst: number };

/** Polls of watched jobs so far, and upstream calls of every kind (a list-assisted pass lists). */
async function counts(gateway: Gateway) {
  const text = await scrape(gateway);
  const series = metricSeries(text, 'jobgraph_upstream_requests_total');
  const sum = (of: typeof series) => of.reduce((n, [, value]) => n + value, 0);
  const polls = metricValue(text, 'jobgraph_watch_polls_total', 'role="alone"');
  const batch = sum(series.filter(([labels]) => labels.includes('provider="AWS_BATCH"')));
  const pollers = metricValue(text, 'jobgraph_watch_pollers');
  return { polls, pollers, batch, calls: sum(series) };
}

/** Gateway CPU µs per job polled over one window. */
async function gatewayRound(gateway: Gateway, batchJobs: number) {
  // Scrape, then read the CPU: the window holds no scrape of its own.
  const at0 = await counts(gateway);
  const cpu0 = gateway.cpuMicros();
  await sleep(s.windowSeconds * 1000);
  const [cpu1, at1] = [gateway.cpuMicros(), await counts(gateway)];
  const polled = at1.polls - at0.polls;
  const batch = (at1.batch - at0.batch) / ((polled * batchJobs) / at1.pollers); // per Batch poll
  return { gateway: (cpu1 - cpu0) / polled, polled, calls: at1.calls - at0.calls, batch };
}

/**
 * Floor CPU µs per job for `jobs` bare calls: `paced`, spread evenly over the window's poll slots
 * as the gateway's polls are (pollSlots.ts: one wake-up a slot), each slot's jobs sent together,
 * AWS Batch's in one DescribeJobs per 100 (the verdict's floor: the same wake-ups and calls);
 * else all of a pass at once (informational: a whole pass shares its wake-ups).
 */
async function floorRound(floor: Floor, ids: string[], jobs: number, paced: boolean) {
  const before = cpuTimeMicros(process.pid);
  const slots = Math.max(1, Math.round((s.windowSeconds * 1000) / slotMs));
  const started = performance.now();
  const calls: Promise<FloorAnswer[]>[] = [];
  for (let done = 0, slot = 1; done < jobs; slot++) {
    if (paced) {
      const [due, upTo] = [[] as string[], Math.round((slot * jobs) / slots)];
      while (done < upTo) due.push(ids[done++ % ids.length]!);
      if (due.length > 0) calls.push(floor.send(due));
      floorCalls.calls += callsOf(due).length;
      floorCalls.jobs += due.length;
      const wait = started + slot * slotMs - performance.now();
      if (wait >= 1) await sleep(wait);
    } else {
      calls.push(...ids.map((id) => floor.send([id])));
      done += ids.length;
      await Promise.all(calls.slice(-ids.length));
    }
  }
  const wrong = (await Promise.all(calls)).flat().find((a) => a.status !== 200);
  if (wrong) throw new Error(`floor call for ${wrong.provider} answered ${wrong.status}`);
  return (cpuTimeMicros(process.pid) - before) / jobs;
}

/** The report's rounds table and verdict. */
function render(rounds: Round[]): string[] {
  const ratio = median(rounds.map((x) => x.gateway / x.floor));
  return [
    `## An unchanged poll (${runLine(REPO_ROOT)})`,
    '',
    `${s.jobs} watched unfinished jobs of the six providers, polled every ${s.pollMs} ms in slots of ${slotMs} ms; ${s.rounds} rounds of ${s.windowSeconds} s; load average ${loadAverage()}.`,
    '',
    ...columns(rounds, [
      ['round', (_, i) => i + 1],
      ['polls', (x) => x.polled],
      ['upstream calls', (x) => x.calls],
      ['gateway µs/job', (x) => x.gateway.toFixed(1)],
      ['floor µs/job, paced', (x) => x.floor.toFixed(1)],
      ['÷ floor', (x) => `${(x.gateway / x.floor).toFixed(2)}×`],
      ['floor µs/job, all at once', (x) => x.burst.toFixed(1)],
    ]),
    '',
    `Median of the rounds' ratios: **${ratio.toFixed(2)}×** the floor's bare call (goal ≤ 1.1×: ${passMiss(ratio <= 1.1)}). Upstream calls per poll: gateway ${median(rounds.map((x) => x.calls / x.polled)).toFixed(2)} (AWS Batch ${median(rounds.map((x) => x.batch)).toFixed(2)}), floor ${(floorCalls.calls / floorCalls.jobs).toFixed(2)}.`,
  ];
}

runBench(log, async () => {
  const stack = await startStack();
  await probeFixtures(stack);
  const ids = new UnknownIdGenerator().take(s.jobs, 'running');
  const batchJobs = ids.filter((id) => id.startsWith('batch:')).length;
  const period = String(s.pollMs);
  const profileDir = s.profile ? scratchDir('jobgraph-poll-profile-') : null;
  const gateway = await stack.gateway({
    label: 'watching',
    // Events off (the demo's queues would make Batch and HealthOmics reconciliation reads): all polled.
    extraEnv: {
      JOBGRAPH_WATCH_POLL_MS: period,
      JOBGRAPH_WATCH_MAX_POLL_MS: period,
      JOBGRAPH_EVENT_QUEUES: '',
    },
    ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
  });
  const tally = newTally();
  const token = await stack.callerToken('poller');
  const connection = new WatcherConnection('ws', gateway.url, token, slices(ids, 50), tally);
  track({ stop: async () => connection.close() });
  await connection.whenReady(120_000);
  if (connection.readyAt === null) throw new Error(`watches not ready: ${JSON.stringify(tally)}`);
  const floor = floorClient(stack.emulators.urls, { parse: false });
  track({ stop: async () => floor.close() });
  await Promise.all(ids.map((id) => floor.send([id]))); // warm-up: sockets, JIT
  await sleep(3 * s.pollMs); // the gateway's first polls, its JIT

  const rounds: Round[] = [];
  const expected = (s.jobs * s.windowSeconds * 1000) / s.pollMs;
  const window = await windowOf(async () => {
    for (let r = 0; r < s.rounds; r++) {
      let floorUs = r % 2 === 0 ? await floorRound(floor, ids, expected, true) : 0;
      const g = await gatewayRound(gateway, batchJobs);
      if (r % 2 === 1) floorUs = await floorRound(floor, ids, g.polled, true);
      const burst = await floorRound(floor, ids, g.polled, false);
      rounds.push({ ...g, floor: floorUs, burst });
      log(
        `round ${r + 1}: gateway ${g.gateway.toFixed(1)} µs/job (${g.polled} polls), floor ${floorUs.toFixed(1)}`,
      );
    }
  });
  if (tally.events > s.jobs || tally.errors + tally.reconnects + tally.closes > 0)
    throw new Error(`the watched jobs changed or a watch failed: ${JSON.stringify(tally)}`);
  const lines = render(rounds);
  if (profileDir) {
    await release(gateway); // --cpu-prof writes its profile on exit
    const file = profileIn(profileDir)!;
    const perJob = median(rounds.map((x) => x.gateway));
    const part = `part of a poll (gateway ${perJob.toFixed(0)} µs, the rounds' median, split by the profile)`;
    lines.push(
      '',
      ...columns(profileParts(file, window, POLL_PARTS), [
        [part, (p) => p.name],
        ['µs', (p) => (p.share * perJob).toFixed(0)],
        ['%', (p) => (p.share * 100).toFixed(1)],
      ]),
      '',
      ...profileTables('gateway', { file, root: REPO_ROOT }, window, 20),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
});
