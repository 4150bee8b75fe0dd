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

const aws = doc('AWS (Panorama, HealthOmics, Import/Export, CodePipeline, Batch)');

const tencent = doc('Tencent Cloud (COS Batch)');

const cache = doc('Cache and listing');

const history = doc('History');

const observe = doc('Logs, metrics and traces');

const limits = doc('Query and request limits');

const upstream = doc('Upstream calls');

const watch = doc('Subscriptions');

// duplicates: data — a table of every variable's name, default and meaning: its rows repeat one shape
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
    'JOBGRAPH_MCP_WRITE_TOOLS',
    'off',
    "the MCP server's cancel_job and terminate_job tools at /mcp (also need jobs:write)",
  ),
  server(
    'JOBGRAPH_PUBLIC_URL',
    '— (demo: its own address)',
    'the URL users reach jobgraph by: every link it builds (notifications, the console) starts with it',
  ),
  server(
    'JOBGRAPH_ACTIONS',
    'none live; cancel,terminate,rerun demo',
    'actions on jobs the mutations may take: cancel, terminate, rerun, comma-separated',
  ),
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
    'claim naming the accounts a token reads (a.b: nested)',
  ),
  tokens(
    'JOBGRAPH_ACCOUNT_GROUPS',
    '—',
    'JSON: group → the accounts it grants, e.g. {"team-a":["staging"]}; only mapped groups grant',
  ),
  tokens(
    'JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED',
    'on with a claim name or a mapping',
    'a token without the accounts claim reads no account (off: the default accounts)',
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
  aws('AWS_ENDPOINT_URL_SQS', 'real endpoint', 'SQS endpoint override (the event queues)'),
  aws(
    'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
    'real endpoint',
    'CloudWatch Logs endpoint override (AWS Batch job logs)',
  ),
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
  cache(
    'JOBGRAPH_CLUSTER_SECRET',
    '— (required with JOBGRAPH_CACHE_URL)',
    'key sealing values in Redis: 32+ random chars, 10+ distinct, not the JWT/cursor secret; shared',
  ),
  cache(
    'JOBGRAPH_CLUSTER_SECRET_PREVIOUS',
    '—',
    'during a rotation of JOBGRAPH_CLUSTER_SECRET: values sealed under it are read too, never written',
  ),
  cache('JOBGRAPH_CACHE_MAX_ENTRIES', '10000', 'entries of the in-process LRU (0: off)'),
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
  history(
    'JOBGRAPH_HISTORY_URL',
    '— (SQLite file in the data folder)',
    'sqlite:<file>, postgres://… (replicas share it) or off: where job history is kept',
  ),
  history(
    'JOBGRAPH_DATA_DIR',
    './jobgraph-data (demo: a new temporary folder each run)',
    'folder of the default history file, created if missing',
  ),
  history(
    'JOBGRAPH_HISTORY_PRIVATE',
    'off',
    'on: a replica sharing Redis may keep a SQLite history of its own (live mode refuses it otherwise)',
  ),
  history(
    'JOBGRAPH_HISTORY_RETAIN_DAYS',
    '400',
    'days a job is kept in the history store (1–36500)',
  ),
  history(
    'JOBGRAPH_HISTORY_MAX_BYTES',
    '10737418240',
    'history size budget in bytes (10 GiB): warned at 90 %, oldest finished jobs pruned at it',
  ),
  history(
    'JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS',
    '5000',
    'time limit of a jobHistory search, ms (1–600000); past it BAD_USER_INPUT',
  ),
  history(
    'JOBGRAPH_NOTIFY_SECRET',
    '— (live: notifications off; demo: made at start)',
    'key sealing notification targets and signing secrets, 32+ characters; replicas share it',
  ),
  history(
    'JOBGRAPH_NOTIFY_ALLOW_HOSTS',
    '—',
    'host:port a notification target may use over http, off port 443, on any address (bare host: 443)',
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
  limits(
    'JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST',
    '40',
    'list sources read upstream per request (a snapshot-served source is free)',
  ),
  limits(
    'JOBGRAPH_CALLER_RATE',
    '600/60s',
    'requests per caller (token subject; address without one), e.g. 10/s; 0 or off: none',
  ),
  limits('JOBGRAPH_MAX_BODY_BYTES', '1048576', 'largest request body or WebSocket frame, bytes'),
  limits('JOBGRAPH_MAX_DEPTH', '12', 'deepest selection of an operation'),
  limits('JOBGRAPH_MAX_ALIASES', '30', 'aliases in an operation'),
  limits('JOBGRAPH_MAX_TOKENS', '4000', 'lexical tokens in a document'),
  limits('JOBGRAPH_MAX_COST', '5000', 'static cost of an operation (README: the weights)'),
  upstream('JOBGRAPH_UPSTREAM_TIMEOUT_MS', '5000', 'each upstream attempt, ms'),
  upstream('JOBGRAPH_UPSTREAM_MAX_ATTEMPTS', '3', 'attempts per job (1–3)'),
  upstream('JOBGRAPH_UPSTREAM_BUDGET_MS', '15000', 'total time per job, ms'),
  upstream(
    'JOBGRAPH_UPSTREAM_RATE_LIMITS',
    '— (no rate budget)',
    'calls/s per provider and region, e.g. omics=5,cos=10; cluster-wide with Redis',
  ),
  upstream('JOBGRAPH_UPSTREAM_MAX_BODY_BYTES', '1048576', 'largest upstream answer read, bytes'),
  upstream('JOBGRAPH_PROVIDER_CONCURRENCY', '50', 'concurrent upstream calls per provider'),
  upstream('JOBGRAPH_BREAKER_FAILURES', '5', 'unavailable jobs in a row that open a circuit'),
  upstream(
    'JOBGRAPH_LOG_READS_PER_SECOND',
    '5',
    'job log reads (GetLogEvents) a second per account and region',
  ),
  watch(
    'JOBGRAPH_EVENT_QUEUES',
    '— (demo: its emulated queues)',
    'job event queue URLs, comma-separated: url, alias=url, collector reader+other=url; empty: off',
  ),
  watch(
    'JOBGRAPH_EVENT_RECONCILE_SECONDS',
    '300',
    'how often a job live by events is re-read anyway (best-effort events: a fifth), s',
  ),
  watch(
    'JOBGRAPH_EVENT_MISS_GRACE_SECONDS',
    '60',
    'how long a change a read found waits for its event before coverage goes off, s',
  ),
  watch('JOBGRAPH_WATCH_POLL_MS', '2000', 'first wait between two polls of a watched job, ms'),
  watch('JOBGRAPH_WATCH_MAX_POLL_MS', '30000', 'longest wait between two polls, ms'),
  watch('JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER', '20', 'open subscriptions per caller'),
  watch('JOBGRAPH_MAX_SUBSCRIPTIONS', '10000', 'open subscriptions per process'),
  watch('JOBGRAPH_MAX_WEBSOCKETS', '1000', 'open WebSocket connections per process'),
  watch('JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER', '20', 'open WebSocket connections per caller'),
  watch('JOBGRAPH_MAX_WEBSOCKETS_PENDING', '100', 'WebSockets not yet past connection_init'),
  watch('JOBGRAPH_MAX_SSE_RESERVATIONS', '1000', 'SSE single-connection reservations per process'),
];

/**
 * Every `JOBGRAPH_*` variable jobgraph reads, by name: those the descriptions above name, but the
 * per-alias ones (`JOBGRAPH_AWS_EXTERNAL_ID_<ALIAS>`, known through the list that names the alias).
 * A test checks `loadConfig` reads no other, and that each one described is read.
 */
export const JOBGRAPH_VARIABLES: readonly string[] = VARIABLE_DOCS.map((v) => v.name).filter(
  (name) => name.startsWith('JOBGRAPH_') && !name.includes('<'),
);
