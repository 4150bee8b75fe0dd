import { PROGRESSING_JOB_IDS } from '../../../src/emulators/index.ts';
import {
  subscribe,
  type Subscription,
  type Transport,
} from '../../../test/support/subscriptions.ts';
import { PROVIDERS, type BenchProvider, type IdKind, type UnknownIdGenerator } from '../ids.ts';
import { sleep } from '../../rig/proc.ts';
import { entitiesBody, jobBody, jobsBody, post, type GraphQLResponse } from '../queries.ts';

/** What one ID of a request must be answered with: its job, or a NOT_FOUND error at its index. */
type Expect = 'job' | 'missing';

/** One request of the mix, with what its answer must hold. */
interface Planned {
  kind: string;
  body: string;
  /** `jobs`, `_entities` or `job`. */
  field: string;
  ids: string[];
  expect: Expect[];
  /** Fresh IDs in it (each costs one upstream call); the rest are cache hits. */
  fresh: number;
}

/** One answered request, for the per-minute table. */
export interface Answered {
  /** ms since the soak started. */
  at: number;
  kind: string;
  ms: number;
  ok: boolean;
}

export interface SoakLoadStats {
  requests: number;
  byKind: Record<string, number>;
  /** Answers not exactly as expected (status, data, or any unexpected GraphQL error). */
  failures: number;
  /** The first few failures, for the report. */
  failureExamples: string[];
  /** NOT_FOUND errors for unknown IDs: expected, one per unknown ID asked. */
  expectedNotFound: number;
  /** Fresh IDs asked (each one upstream call); cache-served IDs asked. */
  freshIds: number;
  cachedIds: number;
  /** Ticks dropped while `maxInFlight` requests were unanswered (the gateway fell behind). */
  skipped: number;
  subscriptions: { opened: number; events: number; expectedNotFound: number; failures: number };
  answered: Answered[];
}

const RECENT_FINISHED = 2000;

/**
 * The soak's request mix: a cycle of ten requests, nearly all 100-ID queries over the five
 * providers — three mixed (40 fresh finished, 20 fresh unfinished, 20 unknown, 20 finished jobs
 * asked a moment ago, i.e. cache hits), then all fresh finished, all fresh unfinished, all
 * unknown, an `_entities` of 100 representations (50/25/25), 100 cache hits, and two 1-job
 * queries (one fresh, one cache hit). Fresh finished jobs of the providers whose template holds
 * no secret are kept (last {@link RECENT_FINISHED}) as the cache hits: the job cache holds 10,000.
 */
class RequestMix {
  private step = 0;
  private ones = 0;
  private readonly recent: string[] = [];

  constructor(
    private readonly ids: UnknownIdGenerator,
    private readonly cacheable: readonly BenchProvider[],
  ) {}

  private fresh(
    perProvider: number,
    kind: IdKind,
    providers: readonly BenchProvider[] = PROVIDERS,
  ): string[] {
    const out: string[] = [];
    for (let i = 0; i < perProvider; i++)
      for (const p of providers) {
        const id = this.ids.next(p, kind);
        out.push(id);
        if (kind === 'finished' && this.cacheable.includes(p)) this.recent.push(id);
      }
    if (this.recent.length > RECENT_FINISHED)
      this.recent.splice(0, this.recent.length - RECENT_FINISHED);
    return out;
  }

  /** One fresh finished job, of each provider in turn. */
  private freshOne(): string[] {
    return this.fresh(1, 'finished', [PROVIDERS[this.ones++ % PROVIDERS.length] as BenchProvider]);
  }

  /** Up to `n` distinct finished jobs asked a while ago (not the last 200: maybe in flight). */
  private hits(n: number): string[] {
    const settled = this.recent.slice(0, Math.max(0, this.recent.length - 200));
    const start = Math.floor(Math.random() * Math.max(0, settled.length - n));
    return settled.slice(start, start + n);
  }

  private plan(
    kind: string,
    field: 'jobs' | '_entities',
    parts: [string[], Expect][],
    hits: string[] = [],
  ): Planned {
    const ids = [...parts.flatMap(([ids]) => ids), ...hits];
    const expect = [
      ...parts.flatMap(([ids, e]) => ids.map(() => e)),
      ...hits.map((): Expect => 'job'),
    ];
    const fresh = parts.reduce((n, [ids]) => n + ids.length, 0);
    return {
      kind,
      body: field === 'jobs' ? jobsBody(ids) : entitiesBody(ids),
      field,
      ids,
      expect,
      fresh,
    };
  }

  next(): Planned {
    const step = this.step++ % 10;
    switch (step) {
      case 0:
      case 1:
      case 2:
        return this.plan(
          'mixed',
          'jobs',
          [
            [this.fresh(8, 'finished'), 'job'],
            [this.fresh(4, 'running'), 'job'],
            [this.fresh(4, 'missing'), 'missing'],
          ],
          this.hits(20),
        );
      case 3:
        return this.plan('finished', 'jobs', [[this.fresh(20, 'finished'), 'job']]);
      case 4:
        return this.plan('running', 'jobs', [[this.fresh(20, 'running'), 'job']]);
      case 5:
        return this.plan('missing', 'jobs', [[this.fresh(20, 'missing'), 'missing']]);
      case 6:
        return this.plan('entities', '_entities', [
          [this.fresh(10, 'finished'), 'job'],
          [this.fresh(5, 'running'), 'job'],
          [this.fresh(5, 'missing'), 'missing'],
        ]);
      case 7:
        return this.plan('cached', 'jobs', [], this.hits(100));
      case 8:
        return oneJob(this.freshOne(), 1);
      default: {
        const hit = this.hits(1);
        return hit.length ? oneJob(hit, 0) : oneJob(this.freshOne(), 1);
      }
    }
  }
}

/** Why an answer is not the expected one, or null; counts its expected NOT_FOUND errors. */
function judge(
  planned: Planned,
  status: number,
  json: GraphQLResponse,
): { problem: string | null; notFound: number } {
  if (status !== 200) return { problem: `HTTP ${status}`, notFound: 0 };
  const value = json.data?.[planned.field];
  const list = planned.field === 'job' ? [value] : value;
  if (!Array.isArray(list) || list.length !== planned.ids.length)
    return { problem: `${planned.field} is not a list of ${planned.ids.length}`, notFound: 0 };
  const errorAt = new Map<string, string>();
  for (const e of json.errors ?? []) {
    const key = (e.path ?? []).join('.');
    if (errorAt.has(key) || e.extensions?.code !== 'NOT_FOUND')
      return {
        problem: `unexpected error at ${key}: ${e.extensions?.code} ${e.message}`,
        notFound: 0,
      };
    errorAt.set(key, 'NOT_FOUND');
  }
  let notFound = 0;
  for (let i = 0; i < planned.ids.length; i++) {
    const path = planned.field === 'job' ? 'job' : `${planned.field}.${i}`;
    const job = list[i] as { id?: string } | null;
    if (planned.expect[i] === 'missing') {
      if (job !== null || !errorAt.has(path))
        return { problem: `unknown ID ${planned.ids[i]} not answered NOT_FOUND`, notFound: 0 };
      notFound++;
    } else if (job?.id !== planned.ids[i] || errorAt.has(path))
      return { problem: `job ${planned.ids[i]} missing from the answer`, notFound: 0 };
  }
  if (notFound !== errorAt.size) return { problem: 'errors at unexpected paths', notFound: 0 };
  return { problem: null, notFound };
}

export interface SoakLoadOptions {
  url: string;
  headers: Record<string, string>;
  token: string;
  ids: UnknownIdGenerator;
  /** Providers whose fresh finished jobs the cache keeps. */
  cacheable: readonly BenchProvider[];
  /** Requests per second. */
  rate: number;
  /** Most requests unanswered at once; a tick beyond it is skipped and counted. */
  maxInFlight?: number;
  /** performance.now() the soak started at (`Answered.at` counts from it). */
  startedAt: number;
  /** performance.now() to stop at. */
  until: number;
}

/** `jobUpdates` subscriptions while the load runs: one opened every 10 s, each held 30 s. */
async function subscriptionChurn(options: SoakLoadOptions, stats: SoakLoadStats): Promise<void> {
  const graphqlUrl = options.url;
  const query =
    'subscription BenchSoakWatch($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus updatedAt } }';
  const held: Promise<void>[] = [];
  for (let n = 0; performance.now() + 30_000 < options.until; n++) {
    const provider = PROVIDERS[n % PROVIDERS.length] as BenchProvider;
    const transport: Transport = n % 2 ? 'ws' : 'sse';
    const missing = options.ids.next(provider, 'missing');
    const ids = [PROGRESSING_JOB_IDS[provider], options.ids.next(provider, 'running'), missing];
    const sub: Subscription = subscribe(graphqlUrl, transport, query, {
      token: options.token,
      variables: { ids },
    });
    stats.subscriptions.opened++;
    let closing = false;
    const reader = (async () => {
      try {
        for (let event = await sub.next(); event !== null; event = await sub.next()) {
          stats.subscriptions.events++;
          const codes = (event.errors ?? []).map((e) => e.extensions?.code);
          const job = (event.data as { jobUpdates?: { id?: string } } | null | undefined)
            ?.jobUpdates;
          if (codes.length === 1 && codes[0] === 'NOT_FOUND')
            stats.subscriptions.expectedNotFound++;
          else if (codes.length || !job?.id || !ids.includes(job.id)) {
            stats.subscriptions.failures++;
            if (stats.failureExamples.length < 5)
              stats.failureExamples.push(
                `jobUpdates (${transport}): ${JSON.stringify(event).slice(0, 300)}`,
              );
          }
        }
      } catch (err) {
        if (!closing) {
          stats.subscriptions.failures++;
          if (stats.failureExamples.length < 5)
            stats.failureExamples.push(
              `jobUpdates (${transport}) failed: ${String(err).slice(0, 300)}`,
            );
        }
      }
    })();
    held.push(
      (async () => {
        await sleep(30_000);
        closing = true;
        await sub.close();
        await reader;
      })(),
    );
    await sleep(10_000);
  }
  await Promise.all(held);
}

/**
 * The soak's load: requests of {@link RequestMix} at a fixed rate (open loop: a slow answer does
 * not slow the next request down, up to `maxInFlight` unanswered), each answer checked, plus the
 * subscription churn, until `until`.
 */
export async function soakLoad(options: SoakLoadOptions): Promise<SoakLoadStats> {
  const stats: SoakLoadStats = {
    requests: 0,
    byKind: {},
    failures: 0,
    failureExamples: [],
    expectedNotFound: 0,
    freshIds: 0,
    cachedIds: 0,
    skipped: 0,
    subscriptions: { opened: 0, events: 0, expectedNotFound: 0, failures: 0 },
    answered: [],
  };
  const mix = new RequestMix(options.ids, options.cacheable);
  const maxInFlight = options.maxInFlight ?? 32;
  const intervalMs = 1000 / options.rate;
  const inFlight = new Set<Promise<void>>();
  const fail = (what: string) => {
    stats.failures++;
    if (stats.failureExamples.length < 5) stats.failureExamples.push(what);
  };
  const send = async (planned: Planned) => {
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await post(options.url, planned.body, options.headers);
      const { problem, notFound } = judge(planned, res.status, res.json);
      if (problem) fail(`${planned.kind}: ${problem}`);
      else {
        ok = true;
        stats.expectedNotFound += notFound;
      }
    } catch (err) {
      fail(`${planned.kind}: ${String(err).slice(0, 300)}`);
    }
    stats.answered.push({
      at: t0 - options.startedAt,
      kind: planned.kind,
      ms: performance.now() - t0,
      ok,
    });
  };

  const churn = subscriptionChurn(options, stats);
  let next = performance.now();
  while (next < options.until) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    // More than a second behind (a stalled bench process): no burst to catch up.
    else if (-wait > 1000) next = performance.now();
    next += intervalMs;
    if (inFlight.size >= maxInFlight) {
      stats.skipped++;
      continue;
    }
    const planned = mix.next();
    stats.requests++;
    stats.byKind[planned.kind] = (stats.byKind[planned.kind] ?? 0) + 1;
    stats.freshIds += planned.fresh;
    stats.cachedIds += planned.ids.length - planned.fresh;
    const p: Promise<void> = send(planned).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await churn;
  return stats;
}

/** A `job(id:)` request for the one ID in `ids`, `fresh` of them not asked before. */
function oneJob(ids: string[], fresh: number): Planned {
  return {
    kind: 'one',
    body: jobBody(ids[0] as string),
    field: 'job',
    ids,
    expect: ['job'],
    fresh,
  };
}
