/**
 * The whole runtime configuration, read once from the environment and validated before
 * anything listens. Only the files of `src/config/` read `process.env`.
 */
/** An action on jobs JOBGRAPH_ACTIONS can turn on (docs/actions.md). */
export type JobActionName = 'cancel' | 'terminate' | 'rerun';

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
    /** SQS, for the event queues of JOBGRAPH_EVENT_QUEUES (AWS_ENDPOINT_URL_SQS). */
    sqs?: string;
    /** CloudWatch Logs, for AWS Batch jobs' log lines (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS). */
    logs?: string;
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
    /**
     * Whether a token must carry the accounts claim (JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED; default on
     * when JOBGRAPH_ACCOUNTS_CLAIM or JOBGRAPH_ACCOUNT_GROUPS is set): without it, it reads no
     * account; when off, the default accounts.
     */
    accountsClaimRequired: boolean;
  };
  limits: {
    /** Most IDs one `jobs(ids:)` call takes (JOBGRAPH_MAX_JOB_IDS, default 100). */
    maxJobIds: number;
    /** Per-attempt upstream timeout in ms (JOBGRAPH_UPSTREAM_TIMEOUT_MS, default 5000). */
    upstreamTimeoutMs: number;
    /** Upstream attempts per job including the first (JOBGRAPH_UPSTREAM_MAX_ATTEMPTS, default 3). */
    upstreamMaxAttempts: number;
    /** Concurrent upstream calls per provider, and its sockets (JOBGRAPH_PROVIDER_CONCURRENCY, default 50: the AWS SDK's default `maxSockets`). */
    providerConcurrency: number;
    /** Largest request body in bytes (JOBGRAPH_MAX_BODY_BYTES, default 1 MB). */
    maxBodyBytes: number;
    /** Deepest selection an operation may have (JOBGRAPH_MAX_DEPTH, default 12). */
    maxDepth: number;
    /** Most aliases in one operation (JOBGRAPH_MAX_ALIASES, default 30). */
    maxAliases: number;
    /** Most lexical tokens in one document (JOBGRAPH_MAX_TOKENS, default 4000). */
    maxTokens: number;
    /** Highest static cost of one operation (JOBGRAPH_MAX_COST, default 5000). */
    maxCost: number;
    /**
     * Most distinct upstream jobs one request may ask for, across all fields, aliases and
     * `_entities` representations (JOBGRAPH_MAX_JOBS_PER_REQUEST, default 100).
     */
    maxJobsPerRequest: number;
    /**
     * Most list sources (provider × account × region × kind of job or HealthOmics reference
     * store) the `listJobs` fields of one request may read upstream together, each counted where
     * its read starts — none a shared snapshot serves (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST,
     * default 40).
     */
    maxListSourcesPerRequest: number;
    /** Largest upstream response body read, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES, default 1 MiB). */
    upstreamMaxBodyBytes: number;
  };
  resilience: {
    /** Most time one job may take across attempts and waits, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS, default 15000). */
    upstreamBudgetMs: number;
    /** Distinct jobs failing in a row (unavailable) that open a provider-region's circuit (JOBGRAPH_BREAKER_FAILURES, default 5). */
    breakerFailures: number;
    /** How long SIGTERM waits for in-flight requests, in ms (JOBGRAPH_SHUTDOWN_GRACE_MS, default 10000). */
    shutdownGraceMs: number;
    /**
     * Job log reads (CloudWatch Logs GetLogEvents) a second per account and region, and as many
     * at once (JOBGRAPH_LOG_READS_PER_SECOND, default 5: a fifth of GetLogEvents' quota of 25 a
     * second, which the account's people and tools share); over it, UPSTREAM_THROTTLED.
     */
    logReadsPerSecond: number;
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
    /**
     * Key every value the replicas write to Redis is sealed under (JOBGRAPH_CLUSTER_SECRET, at
     * least 32 characters, the same on every replica; required with `url`), so a value Redis
     * holds that jobgraph did not write is a miss. null without `url`.
     */
    clusterSecret: string | null;
    /**
     * JOBGRAPH_CLUSTER_SECRET_PREVIOUS: values sealed under it are opened too (never sealed with),
     * so that replicas read each other's values while the cluster secret is rotated; null: none.
     */
    previousClusterSecret: string | null;
    /** Entries the in-process LRU keeps (JOBGRAPH_CACHE_MAX_ENTRIES, default 10000; 0 turns the cache off). */
    maxEntries: number;
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
  /** Job events from SQS queues (docs/events.md). */
  events: {
    /**
     * JOBGRAPH_EVENT_QUEUES: the queues long-polled for providers' job events; null when unset
     * (the demo then consumes its emulated queues), [] when set but empty (events off).
     */
    queues: readonly EventQueue[] | null;
    /**
     * How often a watched job with a healthy event source is re-read anyway, in ms
     * (JOBGRAPH_EVENT_RECONCILE_SECONDS, default 300 s): a durable kind's; a best-effort kind's is a
     * fifth of it (datasources/events/coverage.ts `reconcileMsOf`).
     */
    reconcileMs: number;
    /**
     * How long a change a read found waits for its event before the job's provider, account and
     * region stop being live by events (JOBGRAPH_EVENT_MISS_GRACE_SECONDS, default 60 s), in ms.
     */
    missGraceMs: number;
  };
  /** `Subscription.jobUpdates`: the read schedules and the subscription caps. */
  watch: {
    /** First wait between two polls of a watched job, in ms (JOBGRAPH_WATCH_POLL_MS, default 2000). */
    pollMs: number;
    /** Longest wait the read schedule backs off to while nothing changes, in ms (JOBGRAPH_WATCH_MAX_POLL_MS, default 30000). */
    maxPollMs: number;
    /** Open subscriptions one caller (token subject) may have (JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER, default 20). */
    maxPerCaller: number;
    /** Open subscriptions the process serves at most (JOBGRAPH_MAX_SUBSCRIPTIONS, default 10000). */
    maxTotal: number;
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
    /** Single connection mode reservations the process holds at most (JOBGRAPH_MAX_SSE_RESERVATIONS, default 1000); a connected one is a file descriptor. */
    maxReservations: number;
  };
  /**
   * Requests one caller may make (docs/security.md#a-rate-per-caller): a GCRA of `count` per
   * `periodMs` holding up to `burst` at once, per token subject (per client address without a
   * token), across the replicas with Redis (JOBGRAPH_CALLER_RATE, default `600/60s`;
   * the burst is the count). null: off (`0` or `off`).
   */
  callerRate: { count: number; periodMs: number; burst: number } | null;
  /** The history store (docs/history.md). */
  history: {
    /** JOBGRAPH_HISTORY_URL (and JOBGRAPH_DATA_DIR for the default file). */
    store: HistoryStoreConfig;
    /**
     * JOBGRAPH_HISTORY_PRIVATE (default off): the operator's word that a replica sharing Redis
     * keeps a SQLite history of its own; without it live mode refuses that (clusterHistory).
     */
    private: boolean;
    /** Days a job is kept after it finished or was last seen (JOBGRAPH_HISTORY_RETAIN_DAYS, default 400). */
    retainDays: number;
    /**
     * The history's size budget in bytes (JOBGRAPH_HISTORY_MAX_BYTES, default 10 GiB): warned at
     * 90 %, and at the budget the oldest finished jobs are pruned down under 90 % (history/budget.ts).
     */
    maxBytes: number;
    /** A `jobHistory` search's time limit, in ms (JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS, default 5000). */
    searchTimeoutMs: number;
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
  /** The MCP write tools (cancel_job, terminate_job) at /mcp (JOBGRAPH_MCP_WRITE_TOOLS, default off); they also need `jobs:write`. */
  mcpWriteTools: boolean;
  /**
   * The URL users reach jobgraph by (JOBGRAPH_PUBLIC_URL), without a trailing slash: every link
   * jobgraph builds starts with it. Null when unset (the demo then uses its own address).
   */
  publicUrl: string | null;
  /**
   * The actions on jobs the mutations may take (JOBGRAPH_ACTIONS: `cancel`, `terminate`); none by
   * default in live mode, both in the demo. An action not named answers without any upstream call.
   */
  actions: ReadonlySet<JobActionName>;
  /** Notification rules and their deliveries (docs/notifications.md). */
  notifications: {
    /**
     * Key that seals each rule's target URL and signing secrets in the history store
     * (JOBGRAPH_NOTIFY_SECRET, at least 32 characters; replicas share it). null: notifications
     * off in live mode (the demo makes one at start).
     */
    secret: string | null;
    /** Hosts a target may name over plain http and on any address (JOBGRAPH_NOTIFY_ALLOW_HOSTS), lower case. */
    allowHosts: readonly string[];
  };
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

/** Tencent Cloud credentials (TENCENTCLOUD_SECRET_ID / _KEY / _SESSION_TOKEN). */
export interface TencentCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

/** One SQS queue of JOBGRAPH_EVENT_QUEUES. */
export interface EventQueue {
  /** The account whose credentials read it: `default` or an alias of JOBGRAPH_AWS_ACCOUNTS. */
  alias: string;
  /**
   * The accounts whose events it may carry, `alias` first: its own, or a collector's declared
   * accounts (`reader+other=url`). Events of any other account, or of another region than its
   * own, are rejected, and it covers no other account's jobs.
   */
  speaksFor: readonly string[];
  /** Its queue URL, as SQS names it (`QueueUrl`). */
  url: string;
  /** Its region (from the URL's host; AWS_REGION for a host that names none). */
  region: string;
  /** The 12-digit ID of the account that owns it (from the URL's path). */
  accountId: string;
  /** Its name. */
  name: string;
  /** How logs, /readyz and metrics name it: `<alias>:<region>:<name>` (no secret). */
  label: string;
}

/**
 * Where the history is kept: a SQLite file (`dataDir` set when it is the default file, a folder
 * created if missing), a PostgreSQL URL (never printed: it may hold a password), or nowhere.
 */
export type HistoryStoreConfig =
  | {
      kind: 'sqlite';
      path: string;
      dataDir: string | null;
      /** Neither JOBGRAPH_HISTORY_URL nor JOBGRAPH_DATA_DIR was set: the default place, which may not be writable (a container's read-only file system). */
      implicit: boolean;
    }
  | { kind: 'postgres'; url: string }
  | { kind: 'off' };
