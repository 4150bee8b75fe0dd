/**
 * `npm run bench:logs` (issue 87): GetLogEvents calls a minute when 50 people open failed AWS Batch
 * jobs' pages (most of them the same few jobs) and each page asks for the job's last 100 lines, as
 * the console's failed-job page does — beside one call per page view, what a gateway without
 * sharing or keeping would make. Runs the demo gateway (`jobgraph demo`'s, in process) on its
 * default configuration (log budget 5 reads/s per account and region); counts the calls at the
 * emulated CloudWatch Logs. Prints Markdown; talks to 127.0.0.1 only. bench/README.md says more.
 *
 * Settings: BENCH_LOG_SECONDS (60: the minute the views are spread over), BENCH_LOG_PEOPLE (50),
 * BENCH_LOG_VIEWS (4 pages each person opens), BENCH_LOG_HOT (0.8: the share of views on the two
 * hot jobs), BENCH_LOG_SEED (1).
 */
import { Writable } from 'node:stream';
import { mintToken } from '../src/auth/mintToken.ts';
import { SCOPE_LOGS, SCOPE_READ } from '../src/auth/identity.ts';
import { startDemo } from '../src/app.ts';
import { BATCH_JOB_IDS, batchGlobalId } from '../src/emulators/batch/data.ts';
import { post } from './lib/queries.ts';
import { int, text } from './lib/settings.ts';

const SECONDS = int('BENCH_LOG_SECONDS', 60, 1, 3600);
const PEOPLE = int('BENCH_LOG_PEOPLE', 50, 1, 100_000);
const VIEWS = int('BENCH_LOG_VIEWS', 4, 1, 1000);
const HOT = Number(text('BENCH_LOG_HOT') ?? 0.8);
const SEED = int('BENCH_LOG_SEED', 1, 0, 2 ** 31);
let seed = SEED;
/** A seeded random (mulberry32): the same views every run of a seed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const J = BATCH_JOB_IDS;
/** The two hot failed jobs (the demo's failed job and a failed array child). */
const HOT_JOBS = [J.failed, `${J.arrayParent}:2`];
/** Jobs the bench fails first (each has written lines), the cold ones. */
const COLD_JOBS = [
  J.running,
  `${J.multiNode}#0`,
  `${J.multiNode}#1`,
  `${J.multiNode}#2`,
  `${J.arrayParent}:3`,
];

const PAGE = `query Page($id: ID!) { job(id: $id) { id state statusMessage
  ... on BatchJob { statusReason attempts { statusReason } logTail(last: 100) { lines { at message } hasMore consoleUrl unavailable } } } }`;

const silent = new Writable({ write: (_c, _e, done) => done() });
const gateway = await startDemo({
  port: 0,
  env: { LOG_LEVEL: 'warn', JOBGRAPH_EVENT_QUEUES: '' },
  logDestination: silent,
});
try {
  for (const id of COLD_JOBS) gateway.emulators.batch.jobs?.changeState(id, 'FAILED');
  const { jwtSecret, issuer, audience } = gateway.config.auth;
  const tokenOf = (person: number) =>
    mintToken({
      secret: jwtSecret as string,
      scopes: [SCOPE_READ, SCOPE_LOGS],
      subject: `person-${person}`,
      issuer,
      audience,
    });
  // Each person opens VIEWS pages at random moments of the minute: a hot job with HOT's chance.
  const views: { atMs: number; person: number; job: string }[] = [];
  for (let p = 0; p < PEOPLE; p++)
    for (let v = 0; v < VIEWS; v++) {
      const hot = random() < HOT;
      const pool = hot ? HOT_JOBS : COLD_JOBS;
      views.push({
        atMs: Math.floor(random() * SECONDS * 1000),
        person: p,
        job: pool[Math.floor(random() * pool.length)] as string,
      });
    }
  views.sort((a, b) => a.atMs - b.atMs);
  const tokens = await Promise.all(Array.from({ length: PEOPLE }, (_, p) => tokenOf(p)));
  const logCalls = () =>
    gateway.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
  const before = logCalls();
  const outcomes = { lines: 0, throttled: 0, other: 0 };
  const started = Date.now();
  await Promise.all(
    views.map(async (view) => {
      const wait = view.atMs - (Date.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = JSON.stringify({ query: PAGE, variables: { id: batchGlobalId(view.job) } });
      const headers = { authorization: `Bearer ${tokens[view.person]}` };
      const { json } = await post(gateway.server.url, body, headers);
      const job = json.data?.job as { logTail?: { lines: unknown[] } | null } | undefined;
      if (json.errors?.some((e) => e.extensions?.code === 'UPSTREAM_THROTTLED'))
        outcomes.throttled++;
      else if (job?.logTail?.lines.length) outcomes.lines++;
      else outcomes.other++;
    }),
  );
  const elapsedS = (Date.now() - started) / 1000;
  const calls = logCalls() - before;
  const perMinute = (n: number) => ((n * 60) / Math.max(SECONDS, elapsedS)).toFixed(1);
  const distinct = new Set(views.map((v) => v.job)).size;
  process.stdout.write(
    [
      `## Job log calls: ${PEOPLE} people, ${views.length} failed-job page views over ${SECONDS} s`,
      '',
      `Views on the ${HOT_JOBS.length} hot jobs: ${views.filter((v) => HOT_JOBS.includes(v.job)).length}; distinct jobs viewed: ${distinct}; seed ${SEED}; ${new Date().toISOString()}.`,
      '',
      '| figure | jobgraph | one call per page view | ratio |',
      '| --- | --- | --- | --- |',
      `| GetLogEvents calls | ${calls} | ${views.length} | ${(calls / views.length).toFixed(3)} |`,
      `| GetLogEvents calls a minute | ${perMinute(calls)} | ${perMinute(views.length)} | |`,
      `| pages answered with lines | ${outcomes.lines} | | |`,
      `| pages answered UPSTREAM_THROTTLED | ${outcomes.throttled} | | |`,
      `| pages answered otherwise | ${outcomes.other} | | |`,
      '',
    ].join('\n'),
  );
} finally {
  await gateway.close();
}
