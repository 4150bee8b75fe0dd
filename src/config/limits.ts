import { ConfigError, int, opt, type Env } from './env.ts';
import type { Config } from './types.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * Upstream calls in flight per provider unless JOBGRAPH_PROVIDER_CONCURRENCY says otherwise: the
 * AWS SDK's default `maxSockets` (50), so a client of the SDK and jobgraph keep as many calls in
 * flight to a provider. Exported for the bench, whose floors call at the gateway's bound.
 */
export const DEFAULT_PROVIDER_CONCURRENCY = 50;

/** One whole-number setting: its variable, its default and its bounds (both included). */
type IntSetting = readonly [variable: string, fallback: number, min: number, max: number];

// duplicates: data — a table of each setting's variable, default and bounds
/**
 * Every whole-number setting of a `Config` section, by section and key, in the order they are
 * read (so the first bad value named is the same whatever else is wrong).
 */
const INT_SETTINGS = {
  limits: {
    maxJobIds: ['JOBGRAPH_MAX_JOB_IDS', 100, 1, 1000],
    upstreamTimeoutMs: ['JOBGRAPH_UPSTREAM_TIMEOUT_MS', 5000, 1, 60000],
    upstreamMaxAttempts: ['JOBGRAPH_UPSTREAM_MAX_ATTEMPTS', 3, 1, 3],
    providerConcurrency: ['JOBGRAPH_PROVIDER_CONCURRENCY', DEFAULT_PROVIDER_CONCURRENCY, 1, 1024],
    maxBodyBytes: ['JOBGRAPH_MAX_BODY_BYTES', MIB, 1024, 64 * MIB],
    maxDepth: ['JOBGRAPH_MAX_DEPTH', 12, 1, 100],
    maxAliases: ['JOBGRAPH_MAX_ALIASES', 30, 0, 1000],
    maxTokens: ['JOBGRAPH_MAX_TOKENS', 4000, 10, 100000],
    maxCost: ['JOBGRAPH_MAX_COST', 5000, 1, 1000000],
    maxJobsPerRequest: ['JOBGRAPH_MAX_JOBS_PER_REQUEST', 100, 1, 10000],
    maxListSourcesPerRequest: ['JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST', 40, 1, 1000],
    upstreamMaxBodyBytes: ['JOBGRAPH_UPSTREAM_MAX_BODY_BYTES', MIB, 1024, 256 * MIB],
  },
  resilience: {
    upstreamBudgetMs: ['JOBGRAPH_UPSTREAM_BUDGET_MS', 15000, 100, 120000],
    breakerFailures: ['JOBGRAPH_BREAKER_FAILURES', 5, 1, 1000],
    shutdownGraceMs: ['JOBGRAPH_SHUTDOWN_GRACE_MS', 10000, 0, 600000],
    logReadsPerSecond: ['JOBGRAPH_LOG_READS_PER_SECOND', 5, 1, 1000],
  },
  cache: {
    maxEntries: ['JOBGRAPH_CACHE_MAX_ENTRIES', 10000, 0, 10_000_000],
    opTimeoutMs: ['JOBGRAPH_CACHE_OP_TIMEOUT_MS', 250, 1, 60000],
  },
  history: {
    retainDays: ['JOBGRAPH_HISTORY_RETAIN_DAYS', 400, 1, 36500],
    maxBytes: ['JOBGRAPH_HISTORY_MAX_BYTES', 10 * GIB, MIB, 1024 * 1024 * GIB],
    searchTimeoutMs: ['JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS', 5000, 1, 600000],
  },
  listing: {
    snapshotSeconds: ['JOBGRAPH_LIST_SNAPSHOT_SECONDS', 30, 0, 3600],
  },
  watch: {
    pollMs: ['JOBGRAPH_WATCH_POLL_MS', 2000, 10, 3_600_000],
    maxPollMs: ['JOBGRAPH_WATCH_MAX_POLL_MS', 30000, 10, 3_600_000],
    maxPerCaller: ['JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER', 20, 1, 100000],
    maxTotal: ['JOBGRAPH_MAX_SUBSCRIPTIONS', 10000, 1, 10_000_000],
    maxSockets: ['JOBGRAPH_MAX_WEBSOCKETS', 1000, 1, 1_000_000],
    maxSocketsPerCaller: ['JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER', 20, 1, 1_000_000],
    maxPendingSockets: ['JOBGRAPH_MAX_WEBSOCKETS_PENDING', 100, 1, 1_000_000],
    maxReservations: ['JOBGRAPH_MAX_SSE_RESERVATIONS', 1000, 1, 1_000_000],
  },
} as const satisfies Record<string, Record<string, IntSetting>>;

/** A section's whole-number settings, read from `INT_SETTINGS`. */
export function intsOf<S extends keyof typeof INT_SETTINGS>(
  env: Env,
  section: S,
): { [K in keyof (typeof INT_SETTINGS)[S]]: number } {
  const values: Record<string, number> = {};
  const settings: Record<string, IntSetting> = INT_SETTINGS[section];
  for (const [key, [name, fallback, min, max]] of Object.entries(settings))
    values[key] = int(env, name, fallback, min, max);
  return values as { [K in keyof (typeof INT_SETTINGS)[S]]: number };
}

/**
 * The variable behind each limit, resilience and cache setting, for "differs from the default"
 * lines. Not `cache.maxEntries`: its 0 means the cache is off, which those lines say their own way.
 */
export const SETTING_VARIABLES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(INT_SETTINGS).flatMap(([section, settings]) =>
    Object.entries(settings as Record<string, IntSetting>)
      .map(([key, [variable]]) => [`${section}.${key}`, variable] as const)
      .filter(([path]) => path !== 'cache.maxEntries'),
  ),
);

/**
 * The providers' short names, as global IDs begin (`omics:us-east-1:…`), which
 * JOBGRAPH_UPSTREAM_RATE_LIMITS takes; a test holds them to the registry's key prefixes. Central:
 * the configuration imports nothing of src/, so it cannot read them from the registry.
 */
export const UPSTREAM_RATE_NAMES: readonly string[] = [
  'panorama',
  'omics',
  'cos',
  'importexport',
  'codepipeline',
  'batch',
];

/** The highest rate JOBGRAPH_UPSTREAM_RATE_LIMITS takes for one provider, in calls per second. */
const MAX_UPSTREAM_RATE = 100_000;

/** JOBGRAPH_UPSTREAM_RATE_LIMITS: `name=calls per second`, comma-separated, each provider once. */
function upstreamRateLimits(env: Env): Record<string, number> {
  const name = 'JOBGRAPH_UPSTREAM_RATE_LIMITS';
  const v = opt(env, name);
  const limits: Record<string, number> = {};
  if (v === undefined) return limits;
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const m = /^\s*([\w-]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m)
      throw new ConfigError(
        name,
        `must be comma-separated provider=calls-per-second pairs such as panorama=5,omics=5 (providers: ${UPSTREAM_RATE_NAMES.join(', ')})`,
      );
    const [, provider, rate] = m as unknown as [string, string, string];
    if (!UPSTREAM_RATE_NAMES.includes(provider))
      throw new ConfigError(
        name,
        `names an unknown provider "${provider}" (known: ${UPSTREAM_RATE_NAMES.join(', ')})`,
      );
    if (provider in limits) throw new ConfigError(name, `names ${provider} twice`);
    const perSecond = Number(rate);
    if (!(perSecond > 0) || perSecond > MAX_UPSTREAM_RATE)
      throw new ConfigError(
        name,
        `the rate of ${provider} must be above 0 and at most ${MAX_UPSTREAM_RATE} calls per second`,
      );
    limits[provider] = perSecond;
  }
  return limits;
}

/** Upstream budgets, breakers, rate limits and the shutdown grace. */
export function resilienceOf(env: Env): Config['resilience'] {
  return { ...intsOf(env, 'resilience'), upstreamRateLimits: upstreamRateLimits(env) };
}

/** The most requests JOBGRAPH_CALLER_RATE takes per period. */
const MAX_CALLER_RATE = 1_000_000;

/** The default request rate per caller: 600 a minute, all of them at once if need be. */
const DEFAULT_CALLER_RATE = '600/60s';

const PERIOD_UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * JOBGRAPH_CALLER_RATE (`<requests>/<period>`, e.g. `600/60s`, `10/s`, `1000/1h`; `0` or `off`:
 * none). The period is 1 s to 24 h. The burst (requests a caller may make at once) is the rate's
 * count: a caller may spend its whole period in one go, and an operator wanting smaller bursts
 * writes a shorter period (`10/s` rather than `600/60s`). It was JOBGRAPH_CALLER_RATE_BURST.
 */
export function callerRateOf(env: Env): Config['callerRate'] {
  const name = 'JOBGRAPH_CALLER_RATE';
  const v = (opt(env, name) ?? DEFAULT_CALLER_RATE).toLowerCase();
  if (v === '0' || v === 'off') return null;
  const m = /^(\d+)\s*\/\s*(\d*)\s*(s|m|h)$/.exec(v);
  const count = Number(m?.[1]);
  const periodMs = Number(m?.[2] || '1') * (PERIOD_UNIT_MS[m?.[3] ?? ''] ?? NaN);
  if (
    !m ||
    !(count >= 1 && count <= MAX_CALLER_RATE) ||
    !(periodMs >= 1000 && periodMs <= 86_400_000)
  )
    throw new ConfigError(
      name,
      `must be requests/period such as 600/60s, 10/s or 1000/1h (1 to ${MAX_CALLER_RATE} requests, a period of 1 s to 24 h), or 0 or off`,
    );
  return {
    count,
    periodMs,
    burst: count,
  };
}

/** The most jobs JOBGRAPH_EMULATOR_JOBS_PER_SOURCE may ask of one emulated source. */
const MAX_EMULATOR_JOBS_PER_SOURCE = 100_000;

/**
 * JOBGRAPH_EMULATOR_JOBS_PER_SOURCE (a whole number 1..100000), or null when unset. Read by
 * `loadConfig` and on its own by `jobgraph emulators`, which needs nothing else of the configuration.
 */
export function emulatorJobsPerSource(env: Env = process.env): number | null {
  const name = 'JOBGRAPH_EMULATOR_JOBS_PER_SOURCE';
  return opt(env, name) === undefined ? null : int(env, name, 0, 1, MAX_EMULATOR_JOBS_PER_SOURCE);
}
