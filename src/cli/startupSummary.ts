import type { QueueState } from '../datasources/events/eventQueues.ts';
import type { CoverageState } from '../datasources/events/coverage.ts';
import { EVENT_PROVIDERS } from '../datasources/events/envelope.ts';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { AwsCredentialIdentity } from '@smithy/types';
import {
  loadConfig,
  SETTING_VARIABLES,
  unknownVariableWarnings,
  type Config,
} from '../config/index.ts';
import { PROVIDERS } from '../datasources/registry.ts';
import { PROVIDER_LABEL } from '../datasources/shared/classify.ts';
import type { AccountState } from '../datasources/shared/accounts.ts';
import type { ClusterState } from '../cache/clusterPeers.ts';
import { dialectOf } from '../history/dialect.ts';
import { notificationsOffReason } from '../notifications/notificationsOff.ts';
import {
  JOB_LOGS_LINE,
  capabilityOffLines,
  describeActions,
  describePublicUrl,
} from './capabilities.ts';

/**
 * What the standard AWS credential chain answered at start. Only the source is kept: never a
 * key, a token or a secret.
 */
export type AwsCredentialStatus =
  | { state: 'static'; source: string }
  | { state: 'resolved'; source: string }
  | { state: 'profile-not-found'; profile: string; files: string[] }
  | { state: 'profile-unusable'; profile: string; reason: string }
  | { state: 'none' }
  | { state: 'timeout'; timeoutMs: number };

/** How long the start-up summary waits for the AWS credential chain and the JWKS, in ms (default 3000). */
export const STARTUP_PROBE_TIMEOUT_MS = 3000;

/** Credential feature flags (`$source`) the AWS SDK sets on what it resolves, as an operator would name them. */
const SOURCE_LABELS: [flag: string, label: string][] = [
  ['CREDENTIALS_PROFILE_SSO', 'SSO (IAM Identity Center)'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'SSO (legacy)'],
  ['CREDENTIALS_SSO', 'SSO (IAM Identity Center)'],
  ['CREDENTIALS_SSO_LEGACY', 'SSO (legacy)'],
  ['CREDENTIALS_PROFILE_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'web identity token'],
  ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)'],
  ['CREDENTIALS_STS_ASSUME_ROLE_WEB_ID', 'web identity token'],
  ['CREDENTIALS_PROFILE_LOGIN', 'aws login'],
  ['CREDENTIALS_LOGIN', 'aws login'],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'assumed role via source_profile'],
  ['CREDENTIALS_PROFILE_NAMED_PROVIDER', 'assumed role via credential_source'],
  ['CREDENTIALS_STS_ASSUME_ROLE', 'assumed role'],
  ['CREDENTIALS_HTTP', 'container credentials endpoint (ECS/EKS)'],
  ['CREDENTIALS_IMDS', 'EC2 instance metadata (IMDS)'],
  ['CREDENTIALS_ENV_VARS', 'environment variables (AWS_ACCESS_KEY_ID)'],
  ['CREDENTIALS_CODE', 'static credentials'],
];

const PROFILE_FLAGS = /^CREDENTIALS_PROFILE/;

/** Name the source of resolved credentials from the SDK's feature flags (`$source`). */
export function describeCredentialSource(
  flags: Record<string, unknown> | undefined,
  profile: string | null,
): string {
  const set = Object.keys(flags ?? {});
  const label = SOURCE_LABELS.find(([flag]) => set.includes(flag))?.[1];
  if (set.some((f) => PROFILE_FLAGS.test(f))) {
    const name = `profile "${profile ?? 'default'}"`;
    return label && !set.every((f) => f === 'CREDENTIALS_PROFILE') ? `${name}, ${label}` : name;
  }
  return label ?? 'the default credential chain (source not reported)';
}

export interface ResolveAwsOptions {
  /** The chain to ask (default: the AWS SDK's default chain, as the clients use). */
  provider?: () => Promise<AwsCredentialIdentity & { $source?: Record<string, unknown> }>;
  /** Give up after this many ms (default STARTUP_PROBE_TIMEOUT_MS): instance metadata can be slow to refuse. */
  timeoutMs?: number;
}

/**
 * Resolve the standard AWS credential chain once and say where the credentials came from.
 * A set AWS_PROFILE that is in neither shared file is reported as such, distinct from "no
 * credentials" (the SDK answers both with the same error).
 */
export async function resolveAwsCredentialSource(
  shared: Config['awsShared'],
  awsCredentials: Config['awsCredentials'],
  options: ResolveAwsOptions = {},
): Promise<AwsCredentialStatus> {
  if (awsCredentials)
    return { state: 'static', source: 'static credentials from the configuration' };
  const timeoutMs = options.timeoutMs ?? STARTUP_PROBE_TIMEOUT_MS;
  // Loaded only when the chain is asked (it is large): static credentials never need it.
  const provider =
    options.provider ??
    (await import('@aws-sdk/credential-provider-node')).defaultProvider({
      filepath: shared.credentialsFile,
      configFilepath: shared.configFile,
      ...(shared.profile ? { profile: shared.profile } : {}),
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const answer = await Promise.race([provider(), timeout]);
    if (answer === 'timeout') return { state: 'timeout', timeoutMs };
    return {
      state: 'resolved',
      source: describeCredentialSource(
        (answer as { $source?: Record<string, unknown> }).$source,
        shared.profile,
      ),
    };
  } catch (err) {
    if (!shared.profile) return { state: 'none' };
    const files = [shared.configFile, shared.credentialsFile];
    if (!(await profileExists(shared.profile, files)))
      return { state: 'profile-not-found', profile: shared.profile, files };
    return { state: 'profile-unusable', profile: shared.profile, reason: oneLine(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a shared config or credentials file has a `[name]` or `[profile name]` section. */
async function profileExists(profile: string, files: string[]): Promise<boolean> {
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]/gm))
      if (m[1] === profile) return true;
  }
  return false;
}

/** An SDK error's message, first line, capped: the credential providers' messages name files and profiles, not values. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0]?.trim() ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/** A URL for display: scheme, host and path; never user info or a query (either may hold a credential). */
export function displayUrl(value: string): string {
  try {
    const url = new URL(value);
    const path = url.pathname === '/' ? '' : url.pathname;
    return `${url.protocol}//${url.host}${path}`;
  } catch {
    return '(unparsable URL)';
  }
}

const home = homedir();
const tilde = (file: string) =>
  file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;

export interface StartupSummaryInput {
  config: Config;
  aws: AwsCredentialStatus;
  /** Whether the configured JWKS was fetched; ignored without one. */
  jwksFetched: boolean;
  /** Unknown-variable warnings (`unknownVariableWarnings`). */
  warnings: string[];
  /** Every account as verification left it (`Gateway.verification`); none: not verified. */
  accounts?: readonly AccountState[];
  /** Each job event queue as its first read left it (JOBGRAPH_EVENT_QUEUES); none: no queue. */
  eventQueues?: readonly QueueState[];
  /** Each event provider's coverage per account and region (`EventQueues.coverage`); none: no queue. */
  eventCoverage?: readonly CoverageState[];
  /** With Redis, the replicas sharing it as the first presence check left them; none: no Redis. */
  cluster?: ClusterState;
}

/** The start-up summary's lines: providers, credential sources, auth, cache, changed limits, warnings. Never a secret value. */
export function formatStartupSummary({
  config,
  aws,
  jwksFetched,
  warnings,
  accounts,
  eventQueues,
  eventCoverage,
  cluster,
}: StartupSummaryInput): string[] {
  const row = (label: string, text: string) => `  ${label.padEnd(19)} ${text}`;
  const awsConfigured = aws.state === 'resolved' || aws.state === 'static';
  const awsState = awsConfigured
    ? 'configured'
    : aws.state === 'timeout'
      ? 'credentials not known yet'
      : 'NOT configured (answers PROVIDER_NOT_CONFIGURED)';
  const lines = [
    'jobgraph live mode — start-up summary',
    row('AWS credentials', describeAws(aws)),
    row('AWS region', config.awsRegion),
  ];
  // The providers of the AWS credential chain first, under its line; then those with their own.
  const byChain = [...PROVIDERS].sort(
    (a, b) => Number(a.setup.credentials !== 'aws') - Number(b.setup.credentials !== 'aws'),
  );
  for (const { name, setup } of byChain) {
    const endpoint = setup.endpoint(config);
    const override = endpoint ? ` · endpoint override ${displayUrl(endpoint)}` : '';
    const credentials = setup.credentials === 'aws' ? awsState : setup.credentials(config);
    const configured =
      setup.credentials === 'aws' ? awsConfigured : !credentials.startsWith('NOT configured');
    const ended =
      setup.ended && configured
        ? ` · AWS ended ${PROVIDER_LABEL[name]} on ${setup.ended}: its jobs answer UPSTREAM_UNAVAILABLE once its endpoint stops answering`
        : '';
    lines.push(row(PROVIDER_LABEL[name], `${credentials}${override}${ended}`));
  }

  lines.push(row('accounts', describeAccounts(config, accounts !== undefined)));
  for (const account of accounts ?? [])
    lines.push(row(`  ${account.cloud} ${account.alias}`, describeAccountState(account)));
  lines.push(row('auth', describeAuth(config.auth, jwksFetched)));
  lines.push(row('account grants', describeGrants(config.auth)));
  lines.push(row('cache', describeCache(config.cache)));
  lines.push(row('history', describeHistory(config)));
  lines.push(row('notifications', describeNotifications(config)));
  lines.push(row('public URL', describePublicUrl(config)));
  lines.push(row('actions', describeActions(config)));
  lines.push(row('job logs', JOB_LOGS_LINE));
  if (cluster)
    lines.push(...describeCluster(cluster).map((text, i) => row(i ? 'warning' : 'cluster', text)));
  lines.push(row('rate budget', describeRates(config)));
  lines.push(row('job events', describeEvents(eventQueues ?? [])));
  for (const q of eventQueues ?? []) lines.push(row(`  ${q.queue}`, describeQueue(q)));
  for (const provider of EVENT_PROVIDERS) {
    // The provider's first kind's places (a further kind's are /readyz's, with their `kind`).
    const places = (eventCoverage ?? []).filter(
      (c) => c.provider === provider && c.kind === undefined,
    );
    if (places.length > 0)
      lines.push(row(`  ${PROVIDER_LABEL[provider]}`, describeCoverage(places)));
  }
  const changed = changedSettings(config);
  lines.push(row('limits', changed.length ? changed.join(', ') : 'defaults'));
  if (config.listing.cursorSecret === null)
    lines.push(
      row(
        'warning',
        'JOBGRAPH_CURSOR_SECRET is not set: listJobs cursors are signed with a key made at start, so they do not survive a restart or work across replicas',
      ),
    );
  // What the demo shows that this configuration leaves off, each with the variable that turns it on.
  for (const line of capabilityOffLines(config)) lines.push(row('off', line));
  for (const warning of warnings) lines.push(row('warning', warning));
  return lines;
}

/** The event queues in one line: which providers' jobs are live by events, or that every job is polled. */
function describeEvents(queues: readonly QueueState[]): string {
  if (queues.length === 0) return 'none (JOBGRAPH_EVENT_QUEUES): every watched job is polled';
  const names = EVENT_PROVIDERS.map((p) => PROVIDER_LABEL[p]).join(', ');
  return `${queues.length} SQS queue(s); ${names} jobs of a readable queue's account and region are live by events once an event of theirs is applied`;
}

/** Why a provider's jobs of an account and region are not live by events, in words. */
const COVERAGE_WORDS: Record<NonNullable<CoverageState['reason']>, string> = {
  NO_EVENT: 'polled until its first event',
  QUEUE_DOWN: 'polled (no readable queue)',
  MISSED: 'polled (a read found a change no event announced)',
  REJECTED: 'polled (its events are rejected)',
  CLUSTER_DOWN: 'polled (the replicas cannot share its events: Redis unavailable)',
  SILENT: 'polled (no event for longer than its usual gap since the evidence a restart kept)',
};

/** One provider's coverage: each account and region, live by events or polled and why. */
function describeCoverage(places: readonly CoverageState[]): string {
  return places
    .map(
      (c) =>
        `${c.account}/${c.region} ${c.reason === null ? 'live by events' : COVERAGE_WORDS[c.reason]}`,
    )
    .join('; ');
}

/** One queue after its first read: readable, or why not (its jobs are then polled). */
function describeQueue(q: QueueState): string {
  if (q.state === 'UP') return 'readable';
  if (q.state === 'STARTING') return 'not answered yet';
  return `CANNOT be read (${q.code ?? 'unknown'}): its jobs are polled until it can; tried again with back-off`;
}

function describeAws(aws: AwsCredentialStatus): string {
  switch (aws.state) {
    case 'static':
    case 'resolved':
      return `from ${aws.source}`;
    case 'profile-not-found':
      return `profile "${aws.profile}" (AWS_PROFILE) NOT FOUND in ${aws.files.map(tilde).join(' or ')}`;
    case 'profile-unusable':
      return `profile "${aws.profile}" (AWS_PROFILE) gave no credentials: ${aws.reason}`;
    case 'none':
      return 'none found (environment, shared files, SSO, container, instance metadata)';
    case 'timeout':
      return `the credential chain did not answer within ${aws.timeoutMs} ms; the first upstream call will try again`;
  }
}

function describeAuth(auth: Config['auth'], jwksFetched: boolean): string {
  const parts: string[] = [];
  if (auth.jwtSecret) parts.push('HS256 (JOBGRAPH_JWT_SECRET)');
  if (auth.jwksUrl) {
    const fetched = jwksFetched
      ? 'key set fetched'
      : 'key set NOT fetched yet (retried in the background; /readyz answers 503 until it is)';
    parts.push(`JWKS ${displayUrl(auth.jwksUrl)} · ${fetched}`);
  }
  if (parts.length === 0)
    return 'NONE: neither JOBGRAPH_JWT_SECRET nor JOBGRAPH_JWKS_URL is set, so every job field answers UNAUTHENTICATED';
  const claims = [
    auth.issuer ? `issuer "${auth.issuer}"` : null,
    auth.audience ? `audience "${auth.audience}"` : null,
  ].filter(Boolean);
  return [...parts, ...(claims.length ? [claims.join(', ')] : [])].join(' · ');
}

/** Which claim names a token's accounts, and what a token without it reads. */
function describeGrants(auth: Config['auth']): string {
  const groups = auth.accountGroups ? Object.keys(auth.accountGroups).length : 0;
  return [
    `claim "${auth.accountsClaim}" (JOBGRAPH_ACCOUNTS_CLAIM)`,
    auth.accountsClaimRequired
      ? 'a token without it reads no account (JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED)'
      : 'a token without it reads the default accounts only',
    groups
      ? `${groups} group${groups === 1 ? '' : 's'} mapped to accounts, the only entries that grant (JOBGRAPH_ACCOUNT_GROUPS)`
      : 'no group mapping',
  ].join(' · ');
}

function describeCache(cache: Config['cache']): string {
  if (cache.url) return `Redis ${displayUrl(cache.url)} (shared)`;
  if (cache.maxEntries === 0) return 'off (JOBGRAPH_CACHE_MAX_ENTRIES=0)';
  return `in-process LRU, ${cache.maxEntries} entries`;
}

/**
 * The replicas sharing Redis as this one's first presence check saw them (names and counts, never
 * a secret); a second line, a warning, when some seal under another JOBGRAPH_CLUSTER_SECRET.
 */
/** Whether notification rules are kept and delivered (docs/notifications.md), and if not, why. */
export function describeNotifications(config: Config): string {
  const off = notificationsOffReason(config);
  if (off !== null) return `off: ${off}`;
  const allowed = config.notifications.allowHosts;
  return `on (rules in the history store; targets https on port 443 to global addresses only${allowed.length ? `; plain http and any address for ${allowed.join(', ')}` : ''})`;
}

/** Where job history is kept (docs/history.md); a PostgreSQL URL without its password. */
export function describeHistory(config: Config): string {
  const { store, retainDays } = config.history;
  if (store.kind === 'off') return 'off (JOBGRAPH_HISTORY_URL=off)';
  const dialect = dialectOf(store.kind);
  if (dialect.sharedByReplicas)
    return `${dialect.describePlace(store)}, shared by the replicas, ${retainDays} days`;
  const alone =
    config.cache.url !== null
      ? '; replicas sharing Redis do not share it: each remembers alone (a postgres:// JOBGRAPH_HISTORY_URL is shared)'
      : '';
  return `${dialect.describePlace(store)}, ${retainDays} days${alone}`;
}

function describeCluster(cluster: ClusterState): string[] {
  if (!cluster.checked)
    return [
      `this replica ${cluster.replica}; Redis has not answered yet, so the other replicas are not known (an operator's /readyz tells them)`,
    ];
  const lines = [
    `this replica ${cluster.replica} · ${cluster.peers} other replica(s) seal under the same JOBGRAPH_CLUSTER_SECRET · ${cluster.macRejections} value(s) read from Redis failed their MAC`,
  ];
  if (cluster.peersWithAnotherSecret > 0) {
    const ids = cluster.peersWithAnotherSecretIds.length
      ? ` (${cluster.peersWithAnotherSecretIds.join(', ')})`
      : '';
    lines.push(
      `${cluster.peersWithAnotherSecret} replica(s) sharing this Redis seal under ANOTHER JOBGRAPH_CLUSTER_SECRET${ids}, or their presence was forged: MAC rejections from peers; each reads what the other writes as misses and calls upstream instead; give every replica the same secret`,
    );
  }
  return lines;
}

/** JOBGRAPH_UPSTREAM_RATE_LIMITS as it applies: per provider and region, and shared or not. */
function describeRates(config: Config): string {
  const rates = Object.entries(config.resilience.upstreamRateLimits);
  if (rates.length === 0) return 'none (JOBGRAPH_UPSTREAM_RATE_LIMITS unset)';
  const where = config.cache.url
    ? 'shared by the replicas through Redis'
    : 'this process alone (no JOBGRAPH_CACHE_URL)';
  return `${rates.map(([name, rate]) => `${name} ${rate}/s`).join(', ')} per region (a global service: one) · ${where}`;
}

/** `VARIABLE=value (default d)` for each limit, resilience or cache setting that differs from its default. */
function changedSettings(config: Config): string[] {
  const defaults = loadConfig({ mode: config.mode }, {});
  const out: string[] = [];
  for (const [path, variable] of Object.entries(SETTING_VARIABLES)) {
    const [group, key] = path.split('.') as [string, string];
    const value = (config as unknown as Record<string, Record<string, unknown>>)[group]?.[key];
    const fallback = (defaults as unknown as Record<string, Record<string, unknown>>)[group]?.[key];
    if (value !== fallback) out.push(`${variable}=${String(value)} (default ${String(fallback)})`);
  }
  if (config.cache.maxEntries !== defaults.cache.maxEntries && config.cache.maxEntries !== 0) {
    out.push(
      `JOBGRAPH_CACHE_MAX_ENTRIES=${config.cache.maxEntries} (default ${defaults.cache.maxEntries})`,
    );
  }
  return out;
}

export interface PrintStartupSummaryOptions {
  /** Where the lines go (default: stderr, so stdout stays JSON log lines). */
  write?: (text: string) => void;
  /** How long to wait for the AWS chain and the JWKS, in ms (default STARTUP_PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Override the AWS credential chain (tests). */
  awsProvider?: ResolveAwsOptions['provider'];
}

/**
 * Live mode's start-up summary, printed once after the gateway listens: resolve the AWS
 * credential chain and wait for the JWKS (both bounded by `timeoutMs`), then print. Never throws.
 */
export async function printStartupSummary(
  gateway: {
    config: Config;
    server: { jwksReady(): boolean };
    verification?: Promise<readonly AccountState[]> | undefined;
    events?:
      | {
          states(): QueueState[];
          coverage(): CoverageState[];
          tried(timeoutMs: number): Promise<void>;
        }
      | undefined;
    cluster?: { checked(timeoutMs: number): Promise<void>; state(): ClusterState } | undefined;
  },
  options: PrintStartupSummaryOptions = {},
): Promise<void> {
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  try {
    const { config } = gateway;
    const timeoutMs = options.timeoutMs ?? STARTUP_PROBE_TIMEOUT_MS;
    // The verification is bounded by the upstream timeout (each check within it).
    const [aws, jwksFetched, accounts] = await Promise.all([
      resolveAwsCredentialSource(config.awsShared, config.awsCredentials, {
        timeoutMs,
        ...(options.awsProvider ? { provider: options.awsProvider } : {}),
      }),
      waitFor(() => gateway.server.jwksReady(), config.auth.jwksUrl ? timeoutMs : 0),
      gateway.verification,
      gateway.events?.tried(timeoutMs),
      gateway.cluster?.checked(timeoutMs),
    ]);
    const input = { config, aws, jwksFetched, warnings: unknownVariableWarnings() };
    const eventQueues = gateway.events?.states();
    const eventCoverage = gateway.events?.coverage();
    const cluster = gateway.cluster?.state();
    write(
      `${formatStartupSummary({ ...input, ...(accounts ? { accounts } : {}), ...(eventQueues ? { eventQueues } : {}), ...(eventCoverage ? { eventCoverage } : {}), ...(cluster ? { cluster } : {}) }).join('\n')}\n`,
    );
  } catch (err) {
    // The gateway is already serving: a summary that cannot be made must not stop it.
    write(
      `jobgraph: the start-up summary could not be made: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}

/** Poll `check` every 50 ms until it is true or `timeoutMs` has passed. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50).unref());
  }
  return true;
}

/**
 * The accounts besides the default one: aliases and account IDs (never an external ID or key);
 * `listed`: each account's verification follows on its own line.
 */
function describeAccounts(config: Config, listed: boolean): string {
  const aws = config.awsAccounts.map((a) => `${a.alias} (${a.accountId})`);
  const cos = config.tencent.accounts.map((a) => `${a.alias} (UIN ${a.uin})`);
  const below = listed ? '; each account verified below' : '';
  if (aws.length + cos.length === 0) return `the default account only${below}`;
  return `${[
    ...(aws.length ? [`AWS by role: ${aws.join(', ')}`] : []),
    ...(cos.length ? [`COS: ${cos.join(', ')}`] : []),
  ].join(' · ')}${below}`;
}

/** One account's verification: verified, refused (code), not configured (what is missing). */
export function describeAccountState(account: AccountState): string {
  switch (account.state) {
    case 'READY':
      return `verified${account.accountId ? ` (account ${account.accountId})` : ''}`;
    case 'NOT_CONFIGURED':
      return `not configured (${(account.missing ?? []).join(', ')} not set): its jobs answer PROVIDER_NOT_CONFIGURED`;
    case 'FAILED':
      return account.refused
        ? `refused (${account.code}): its jobs answer UPSTREAM_ACCESS_DENIED`
        : `not verified (${account.code}): its jobs answer UPSTREAM_UNAVAILABLE while it does not answer`;
    case 'UNTRIED':
      return 'not verified yet';
  }
}
