import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TencentCredentials } from './datasources/shared/options.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from './model/keyGrammar.ts';

/**
 * The whole runtime configuration, read once from the environment and validated before
 * anything listens. This is the only module that reads `process.env`.
 */
export interface Config {
  /** `demo`: embedded emulators and demo credentials; `live`: real upstreams. */
  mode: 'demo' | 'live';
  port: number;
  host: string;
  /** Region used when a root field's `region` argument is omitted (AWS_REGION, default us-east-1). */
  awsRegion: string;
  /** Per-service endpoint overrides (AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL; COS_BATCH_ENDPOINT_URL). */
  endpoints: {
    panorama?: string;
    omics?: string;
    codepipeline?: string;
    importexport?: string;
    cosBatch?: string;
    batch?: string;
    /** STS, for the roles of JOBGRAPH_AWS_ACCOUNTS (AWS_ENDPOINT_URL_STS). */
    sts?: string;
  };
  /**
   * Where the standard AWS credential chain looks for profiles: AWS_PROFILE (null: the default
   * profile), AWS_CONFIG_FILE (default ~/.aws/config), AWS_SHARED_CREDENTIALS_FILE (default
   * ~/.aws/credentials). Read for the start-up summary, which tells a missing profile from no credentials.
   */
  awsShared: { profile: string | null; configFile: string; credentialsFile: string };
  /** AWS endpoint variants (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT; default false), as the AWS SDK reads them. */
  awsEndpointVariant: { useFips: boolean; useDualStack: boolean };
  /** Attempts per AWS call from AWS_MAX_ATTEMPTS (at most 3) when JOBGRAPH_UPSTREAM_MAX_ATTEMPTS is unset; null: `limits.upstreamMaxAttempts`. */
  awsMaxAttempts: number | null;
  /** Static AWS credentials (demo mode only); undefined means the standard AWS credential chain. */
  awsCredentials?: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    /** Their account's ID (`Job.account`). */
    accountId?: string;
  };
  /**
   * Other AWS accounts by alias (JOBGRAPH_AWS_ACCOUNTS `alias=roleArn,…`): each role is assumed
   * with STS from jobgraph's own credentials. Empty: the default account only.
   */
  awsAccounts: readonly AwsAccount[];
  tencent: {
    credentials: TencentCredentials | null;
    /** Default COS region (TENCENTCLOUD_REGION, default ap-guangzhou). */
    region: string;
    /** COS account UIN (COS_UIN); needed for the `cosBatchJob` root field. */
    uin: string | null;
    /** COS_APPID, sent as `x-cos-appid`. */
    appId: string | null;
    /**
     * Other COS accounts by alias (JOBGRAPH_TENCENT_ACCOUNTS `alias=PREFIX,…`, each read from
     * PREFIX_SECRET_ID, PREFIX_SECRET_KEY, PREFIX_UIN, PREFIX_APPID and PREFIX_SESSION_TOKEN).
     */
    accounts: readonly TencentAccount[];
  };
  auth: {
    /** HS256 key (JOBGRAPH_JWT_SECRET), for development and tests. */
    jwtSecret: string | null;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
    /** The claim naming the accounts a token may read (JOBGRAPH_ACCOUNTS_CLAIM, default `accounts`). */
    accountsClaim: string;
    /** Identity-provider groups → the account entries each stands for (JOBGRAPH_ACCOUNT_GROUPS); null: none. */
    accountGroups: Readonly<Record<string, readonly string[]>> | null;
  };
  limits: {
    /** Most IDs one `jobs(ids:)` call takes (JOBGRAPH_MAX_JOB_IDS, default 100). */
    maxJobIds: number;
    /** Per-attempt upstream timeout in ms (JOBGRAPH_UPSTREAM_TIMEOUT_MS, default 5000). */
    upstreamTimeoutMs: number;
    /** Upstream attempts per job including the first (JOBGRAPH_UPSTREAM_MAX_ATTEMPTS, default 3). */
    upstreamMaxAttempts: number;
    /** Concurrent upstream calls per provider (JOBGRAPH_PROVIDER_CONCURRENCY, default 32: a 100-job query's share of one provider goes out in one wave). */
    providerConcurrency: number;
    /** Largest request body in bytes (JOBGRAPH_MAX_BODY_BYTES, default 1 MB). */
    maxBodyBytes: number;
    /** Deepest selection an operation may have (JOBGRAPH_MAX_DEPTH, default 12). */
    maxDepth: number;
    /** Most aliases in one operation (JOBGRAPH_MAX_ALIASES, default 30). */
    maxAliases: number;
    /** Most lexical tokens in one document (JOBGRAPH_MAX_TOKENS, default 4000). */
    maxTokens: number;
    /** Most directives in one operation (JOBGRAPH_MAX_DIRECTIVES, default 50). */
    maxDirectives: number;
    /** Highest static cost of one operation (JOBGRAPH_MAX_COST, default 5000). */
    maxCost: number;
    /** Most root fields (aliases included) in one operation (JOBGRAPH_MAX_ROOT_FIELDS, default 20). */
    maxRootFields: number;
    /**
     * Most distinct upstream jobs one request may ask for, across all fields, aliases and
     * `_entities` representations (JOBGRAPH_MAX_JOBS_PER_REQUEST, default 100).
     */
    maxJobsPerRequest: number;
    /**
     * Most upstream list sources (provider × region × HealthOmics reference store) the `listJobs`
     * fields of one request may read together, counted before any upstream call
     * (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST, default 20).
     */
    maxListSourcesPerRequest: number;
    /** Largest upstream response body read, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES, default 1 MiB). */
    upstreamMaxBodyBytes: number;
    /**
     * Concurrent upstream calls one caller (token subject) may have at one provider, across
     * all of its requests (JOBGRAPH_CALLER_CONCURRENCY, default 20: a 100-job query's share of one provider out of five, in one wave; 12 of the provider cap 32 stay for others).
     */
    callerConcurrency: number;
    /** Regional clients (each with its sockets) a provider keeps open at most (JOBGRAPH_MAX_CLIENTS_PER_PROVIDER, default 32). */
    maxClientsPerProvider: number;
  };
  resilience: {
    /** Most time one job may take across attempts and waits, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS, default 15000). */
    upstreamBudgetMs: number;
    /** Distinct jobs failing in a row (unavailable) that open a provider-region's circuit (JOBGRAPH_BREAKER_FAILURES, default 5). */
    breakerFailures: number;
    /** How long an open circuit waits before letting one call test the provider, in ms (JOBGRAPH_BREAKER_HALF_OPEN_MS, default 10000). */
    breakerHalfOpenMs: number;
    /** How long SIGTERM waits for in-flight requests, in ms (JOBGRAPH_SHUTDOWN_GRACE_MS, default 10000). */
    shutdownGraceMs: number;
    /**
     * Upstream calls per second each provider may get, per region (Import/Export: one budget), by
     * the provider's short name as in global IDs (`omics`, `cos`, …), across the replicas with
     * Redis (JOBGRAPH_UPSTREAM_RATE_LIMITS, `panorama=5,omics=5`); a provider not named has none.
     * Default: none.
     */
    upstreamRateLimits: Readonly<Record<string, number>>;
  };
  cache: {
    /** Shared cache for finished jobs (JOBGRAPH_CACHE_URL, e.g. redis://127.0.0.1:6379); null means in-process LRU. */
    url: string | null;
    /** Entries the in-process LRU keeps (JOBGRAPH_CACHE_MAX_ENTRIES, default 10000; 0 turns the cache off). */
    maxEntries: number;
    /** How long a finished job stays cached, in s (JOBGRAPH_CACHE_TTL_SECONDS, default 86400). */
    ttlSeconds: number;
    /** Longest a shared-cache (Redis) read or write may take before it counts as a miss, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS, default 250). */
    opTimeoutMs: number;
  };
  /** `Query.listJobs`. */
  listing: {
    /**
     * Key of the HMAC that protects `listJobs` cursors (JOBGRAPH_CURSOR_SECRET, at least 32
     * characters; replicas must share it). null: a random key per process, so cursors do not
     * survive a restart or work across replicas (live mode's start-up summary warns).
     */
    cursorSecret: string | null;
    /**
     * HealthOmics reference stores listed when a `listJobs` filter names none
     * (JOBGRAPH_OMICS_REFERENCE_STORES, comma-separated IDs, at most 10); null: each region's
     * stores from ListReferenceStores.
     */
    omicsReferenceStores: readonly string[] | null;
    /**
     * How long a source read whole (Panorama, HealthOmics per store, COS Batch) is kept as a
     * snapshot of its summaries, shared by every request, caller, list-assisted watcher and (with
     * JOBGRAPH_CACHE_URL) replica, in s (JOBGRAPH_LIST_SNAPSHOT_SECONDS, default 30, at most
     * 3600; 0: each page reads such sources again, only concurrent reads shared).
     */
    snapshotSeconds: number;
  };
  /** `Subscription.jobUpdates`: the shared pollers and the subscription caps. */
  watch: {
    /** First wait between two polls of a watched job, in ms (JOBGRAPH_WATCH_POLL_MS, default 2000). */
    pollMs: number;
    /** Longest wait the poller backs off to while nothing changes, in ms (JOBGRAPH_WATCH_MAX_POLL_MS, default 30000). */
    maxPollMs: number;
    /** Open subscriptions one caller (token subject) may have (JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER, default 20). */
    maxPerCaller: number;
    /** Open subscriptions the process serves at most (JOBGRAPH_MAX_SUBSCRIPTIONS, default 10000). */
    maxTotal: number;
    /** WebSocket ping interval, in ms (JOBGRAPH_WATCH_HEARTBEAT_MS, default 15000; SSE streams get a comment line every 12 s). */
    heartbeatMs: number;
    /** Open WebSocket connections the process holds at most (JOBGRAPH_MAX_WEBSOCKETS, default 1000); each is a file descriptor. */
    maxSockets: number;
    /** Open WebSocket connections one caller (token subject) may hold (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER, default 20). */
    maxSocketsPerCaller: number;
    /**
     * WebSocket connections not yet past `connection_init` the process holds at most, apart from
     * the authenticated ones (JOBGRAPH_MAX_WEBSOCKETS_PENDING, default 100); when full, the oldest
     * is closed to make room, so churn cannot keep a caller with a token from connecting.
     */
    maxPendingSockets: number;
    /** How long a new WebSocket may take to send `connection_init`, in ms (JOBGRAPH_WEBSOCKET_INIT_TIMEOUT_MS, default 3000). */
    socketInitTimeoutMs: number;
    /**
     * graphql-sse single connection mode: reservations (each waiting for, or holding, one event
     * stream) one caller may have (JOBGRAPH_MAX_SSE_RESERVATIONS_PER_CALLER, default 20; every
     * anonymous caller together counts as one).
     */
    maxReservationsPerCaller: number;
    /** Single connection mode reservations the process holds at most (JOBGRAPH_MAX_SSE_RESERVATIONS, default 1000); a connected one is a file descriptor. */
    maxReservations: number;
    /** How long a reservation waits for its event stream before it lapses, in ms (JOBGRAPH_SSE_RESERVATION_TIMEOUT_MS, default 10000). */
    reservationTimeoutMs: number;
  };
  /**
   * Origins a browser may call from (JOBGRAPH_CORS_ORIGINS: comma-separated origins, or `*`).
   * `loopback` (the demo's default) allows any `http://localhost:<port>` and `http://127.0.0.1:<port>`.
   * None by default in live mode.
   */
  corsOrigins: '*' | 'loopback' | readonly string[];
  /** Introspection and the Sandbox landing page (JOBGRAPH_INTROSPECTION; default on in demo mode only). */
  introspection: boolean;
  /** Log level for pino (LOG_LEVEL, default info). */
  logLevel: string;
  /** Prometheus metrics at GET /metrics on the main port (JOBGRAPH_METRICS, default on). */
  metrics: boolean;
  /** The jobs console at GET /console (JOBGRAPH_CONSOLE, default on). */
  console: boolean;
  /** OpenTelemetry traces from the standard OTEL_* variables; null when off (the default). */
  tracing: TracingConfig | null;
  /**
   * `jobgraph demo` and `jobgraph emulators` only: jobs every listable emulated source holds
   * (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE, 1..100000, a big account); null: the demo data.
   */
  emulatorJobsPerSource: number | null;
}

/**
 * Where and how spans are exported, from the standard OpenTelemetry variables. Tracing is on when
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER is set
 * (and OTEL_TRACES_EXPORTER is not `none`, OTEL_SDK_DISABLED not true).
 */
export interface TracingConfig {
  /** `otlp` (OTLP over HTTP) or `console` (spans printed to stdout, for a quick look). */
  exporter: 'otlp' | 'console';
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL, default http/protobuf. */
  protocol: 'http/protobuf' | 'http/json';
  /**
   * The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT
   * plus `/v1/traces`, else http://localhost:4318/v1/traces.
   */
  url: string;
  /** OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS (`k=v,k2=v2`); secret values (API keys). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME, default jobgraph. */
  serviceName: string;
}

/** A bad configuration value: one clear line naming the variable, never its (possibly secret) value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function opt(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function url(env: Env, name: string): string | undefined {
  const v = opt(env, name);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, 'is not a URL (expected e.g. http://127.0.0.1:4105)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError(name, 'must be an http:// or https:// URL');
  return v.replace(/\/+$/, '');
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = opt(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v))
    throw new ConfigError(name, `must be a whole number between ${min} and ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = opt(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, 'must be true or false');
}

function pattern(
  env: Env,
  name: string,
  re: RegExp,
  form: string,
  served?: { test(v: string): boolean; by: string },
): string | undefined {
  const v = opt(env, name);
  if (v !== undefined && !re.test(v)) throw new ConfigError(name, `must be ${form}`);
  if (v !== undefined && served && !served.test(v))
    throw new ConfigError(name, `is not a region ${served.by} serves`);
  return v;
}

function otlpHeaders(env: Env, name: string): Record<string, string> {
  const v = opt(env, name);
  const headers: Record<string, string> = {};
  if (v === undefined) return headers;
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(name, 'must be a comma-separated list of key=value pairs');
    try {
      headers[decodeURIComponent(part.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(
        part.slice(eq + 1).trim(),
      );
    } catch {
      throw new ConfigError(name, 'has an entry that is not URL-encoded');
    }
  }
  return headers;
}

/** The OpenTelemetry trace export settings from the standard variables; null when tracing is off. */
function tracing(env: Env): TracingConfig | null {
  if (bool(env, 'OTEL_SDK_DISABLED', false)) return null;
  const exporter = opt(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  const tracesEndpoint = url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporter === undefined && tracesEndpoint === undefined && endpoint === undefined) return null;
  if (exporter === 'none') return null;
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'console') {
    throw new ConfigError('OTEL_TRACES_EXPORTER', 'must be otlp, console or none');
  }
  const protocolName =
    opt(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined
      ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
      : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = opt(env, protocolName) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      protocolName,
      'must be http/protobuf or http/json (OTLP over gRPC is not supported)',
    );
  }
  return {
    exporter: exporter === 'console' ? 'console' : 'otlp',
    protocol,
    url: tracesEndpoint ?? `${endpoint ?? 'http://localhost:4318'}/v1/traces`,
    headers: {
      ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    serviceName: opt(env, 'OTEL_SERVICE_NAME') ?? 'jobgraph',
  };
}

function cacheUrl(env: Env): string | null {
  const v = opt(env, 'JOBGRAPH_CACHE_URL');
  if (v === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(
      'JOBGRAPH_CACHE_URL',
      'is not a URL (expected e.g. redis://127.0.0.1:6379)',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ConfigError('JOBGRAPH_CACHE_URL', 'must be a redis:// or rediss:// URL');
  return v;
}

/**
 * The providers' short names, as global IDs begin (`omics:us-east-1:…`), which
 * JOBGRAPH_UPSTREAM_RATE_LIMITS takes; a test holds them to the registry's key prefixes.
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
export const MAX_UPSTREAM_RATE = 100_000;

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

/** Most HealthOmics reference stores JOBGRAPH_OMICS_REFERENCE_STORES (or a `listJobs` filter) names. */
export const MAX_OMICS_REFERENCE_STORES = 10;

/** JOBGRAPH_OMICS_REFERENCE_STORES: comma-separated reference store IDs (10-36 digits), duplicates dropped. */
function omicsReferenceStores(env: Env): string[] | null {
  const name = 'JOBGRAPH_OMICS_REFERENCE_STORES';
  const v = opt(env, name);
  if (v === undefined) return null;
  const ids = [
    ...new Set(
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length === 0 || ids.some((id) => !PATTERNS.omicsId.re.test(id)))
    throw new ConfigError(
      name,
      `must be comma-separated HealthOmics reference store IDs (${PATTERNS.omicsId.form})`,
    );
  if (ids.length > MAX_OMICS_REFERENCE_STORES)
    throw new ConfigError(name, `names at most ${MAX_OMICS_REFERENCE_STORES} reference stores`);
  return ids;
}

/** JOBGRAPH_CORS_ORIGINS: `*`, or origins (scheme, host, optional port; no path), comma-separated. */
function corsOrigins(env: Env, demo: boolean): Config['corsOrigins'] {
  const v = opt(env, 'JOBGRAPH_CORS_ORIGINS');
  if (v === undefined) return demo ? 'loopback' : [];
  if (v.trim() === '*') return '*';
  const origins = v
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    // A pattern would silently match nothing: an origin is compared whole, so say so at start.
    if (origin.includes('*'))
      throw new ConfigError(
        'JOBGRAPH_CORS_ORIGINS',
        'takes whole origins or a lone *; patterns such as https://*.example.com or http://localhost:* are not supported (list each origin)',
      );
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
      parsed.origin !== origin
    ) {
      throw new ConfigError(
        'JOBGRAPH_CORS_ORIGINS',
        'must be * or comma-separated origins such as https://app.example.com (scheme, host and port only)',
      );
    }
  }
  return origins;
}

/** The most jobs JOBGRAPH_EMULATOR_JOBS_PER_SOURCE may ask of one emulated source. */
export const MAX_EMULATOR_JOBS_PER_SOURCE = 100_000;

/**
 * JOBGRAPH_EMULATOR_JOBS_PER_SOURCE (a whole number 1..100000), or null when unset. Read by
 * `loadConfig` and on its own by `jobgraph emulators`, which needs nothing else of the configuration.
 */
export function emulatorJobsPerSource(env: Env = process.env): number | null {
  const name = 'JOBGRAPH_EMULATOR_JOBS_PER_SOURCE';
  return opt(env, name) === undefined ? null : int(env, name, 0, 1, MAX_EMULATOR_JOBS_PER_SOURCE);
}

export interface LoadOptions {
  mode: Config['mode'];
}

/** An AWS account reached by role (JOBGRAPH_AWS_ACCOUNTS). */
export interface AwsAccount {
  alias: string;
  roleArn: string;
  /** The 12-digit account ID, from the role's ARN. */
  accountId: string;
  /** Sent as AssumeRole's ExternalId (JOBGRAPH_AWS_EXTERNAL_ID_<ALIAS>); null: none. */
  externalId: string | null;
}

/** A COS account by key pair (JOBGRAPH_TENCENT_ACCOUNTS). */
export interface TencentAccount {
  alias: string;
  uin: string;
  appId: string;
  credentials: TencentCredentials;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** The variable holding an alias's AssumeRole external ID. */
export function externalIdVariable(alias: string): string {
  return `JOBGRAPH_AWS_EXTERNAL_ID_${alias.toUpperCase().replaceAll('-', '_')}`;
}

/** `alias=value,…` of `name`, each alias checked; a repeated alias is refused. */
function aliasList(env: Env, name: string): [alias: string, value: string][] {
  const raw = opt(env, name);
  if (raw === undefined) return [];
  const seen = new Set<string>();
  return raw.split(',').map((item) => {
    const eq = item.indexOf('=');
    const alias = item.slice(0, Math.max(0, eq)).trim();
    const value = item.slice(eq + 1).trim();
    if (eq < 0 || value === '')
      throw new ConfigError(
        name,
        `expected alias=value, comma-separated; got ${JSON.stringify(item.trim().slice(0, 64))}`,
      );
    if (!PATTERNS.accountAlias.re.test(alias) || alias === DEFAULT_ACCOUNT)
      throw new ConfigError(
        name,
        `${JSON.stringify(alias.slice(0, 64))} is not ${PATTERNS.accountAlias.form}`,
      );
    if (seen.has(alias)) throw new ConfigError(name, `the alias ${alias} is named twice`);
    seen.add(alias);
    return [alias, value];
  });
}

/** JOBGRAPH_AWS_ACCOUNTS: `alias=arn:aws:iam::111122223333:role/name,…`. */
function awsAccountsOf(env: Env): AwsAccount[] {
  return aliasList(env, 'JOBGRAPH_AWS_ACCOUNTS').map(([alias, roleArn]) => {
    const m = ROLE_ARN.exec(roleArn);
    if (!m)
      throw new ConfigError(
        'JOBGRAPH_AWS_ACCOUNTS',
        `${alias}: expected an IAM role ARN such as arn:aws:iam::111122223333:role/jobgraph-read`,
      );
    return {
      alias,
      roleArn,
      accountId: m[1] ?? '',
      externalId: opt(env, externalIdVariable(alias)) ?? null,
    };
  });
}

/** JOBGRAPH_TENCENT_ACCOUNTS: `alias=PREFIX,…`, each account's keys in PREFIX_* variables. */
function tencentAccountsOf(env: Env): TencentAccount[] {
  return aliasList(env, 'JOBGRAPH_TENCENT_ACCOUNTS').map(([alias, prefix]) => {
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(prefix))
      throw new ConfigError(
        'JOBGRAPH_TENCENT_ACCOUNTS',
        `${alias}: the prefix must be an upper-case variable name prefix such as TENCENT_PROD`,
      );
    const need = (part: string) => {
      const value = opt(env, `${prefix}_${part}`);
      if (value === undefined)
        throw new ConfigError(
          `${prefix}_${part}`,
          `is required for the COS account ${alias} (JOBGRAPH_TENCENT_ACCOUNTS)`,
        );
      return value;
    };
    const secretId = need('SECRET_ID');
    const secretKey = need('SECRET_KEY');
    const uin =
      pattern(env, `${prefix}_UIN`, PATTERNS.cosUin.re, PATTERNS.cosUin.form) ?? need('UIN');
    const appId =
      pattern(env, `${prefix}_APPID`, /^[0-9]{1,64}$/, 'a numeric APPID such as 1250000000') ??
      need('APPID');
    const sessionToken = opt(env, `${prefix}_SESSION_TOKEN`);
    return {
      alias,
      uin,
      appId,
      credentials: { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) },
    };
  });
}

/** Variables jobgraph reads by a name the configuration gives (account prefixes, external IDs). */
function namedVariables(env: Env): (name: string) => boolean {
  const prefixes: string[] = [];
  for (const item of (env.JOBGRAPH_TENCENT_ACCOUNTS ?? '').split(',')) {
    const prefix = item.slice(item.indexOf('=') + 1).trim();
    if (prefix) prefixes.push(`${prefix}_`);
  }
  return (name) =>
    name.startsWith('JOBGRAPH_AWS_EXTERNAL_ID_') || prefixes.some((p) => name.startsWith(p));
}

/** Read and validate the environment (default: process.env). Throws ConfigError on the first bad value. */
export function loadConfig(options: LoadOptions, env: Env = process.env): Config {
  const demo = options.mode === 'demo';
  // Read in this order, so that the first bad value named is the same whatever else is wrong.
  const awsRegion = awsRegionOf(env);
  const tencentCredentials = tencentCredentialsOf(env);
  const auth = authOf(env);
  const cursorSecret = cursorSecretOf(env);
  const endpoints = endpointsOf(env);
  const config: Config = {
    mode: options.mode,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: opt(env, 'HOST') ?? (demo ? '127.0.0.1' : '0.0.0.0'),
    awsRegion,
    endpoints,
    ...awsSettingsOf(env),
    awsAccounts: awsAccountsOf(env),
    tencent: {
      credentials: tencentCredentials,
      ...tencentPlaceOf(env),
      accounts: tencentAccountsOf(env),
    },
    auth,
    corsOrigins: corsOrigins(env, demo),
    limits: intsOf(env, 'limits'),
    resilience: resilienceOf(env),
    cache: cacheOf(env),
    listing: listingOf(env, cursorSecret),
    watch: intsOf(env, 'watch'),
    introspection: bool(env, 'JOBGRAPH_INTROSPECTION', demo),
    logLevel:
      pattern(
        env,
        'LOG_LEVEL',
        /^(fatal|error|warn|info|debug|trace|silent)$/,
        'one of fatal, error, warn, info, debug, trace, silent',
      ) ?? 'info',
    metrics: bool(env, 'JOBGRAPH_METRICS', true),
    console: bool(env, 'JOBGRAPH_CONSOLE', true),
    tracing: tracing(env),
    emulatorJobsPerSource: emulatorJobsPerSource(env),
  };
  if (config.watch.maxPollMs < config.watch.pollMs)
    throw new ConfigError('JOBGRAPH_WATCH_MAX_POLL_MS', 'must be at least JOBGRAPH_WATCH_POLL_MS');
  return config;
}

/** AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
function awsRegionOf(env: Env): string {
  const region = (name: string) =>
    pattern(env, name, PATTERNS.awsRegion.re, PATTERNS.awsRegion.form, PATTERNS.awsRegion.served);
  return region('AWS_REGION') ?? region('AWS_DEFAULT_REGION') ?? 'us-east-1';
}

/** TENCENTCLOUD_SECRET_ID and _KEY (both or neither), with TENCENTCLOUD_SESSION_TOKEN. */
function tencentCredentialsOf(env: Env): Config['tencent']['credentials'] {
  const secretId = opt(env, 'TENCENTCLOUD_SECRET_ID');
  const secretKey = opt(env, 'TENCENTCLOUD_SECRET_KEY');
  if ((secretId === undefined) !== (secretKey === undefined)) {
    throw new ConfigError(
      secretId ? 'TENCENTCLOUD_SECRET_KEY' : 'TENCENTCLOUD_SECRET_ID',
      'must be set together with its pair',
    );
  }
  const sessionToken = opt(env, 'TENCENTCLOUD_SESSION_TOKEN');
  return secretId && secretKey
    ? { secretId, secretKey, ...(sessionToken ? { sessionToken } : {}) }
    : null;
}

/** The COS region, account UIN and APPID. */
function tencentPlaceOf(env: Env): Omit<Config['tencent'], 'credentials' | 'accounts'> {
  return {
    region:
      pattern(
        env,
        'TENCENTCLOUD_REGION',
        PATTERNS.cosRegion.re,
        PATTERNS.cosRegion.form,
        PATTERNS.cosRegion.served,
      ) ?? 'ap-guangzhou',
    uin: pattern(env, 'COS_UIN', PATTERNS.cosUin.re, PATTERNS.cosUin.form) ?? null,
    appId: pattern(env, 'COS_APPID', /^[0-9]{1,64}$/, 'a numeric APPID such as 1250000000') ?? null,
  };
}

/** The token settings: a JWKS needs its issuer and audience; an HS256 key at least 32 characters. */
function authOf(env: Env): Config['auth'] {
  const jwksUrl = url(env, 'JOBGRAPH_JWKS_URL') ?? null;
  const issuer = opt(env, 'JOBGRAPH_JWT_ISSUER') ?? null;
  const audience = opt(env, 'JOBGRAPH_JWT_AUDIENCE') ?? null;
  if (jwksUrl && (!issuer || !audience)) {
    throw new ConfigError(
      !issuer ? 'JOBGRAPH_JWT_ISSUER' : 'JOBGRAPH_JWT_AUDIENCE',
      'is required when JOBGRAPH_JWKS_URL is set',
    );
  }
  const jwtSecret = opt(env, 'JOBGRAPH_JWT_SECRET') ?? null;
  if (jwtSecret !== null && jwtSecret.length < 32) {
    throw new ConfigError(
      'JOBGRAPH_JWT_SECRET',
      'must be at least 32 characters (HS256 needs a 256-bit key)',
    );
  }
  return {
    jwtSecret,
    jwksUrl,
    issuer,
    audience,
    accountsClaim: opt(env, 'JOBGRAPH_ACCOUNTS_CLAIM') ?? 'accounts',
    accountGroups: accountGroupsOf(env),
  };
}

/** Most groups JOBGRAPH_ACCOUNT_GROUPS maps. */
export const MAX_ACCOUNT_GROUPS = 1000;

/**
 * JOBGRAPH_ACCOUNT_GROUPS: a JSON object from each group (or role) name an identity provider puts
 * in the accounts claim to the account entries it stands for — an array of strings, or one
 * space-separated string (`{"team-a": ["staging"], "platform": "*"}`).
 */
function accountGroupsOf(env: Env): Config['auth']['accountGroups'] {
  const name = 'JOBGRAPH_ACCOUNT_GROUPS';
  const raw = opt(env, name);
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be a JSON object such as {"team-a": ["staging"]}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(name, 'must be a JSON object such as {"team-a": ["staging"]}');
  const groups = Object.entries(parsed as Record<string, unknown>);
  if (groups.length > MAX_ACCOUNT_GROUPS)
    throw new ConfigError(name, `maps at most ${MAX_ACCOUNT_GROUPS} groups`);
  const out: Record<string, readonly string[]> = Object.create(null) as Record<string, string[]>;
  for (const [group, value] of groups) {
    const entries =
      typeof value === 'string'
        ? value.split(/\s+/).filter(Boolean)
        : Array.isArray(value) && value.every((v) => typeof v === 'string')
          ? (value as string[])
          : null;
    if (entries === null)
      throw new ConfigError(
        name,
        `maps each group to an array of account entries or a space-separated string; ${JSON.stringify(group.slice(0, 64))} is neither`,
      );
    out[group] = Object.freeze([...entries]);
  }
  return Object.freeze(out);
}

/** JOBGRAPH_CURSOR_SECRET, at least 32 characters, or null. */
function cursorSecretOf(env: Env): string | null {
  const cursorSecret = opt(env, 'JOBGRAPH_CURSOR_SECRET') ?? null;
  if (cursorSecret !== null && cursorSecret.length < 32) {
    throw new ConfigError(
      'JOBGRAPH_CURSOR_SECRET',
      'must be at least 32 characters (the HMAC-SHA256 key of listJobs cursors)',
    );
  }
  return cursorSecret;
}

/** `Query.listJobs`' settings. */
function listingOf(env: Env, cursorSecret: string | null): Config['listing'] {
  return {
    cursorSecret,
    omicsReferenceStores: omicsReferenceStores(env),
    ...intsOf(env, 'listing'),
  };
}

/** The endpoint overrides. */
function endpointsOf(env: Env): Config['endpoints'] {
  const endpoints: Config['endpoints'] = {};
  const set = (k: keyof Config['endpoints'], v: string | undefined) => {
    if (v !== undefined) endpoints[k] = v;
  };
  // As the AWS SDK reads them: the service's own variable, else AWS_ENDPOINT_URL for every AWS
  // service, neither when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
  const ignoreAwsEndpoints = bool(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', false);
  const awsEndpoint = (service: string) =>
    ignoreAwsEndpoints
      ? undefined
      : (url(env, `AWS_ENDPOINT_URL_${service}`) ?? url(env, 'AWS_ENDPOINT_URL'));
  set('panorama', awsEndpoint('PANORAMA'));
  set('omics', awsEndpoint('OMICS'));
  set('codepipeline', awsEndpoint('CODEPIPELINE'));
  set('importexport', awsEndpoint('IMPORTEXPORT'));
  set('batch', awsEndpoint('BATCH'));
  set('sts', awsEndpoint('STS'));
  set('cosBatch', url(env, 'COS_BATCH_ENDPOINT_URL'));
  return endpoints;
}

/** The AWS SDK's own settings jobgraph reads: shared files, endpoint variants, attempts. */
function awsSettingsOf(
  env: Env,
): Pick<Config, 'awsShared' | 'awsEndpointVariant' | 'awsMaxAttempts'> {
  return {
    awsShared: {
      profile: opt(env, 'AWS_PROFILE') ?? null,
      configFile: opt(env, 'AWS_CONFIG_FILE') ?? join(homedir(), '.aws', 'config'),
      credentialsFile:
        opt(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? join(homedir(), '.aws', 'credentials'),
    },
    awsEndpointVariant: {
      useFips: bool(env, 'AWS_USE_FIPS_ENDPOINT', false),
      useDualStack: bool(env, 'AWS_USE_DUALSTACK_ENDPOINT', false),
    },
    // The SDK's AWS_MAX_ATTEMPTS, for the AWS providers only and only when jobgraph's own variable
    // is unset; above jobgraph's most (3) it is used as 3, which keeps a job's worst case bounded.
    awsMaxAttempts:
      opt(env, 'JOBGRAPH_UPSTREAM_MAX_ATTEMPTS') === undefined &&
      opt(env, 'AWS_MAX_ATTEMPTS') !== undefined
        ? Math.min(3, int(env, 'AWS_MAX_ATTEMPTS', 3, 1, 1_000_000))
        : null,
  };
}

const MIB = 1024 * 1024;

/** One whole-number setting: its variable, its default and its bounds (both included). */
type IntSetting = readonly [variable: string, fallback: number, min: number, max: number];

/**
 * Every whole-number setting of a `Config` section, by section and key, in the order they are
 * read (so the first bad value named is the same whatever else is wrong).
 */
const INT_SETTINGS = {
  limits: {
    maxJobIds: ['JOBGRAPH_MAX_JOB_IDS', 100, 1, 1000],
    upstreamTimeoutMs: ['JOBGRAPH_UPSTREAM_TIMEOUT_MS', 5000, 1, 60000],
    upstreamMaxAttempts: ['JOBGRAPH_UPSTREAM_MAX_ATTEMPTS', 3, 1, 3],
    providerConcurrency: ['JOBGRAPH_PROVIDER_CONCURRENCY', 32, 1, 1024],
    maxBodyBytes: ['JOBGRAPH_MAX_BODY_BYTES', MIB, 1024, 64 * MIB],
    maxDepth: ['JOBGRAPH_MAX_DEPTH', 12, 1, 100],
    maxAliases: ['JOBGRAPH_MAX_ALIASES', 30, 0, 1000],
    maxTokens: ['JOBGRAPH_MAX_TOKENS', 4000, 10, 100000],
    maxDirectives: ['JOBGRAPH_MAX_DIRECTIVES', 50, 0, 1000],
    maxCost: ['JOBGRAPH_MAX_COST', 5000, 1, 1000000],
    maxRootFields: ['JOBGRAPH_MAX_ROOT_FIELDS', 20, 1, 1000],
    maxJobsPerRequest: ['JOBGRAPH_MAX_JOBS_PER_REQUEST', 100, 1, 10000],
    maxListSourcesPerRequest: ['JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST', 20, 1, 1000],
    upstreamMaxBodyBytes: ['JOBGRAPH_UPSTREAM_MAX_BODY_BYTES', MIB, 1024, 256 * MIB],
    callerConcurrency: ['JOBGRAPH_CALLER_CONCURRENCY', 20, 1, 1024],
    maxClientsPerProvider: ['JOBGRAPH_MAX_CLIENTS_PER_PROVIDER', 32, 1, 1024],
  },
  resilience: {
    upstreamBudgetMs: ['JOBGRAPH_UPSTREAM_BUDGET_MS', 15000, 100, 120000],
    breakerFailures: ['JOBGRAPH_BREAKER_FAILURES', 5, 1, 1000],
    breakerHalfOpenMs: ['JOBGRAPH_BREAKER_HALF_OPEN_MS', 10000, 100, 600000],
    shutdownGraceMs: ['JOBGRAPH_SHUTDOWN_GRACE_MS', 10000, 0, 600000],
  },
  cache: {
    maxEntries: ['JOBGRAPH_CACHE_MAX_ENTRIES', 10000, 0, 10_000_000],
    ttlSeconds: ['JOBGRAPH_CACHE_TTL_SECONDS', 86400, 1, 365 * 86400],
    opTimeoutMs: ['JOBGRAPH_CACHE_OP_TIMEOUT_MS', 250, 1, 60000],
  },
  listing: {
    snapshotSeconds: ['JOBGRAPH_LIST_SNAPSHOT_SECONDS', 30, 0, 3600],
  },
  watch: {
    pollMs: ['JOBGRAPH_WATCH_POLL_MS', 2000, 10, 3_600_000],
    maxPollMs: ['JOBGRAPH_WATCH_MAX_POLL_MS', 30000, 10, 3_600_000],
    maxPerCaller: ['JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER', 20, 1, 100000],
    maxTotal: ['JOBGRAPH_MAX_SUBSCRIPTIONS', 10000, 1, 10_000_000],
    heartbeatMs: ['JOBGRAPH_WATCH_HEARTBEAT_MS', 15000, 10, 600000],
    maxSockets: ['JOBGRAPH_MAX_WEBSOCKETS', 1000, 1, 1_000_000],
    maxSocketsPerCaller: ['JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER', 20, 1, 1_000_000],
    maxPendingSockets: ['JOBGRAPH_MAX_WEBSOCKETS_PENDING', 100, 1, 1_000_000],
    socketInitTimeoutMs: ['JOBGRAPH_WEBSOCKET_INIT_TIMEOUT_MS', 3000, 100, 60000],
    maxReservationsPerCaller: ['JOBGRAPH_MAX_SSE_RESERVATIONS_PER_CALLER', 20, 1, 1_000_000],
    maxReservations: ['JOBGRAPH_MAX_SSE_RESERVATIONS', 1000, 1, 1_000_000],
    reservationTimeoutMs: ['JOBGRAPH_SSE_RESERVATION_TIMEOUT_MS', 10000, 100, 600000],
  },
} as const satisfies Record<string, Record<string, IntSetting>>;

/** A section's whole-number settings, read from `INT_SETTINGS`. */
function intsOf<S extends keyof typeof INT_SETTINGS>(
  env: Env,
  section: S,
): { [K in keyof (typeof INT_SETTINGS)[S]]: number } {
  const values: Record<string, number> = {};
  const settings: Record<string, IntSetting> = INT_SETTINGS[section];
  for (const [key, [name, fallback, min, max]] of Object.entries(settings))
    values[key] = int(env, name, fallback, min, max);
  return values as { [K in keyof (typeof INT_SETTINGS)[S]]: number };
}

/** Upstream budgets, breakers, rate limits and the shutdown grace. */
function resilienceOf(env: Env): Config['resilience'] {
  return { ...intsOf(env, 'resilience'), upstreamRateLimits: upstreamRateLimits(env) };
}

/** The cache of finished jobs. */
function cacheOf(env: Env): Config['cache'] {
  return { url: cacheUrl(env), ...intsOf(env, 'cache') };
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
 * One warning per set `JOBGRAPH_*` variable that jobgraph does not read (a misspelling is
 * otherwise ignored without a word), naming the closest known name when one is near. Only
 * names are printed, never values. The caller prints them.
 */
export function unknownVariableWarnings(env: Env = process.env): string[] {
  const warnings: string[] = [];
  const named = namedVariables(env);
  for (const name of Object.keys(env).sort()) {
    if (
      !name.startsWith('JOBGRAPH_') ||
      JOBGRAPH_VARIABLES.includes(name) ||
      named(name) ||
      env[name] === undefined
    )
      continue;
    const closest = closestName(name, JOBGRAPH_VARIABLES);
    warnings.push(
      `${name} is not a jobgraph variable and is ignored${closest ? `; did you mean ${closest}?` : ''}`,
    );
  }
  return warnings;
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a likely misspelling. */
function closestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // Past a third of the name it is another word, not a typo.
  return bestDistance <= Math.max(2, Math.floor((name.length - 'JOBGRAPH_'.length) / 3))
    ? best
    : null;
}

/** Edit distance (insertions, deletions, substitutions), two rows of the classic table. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** One environment variable as `jobgraph --help` describes it. */
export interface VariableDoc {
  name: string;
  /** The heading it is listed under. */
  group: string;
  /** What applies when it is unset, as a reader would write it ("—": nothing, or off). */
  default: string;
  /** One line: what it sets, with its unit. */
  meaning: string;
}

const doc = (group: string) => (name: string, fallback: string, meaning: string) => ({
  name,
  group,
  default: fallback,
  meaning,
});
const server = doc('Server');
const tokens = doc('Tokens');
const aws = doc('AWS (Panorama, HealthOmics, Import/Export, CodePipeline)');
const tencent = doc('Tencent Cloud (COS Batch)');
const cache = doc('Cache and listing');
const observe = doc('Logs, metrics and traces');
const limits = doc('Query and request limits');
const upstream = doc('Upstream calls');
const watch = doc('Subscriptions');

/**
 * Every variable jobgraph reads, and the standard AWS credential variables its credential chain
 * reads: what `jobgraph --help` prints. A test holds it to what `loadConfig` reads and to its
 * defaults, so the help cannot drift from the code.
 */
export const VARIABLE_DOCS: readonly VariableDoc[] = [
  server('PORT', '4000', 'port to listen on (0: any free port)'),
  server('HOST', '127.0.0.1 demo, 0.0.0.0 live', 'address to listen on'),
  server(
    'JOBGRAPH_INTROSPECTION',
    'on demo, off live',
    'introspection and the Apollo Sandbox page',
  ),
  server(
    'JOBGRAPH_CORS_ORIGINS',
    'none live; loopback demo',
    'origins a browser may call from: comma-separated origins, or *',
  ),
  server('JOBGRAPH_CONSOLE', 'on', 'the jobs console at /console (off: 404)'),
  server(
    'JOBGRAPH_SHUTDOWN_GRACE_MS',
    '10000',
    'how long SIGTERM waits for requests in flight, ms',
  ),
  tokens(
    'JOBGRAPH_JWT_SECRET',
    '— (demo: made at start)',
    'HS256 key of bearer tokens, 32+ characters (development); live mode needs it or a JWKS',
  ),
  tokens('JOBGRAPH_JWKS_URL', '—', 'key set of production tokens (with issuer and audience)'),
  tokens('JOBGRAPH_JWT_ISSUER', '—', 'the `iss` a token must carry (required with a JWKS)'),
  tokens('JOBGRAPH_JWT_AUDIENCE', '—', 'the `aud` a token must carry (required with a JWKS)'),
  tokens(
    'JOBGRAPH_ACCOUNTS_CLAIM',
    'accounts',
    'claim naming the accounts a token reads (a.b: nested); without it: default accounts only',
  ),
  tokens(
    'JOBGRAPH_ACCOUNT_GROUPS',
    '—',
    'JSON: identity-provider group → the accounts it grants, e.g. {"team-a":["staging"]}',
  ),
  aws('AWS_REGION', 'us-east-1', 'region of root fields called without `region`'),
  aws('AWS_DEFAULT_REGION', '—', 'read when AWS_REGION is unset'),
  aws('AWS_PROFILE', '— (default profile)', 'profile of the standard AWS credential chain'),
  aws('AWS_ACCESS_KEY_ID', '—', 'static credentials (read by the AWS credential chain)'),
  aws('AWS_SECRET_ACCESS_KEY', '—', 'static credentials (read by the AWS credential chain)'),
  aws('AWS_SESSION_TOKEN', '—', 'temporary credentials (read by the AWS credential chain)'),
  aws('AWS_CONFIG_FILE', '~/.aws/config', 'shared config file of the credential chain'),
  aws('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials', 'shared credentials file'),
  aws('AWS_ENDPOINT_URL', 'real endpoints', 'one endpoint for every AWS service jobgraph calls'),
  aws('AWS_ENDPOINT_URL_PANORAMA', 'real endpoint', 'Panorama endpoint override'),
  aws('AWS_ENDPOINT_URL_OMICS', 'real endpoint', 'HealthOmics endpoint override (no host prefix)'),
  aws('AWS_ENDPOINT_URL_CODEPIPELINE', 'real endpoint', 'CodePipeline endpoint override'),
  aws('AWS_ENDPOINT_URL_IMPORTEXPORT', 'real endpoint', 'Import/Export endpoint override'),
  aws('AWS_ENDPOINT_URL_BATCH', 'real endpoint', 'AWS Batch endpoint override'),
  aws(
    'AWS_ENDPOINT_URL_STS',
    'real endpoint',
    'STS endpoint override (JOBGRAPH_AWS_ACCOUNTS roles)',
  ),
  aws(
    'JOBGRAPH_AWS_ACCOUNTS',
    '— (one account)',
    'other accounts: alias=roleArn,… each role assumed with STS (README: Accounts)',
  ),
  aws('JOBGRAPH_AWS_EXTERNAL_ID_<ALIAS>', '—', 'the AssumeRole external ID of one alias'),
  aws('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'false', 'true ignores every AWS_ENDPOINT_URL*'),
  aws('AWS_USE_FIPS_ENDPOINT', 'false', 'FIPS endpoints'),
  aws('AWS_USE_DUALSTACK_ENDPOINT', 'false', 'dual-stack endpoints'),
  aws(
    'AWS_MAX_ATTEMPTS',
    '—',
    'attempts per AWS call when JOBGRAPH_UPSTREAM_MAX_ATTEMPTS is unset (at most 3)',
  ),
  tencent('TENCENTCLOUD_SECRET_ID', '—', 'Tencent Cloud key ID (with the key)'),
  tencent('TENCENTCLOUD_SECRET_KEY', '—', 'Tencent Cloud key (with the ID)'),
  tencent('TENCENTCLOUD_SESSION_TOKEN', '—', 'token of temporary Tencent Cloud credentials'),
  tencent('TENCENTCLOUD_REGION', 'ap-guangzhou', 'COS region of cosBatchJob without `region`'),
  tencent('COS_UIN', '—', 'COS account UIN (host {uin}.cos-control.{region}.myqcloud.com)'),
  tencent('COS_APPID', '—', 'COS APPID, sent as x-cos-appid'),
  tencent('COS_BATCH_ENDPOINT_URL', 'real endpoint', 'COS Batch endpoint override'),
  tencent(
    'JOBGRAPH_TENCENT_ACCOUNTS',
    '— (one account)',
    'other COS accounts: alias=PREFIX,… read from PREFIX_SECRET_ID, _SECRET_KEY, _UIN, _APPID',
  ),
  cache(
    'JOBGRAPH_CACHE_URL',
    '— (in-process LRU)',
    'redis:// or rediss:// cache shared by replicas',
  ),
  cache('JOBGRAPH_CACHE_MAX_ENTRIES', '10000', 'entries of the in-process LRU (0: off)'),
  cache('JOBGRAPH_CACHE_TTL_SECONDS', '86400', 'how long a finished job stays cached, s'),
  cache('JOBGRAPH_CACHE_OP_TIMEOUT_MS', '250', 'longest Redis read or write before a miss, ms'),
  cache(
    'JOBGRAPH_CURSOR_SECRET',
    '— (a key per process)',
    'HMAC key of listJobs cursors, 32+ characters; replicas share it',
  ),
  cache(
    'JOBGRAPH_OMICS_REFERENCE_STORES',
    '— (ListReferenceStores)',
    'HealthOmics reference stores listJobs lists, comma-separated, at most 10',
  ),
  cache(
    'JOBGRAPH_LIST_SNAPSHOT_SECONDS',
    '30',
    'how long a source listJobs reads whole is shared as a snapshot, s (0: not kept)',
  ),
  cache(
    'JOBGRAPH_EMULATOR_JOBS_PER_SOURCE',
    '— (the demo data)',
    'demo and emulators only: jobs in each listable emulated source (1–100000)',
  ),
  observe('LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent'),
  observe('JOBGRAPH_METRICS', 'on', 'Prometheus metrics at /metrics (off: 404)'),
  observe('OTEL_EXPORTER_OTLP_ENDPOINT', '— (traces off)', 'OTLP/HTTP base URL; turns traces on'),
  observe('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '— (traces off)', 'OTLP/HTTP traces URL'),
  observe('OTEL_TRACES_EXPORTER', '— (traces off)', 'otlp, console or none'),
  observe('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', 'or http/json'),
  observe('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/protobuf', 'or http/json, for traces'),
  observe('OTEL_EXPORTER_OTLP_HEADERS', '—', 'key=value,… sent with every export (secret)'),
  observe('OTEL_EXPORTER_OTLP_TRACES_HEADERS', '—', 'key=value,… sent with trace exports'),
  observe('OTEL_SERVICE_NAME', 'jobgraph', 'service name on every span'),
  observe('OTEL_SDK_DISABLED', 'false', 'true turns traces off'),
  limits('JOBGRAPH_MAX_JOB_IDS', '100', 'IDs in one jobs(ids:) or jobUpdates(ids:)'),
  limits('JOBGRAPH_MAX_JOBS_PER_REQUEST', '100', 'distinct upstream jobs per request'),
  limits('JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST', '20', 'upstream list sources per request'),
  limits('JOBGRAPH_MAX_BODY_BYTES', '1048576', 'largest request body or WebSocket frame, bytes'),
  limits('JOBGRAPH_MAX_DEPTH', '12', 'deepest selection of an operation'),
  limits('JOBGRAPH_MAX_ALIASES', '30', 'aliases in an operation'),
  limits('JOBGRAPH_MAX_TOKENS', '4000', 'lexical tokens in a document'),
  limits('JOBGRAPH_MAX_DIRECTIVES', '50', 'directives in an operation'),
  limits('JOBGRAPH_MAX_COST', '5000', 'static cost of an operation (README: the weights)'),
  limits('JOBGRAPH_MAX_ROOT_FIELDS', '20', 'root fields of an operation, aliases counted'),
  upstream('JOBGRAPH_UPSTREAM_TIMEOUT_MS', '5000', 'each upstream attempt, ms'),
  upstream('JOBGRAPH_UPSTREAM_MAX_ATTEMPTS', '3', 'attempts per job (1–3)'),
  upstream('JOBGRAPH_UPSTREAM_BUDGET_MS', '15000', 'total time per job, ms'),
  upstream(
    'JOBGRAPH_UPSTREAM_RATE_LIMITS',
    '— (no rate budget)',
    'calls/s per provider and region, e.g. omics=5,cos=10; cluster-wide with Redis',
  ),
  upstream('JOBGRAPH_UPSTREAM_MAX_BODY_BYTES', '1048576', 'largest upstream answer read, bytes'),
  upstream('JOBGRAPH_PROVIDER_CONCURRENCY', '32', 'concurrent upstream calls per provider'),
  upstream('JOBGRAPH_CALLER_CONCURRENCY', '20', 'concurrent calls per caller at one provider'),
  upstream('JOBGRAPH_MAX_CLIENTS_PER_PROVIDER', '32', 'regional clients a provider keeps open'),
  upstream('JOBGRAPH_BREAKER_FAILURES', '5', 'unavailable jobs in a row that open a circuit'),
  upstream('JOBGRAPH_BREAKER_HALF_OPEN_MS', '10000', 'how long a circuit stays open, ms'),
  watch('JOBGRAPH_WATCH_POLL_MS', '2000', 'first wait between two polls of a watched job, ms'),
  watch('JOBGRAPH_WATCH_MAX_POLL_MS', '30000', 'longest wait between two polls, ms'),
  watch('JOBGRAPH_WATCH_HEARTBEAT_MS', '15000', 'WebSocket ping interval, ms'),
  watch('JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER', '20', 'open subscriptions per caller'),
  watch('JOBGRAPH_MAX_SUBSCRIPTIONS', '10000', 'open subscriptions per process'),
  watch('JOBGRAPH_MAX_WEBSOCKETS', '1000', 'open WebSocket connections per process'),
  watch('JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER', '20', 'open WebSocket connections per caller'),
  watch('JOBGRAPH_MAX_WEBSOCKETS_PENDING', '100', 'WebSockets not yet past connection_init'),
  watch(
    'JOBGRAPH_WEBSOCKET_INIT_TIMEOUT_MS',
    '3000',
    'time a WebSocket has for connection_init, ms',
  ),
  watch(
    'JOBGRAPH_MAX_SSE_RESERVATIONS_PER_CALLER',
    '20',
    'SSE single-connection reservations per caller',
  ),
  watch('JOBGRAPH_MAX_SSE_RESERVATIONS', '1000', 'SSE single-connection reservations per process'),
  watch('JOBGRAPH_SSE_RESERVATION_TIMEOUT_MS', '10000', 'how long a reservation waits, ms'),
];

/**
 * Every `JOBGRAPH_*` variable jobgraph reads, by name: those the descriptions above name, but the
 * per-alias ones (`JOBGRAPH_AWS_EXTERNAL_ID_<ALIAS>`, known through the list that names the alias).
 * A test checks `loadConfig` reads no other, and that each one described is read.
 */
export const JOBGRAPH_VARIABLES: readonly string[] = VARIABLE_DOCS.map((v) => v.name).filter(
  (name) => name.startsWith('JOBGRAPH_') && !name.includes('<'),
);
