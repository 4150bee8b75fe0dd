import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeRules, UnknownIdGenerator, PROVIDERS } from '../../bench/lib/ids.ts';
import {
  exampleGlobalIds,
  startEmulators,
  type EmulatorName,
  type EmulatorSet,
} from '@jobgraph/emulators';
import {
  OMICS_DEMO_JOB_IDS,
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_REGION,
} from '@jobgraph/emulators/omics/data';
import type { LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import {
  kill,
  logged,
  metricsOf,
  replicaEnv,
  startRedisServer,
  startReplicas,
  Watcher,
  watcherToken,
  type RedisServer,
} from '../subscriptions/clusterSupport.ts';

// The rate budget under load, through real parts: three jobgraph processes (live mode, the compiled
// CLI) sharing one real redis-server, in front of ONE set of emulators that this test process runs,
// so the emulators see every upstream call of the cluster; six callers (their own token subjects,
// two per replica) drive describes as fast as they are answered, and one subscriber watches two
// jobs (the pollers' calls count too). Each emulator's arrivals are timed as they come (its
// `request` event). Every loop is bounded by a time and a count; everything is killed in afterAll.
//
// What it asserts holds however busy the machine is: the turns are spaced on Redis's clock, so the
// calls that arrive while the callers drive load are at most one turn a limit's interval over that
// time (a slow machine only makes fewer); a request asking four times a second's worth of one
// provider's jobs is refused some of them, whatever the load. How fast answers came and the most
// calls in one second are figures, printed, not asserted: a busy machine delays calls and bunches
// their arrivals.

/** Calls per second per provider (and region: every job here is in one region of its provider). */
const LIMITS: Record<(typeof PROVIDERS)[number], number> = {
  panorama: 5,
  omics: 5,
  codepipeline: 10,
  importexport: 5,
  cosbatch: 10,
};
const RATE_LIMITS = 'panorama=5,omics=5,codepipeline=10,importexport=5,cos=10';
/** JOBGRAPH_UPSTREAM_BUDGET_MS: short, so a refused call answers soon. */
const BUDGET_MS = 1_500;
const REPLICAS = 3;
const CALLERS = 6;
/** How long the callers drive load. */
const LOAD_MS = 8_000;
const LONG = 60_000;
const QUERY = 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }';

const redisServer = realPart('redis-server');

type Answer = {
  data?: { jobs?: ({ id: string } | null)[] };
  errors?: {
    message?: string;
    path?: unknown[];
    extensions?: { code?: string; retryAfterMs?: unknown };
  }[];
};

/**
 * What the `i`-th job of a `jobs` answer got: the job, UPSTREAM_THROTTLED with its estimate of a
 * free turn, or the budget's end (its turn came, but a busy machine made the call itself outlast
 * the budget: the budget working, not a fault); anything else is unexpected.
 */
function outcomeOf(
  id: string,
  i: number,
  body: Answer,
): 'ok' | 'throttled' | 'budget' | 'unexpected' {
  if (body.data?.jobs?.[i]?.id === id) return 'ok';
  const error = body.errors?.find((e) => e.path?.[0] === 'jobs' && e.path[1] === i);
  const code = error?.extensions?.code;
  if (code === 'UPSTREAM_THROTTLED' && typeof error?.extensions?.retryAfterMs === 'number')
    return 'throttled';
  if (code === 'UPSTREAM_UNAVAILABLE' && error?.message?.endsWith(`within ${BUDGET_MS} ms.`))
    return 'budget';
  return 'unexpected';
}

/** The most calls in any one second (a window [t, t + 1000 ms) starting at each call): a figure, printed. */
function mostInOneSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe.skipIf(redisServer.skip)(
  'One rate budget per provider across replicas (JOBGRAPH_UPSTREAM_RATE_LIMITS)',
  () => {
    let redis: RedisServer | undefined;
    let emulators: EmulatorSet | undefined;
    const processes: LiveProcess[] = [];
    const watchers: Watcher[] = [];
    const arrivals = {} as Record<EmulatorName, number[]>;

    beforeAll(async () => {
      redis = await startRedisServer();
      emulators = await startEmulators();
      const example = exampleGlobalIds();
      const templates = Object.fromEntries(
        PROVIDERS.map((p) => [p, { finished: example[p], running: example[p] }]),
      ) as Record<EmulatorName, { finished: string; running: string }>;
      // The watched jobs follow an unfinished HealthOmics job, so their pollers go on polling.
      templates.omics.running = `omics:${OMICS_DEMO_REGION}:${OMICS_DEMO_REFERENCE_STORE_ID}:${OMICS_DEMO_JOB_IDS.submitted}`;
      const synthesize = synthesizeRules(templates);
      for (const name of PROVIDERS) {
        emulators[name].setFaults({ synthesize });
        const times: number[] = [];
        arrivals[name] = times;
        emulators[name].events.on('request', () => times.push(performance.now()));
      }
      processes.push(
        ...(await startReplicas(REPLICAS, {
          ...replicaEnv(emulators, redis.url, 500),
          JOBGRAPH_WATCH_MAX_POLL_MS: '4000',
          JOBGRAPH_UPSTREAM_RATE_LIMITS: RATE_LIMITS,
          JOBGRAPH_UPSTREAM_BUDGET_MS: String(BUDGET_MS),
        })),
      );
    });

    afterAll(async () => {
      for (const w of watchers) w.close();
      for (const p of processes) await kill(p.child);
      if (redis) await kill(redis.child);
      await emulators?.close();
    });

    it("spaces every provider's calls by its limit across the replicas, and answers every job with the job, UPSTREAM_THROTTLED or its budget's end", async () => {
      const ids = new UnknownIdGenerator(4242);
      const urls = processes.map((p) => p.url);
      // One subscriber on the first replica watches two unfinished jobs all along.
      const watched = [ids.next('omics', 'running'), ids.next('omics', 'running')];
      const watcher = new Watcher(
        'watcher (graphql-sse)',
        'sse',
        urls[0]!,
        await watcherToken('watcher'),
        watched,
      );
      watchers.push(watcher);

      const answers: { caller: number; ms: number; ok: number; throttled: number }[] = [];
      const unexpected: unknown[] = [];
      const started = performance.now();
      const caller = async (n: number) => {
        const url = urls[n % urls.length]!;
        const authorization = `Bearer ${await watcherToken(`caller-${n}`)}`;
        for (let round = 0; round < 500 && performance.now() - started < LOAD_MS; round++) {
          // Every other request asks every provider of PROVIDERS (two jobs each); the others ask
          // four jobs of one provider, each caller another, so a provider that answers at once is
          // pressed too.
          const asked =
            round % 2 === 0
              ? ids.mix(2, 'finished')
              : ids.mix(4, 'finished', [PROVIDERS[(n + round) % PROVIDERS.length]!]);
          const t0 = performance.now();
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization },
            body: JSON.stringify({ query: QUERY, variables: { ids: asked } }),
            signal: AbortSignal.timeout(BUDGET_MS + 20_000),
          });
          const body = (await res.json()) as Answer;
          const ms = performance.now() - t0;
          let ok = 0;
          let throttled = 0;
          asked.forEach((id, i) => {
            const outcome = outcomeOf(id, i, body);
            if (outcome === 'ok') ok += 1;
            else if (outcome === 'throttled') throttled += 1;
            else if (outcome === 'unexpected')
              unexpected.push({ id, status: res.status, error: body.errors ?? null });
          });
          answers.push({ caller: n, ms, ok, throttled });
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, (_, n) => caller(n)));
      const loadEnded = performance.now();

      // One request per provider asking four seconds' worth of its jobs at once: a job answered
      // took a turn within its budget, and the turns are spaced by the limit, so at most a
      // budget's worth of turns (+1 for the edge, +1 for jobs of one request starting a moment
      // apart) are answered; the rest are refused (UPSTREAM_THROTTLED) or end with the budget,
      // however slow the machine.
      const burstAuthorization = `Bearer ${await watcherToken('burst')}`;
      const burst = await Promise.all(
        PROVIDERS.map(async (p, n) => {
          const asked = ids.mix(4 * LIMITS[p], 'finished', [p]);
          const res = await fetch(urls[n % urls.length]!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: burstAuthorization },
            body: JSON.stringify({ query: QUERY, variables: { ids: asked } }),
            signal: AbortSignal.timeout(BUDGET_MS + 20_000),
          });
          const body = (await res.json()) as Answer;
          const outcomes = asked.map((id, i) => outcomeOf(id, i, body));
          for (const [i, o] of outcomes.entries())
            if (o === 'unexpected') unexpected.push({ id: asked[i], error: body.errors ?? null });
          return [p, outcomes.filter((o) => o === 'ok').length] as const;
        }),
      );

      // The watcher was never told of a failure: its first events come once the load is over at the latest.
      await watcher.until('a first event per watched job', (w) => w.states.size === 2, LONG);
      expect(watcher.errors).toEqual([]);

      const most = Object.fromEntries(
        PROVIDERS.map((p) => [p, mostInOneSecond(arrivals[p])]),
      ) as Record<EmulatorName, number>;
      const perSecond = Object.fromEntries(
        PROVIDERS.map((p) => [
          p,
          Number(
            (
              arrivals[p].filter((t) => t >= started && t <= loadEnded).length /
              ((loadEnded - started) / 1000)
            ).toFixed(1),
          ),
        ]),
      );
      const slowest = Math.max(...answers.map((a) => a.ms));
      const jobs = answers.reduce((n, a) => n + a.ok + a.throttled, 0);
      const throttled = answers.reduce((n, a) => n + a.throttled, 0);
      process.stderr.write(
        `[rate budget] ${REPLICAS} replicas, ${CALLERS} callers, ${((loadEnded - started) / 1000).toFixed(1)} s: ` +
          `${answers.length} answers, ${jobs} jobs (${throttled} UPSTREAM_THROTTLED); slowest answer ${slowest.toFixed(0)} ms ` +
          `(budget ${BUDGET_MS} ms); most calls in one second ${JSON.stringify(most)} (limits ${JSON.stringify(LIMITS)}); ` +
          `calls per second on average ${JSON.stringify(perSecond)}\n`,
      );

      expect(unexpected).toEqual([]);
      // Turns go out at most one a limit's interval on Redis's clock, whatever the replicas' load: a
      // call that arrived while the callers drove load took its turn after they started (one turn
      // of the watcher's, taken just before, may arrive inside) and before they ended.
      const seconds = (loadEnded - started) / 1000;
      for (const p of PROVIDERS) {
        const inside = arrivals[p].filter((t) => t >= started && t <= loadEnded).length;
        expect({ [p]: inside }).toEqual({
          [p]: Math.min(inside, Math.floor(LIMITS[p] * seconds) + 2),
        });
      }
      // The budget was spent: each provider answered jobs, and no more of the burst's than its turns.
      for (const p of PROVIDERS) expect(arrivals[p].length).toBeGreaterThan(0);
      for (const [p, answered] of burst)
        expect({ [p]: answered }).toEqual({
          [p]: Math.min(answered, Math.floor((LIMITS[p] * BUDGET_MS) / 1000) + 2),
        });
      // The replicas counted their turns in Redis all along, and say what they did.
      for (const p of processes) expect(logged(p, /rate budget: Redis is unavailable/)).toEqual([]);
      const texts = await Promise.all(urls.map((u) => metricsOf(u)));
      // Calls waited for their turn or were refused one (which of the two is load's business: a
      // slow machine brings jobs to the budget more slowly).
      const acted = texts
        .flatMap((t) => [
          ...t.matchAll(/^jobgraph_upstream_rate_(?:waits|throttled)_total\{[^}]*\} (\d+)/gm),
        ])
        .reduce((n, m) => n + Number(m[1]), 0);
      expect(acted).toBeGreaterThan(0);
    });
  },
);
