import {
  awsAccountsOf,
  awsRegionOf,
  tencentAccountsOf,
  tencentCredentialsOf,
  tencentPlaceOf,
} from './accounts.ts';
import { actionsOf } from './actions.ts';
import { authOf, corsOrigins } from './auth.ts';
import { cacheOf, cursorSecretOf, listingOf } from './cache.ts';
import { awsSettingsOf, endpointsOf } from './endpoints.ts';
import { eventsOf } from './events.ts';
import { historyStoreOf } from './history.ts';
import { notificationsOf } from './notifications.ts';
import { publicUrlOf } from './publicUrl.ts';
import { ConfigError, bool, int, opt, pattern, type Env } from './env.ts';
import { callerRateOf, emulatorJobsPerSource, intsOf, resilienceOf } from './limits.ts';
import { tracing } from './tracing.ts';
import type { Config, LoadOptions } from './types.ts';

/** Read and validate the environment (default: process.env). Throws ConfigError on the first bad value. */
export function loadConfig(options: LoadOptions, env: Env = process.env): Config {
  const demo = options.mode === 'demo';
  // Read in this order, so that the first bad value named is the same whatever else is wrong.
  const awsRegion = awsRegionOf(env);
  const tencentCredentials = tencentCredentialsOf(env);
  const auth = authOf(env);
  const cursorSecret = cursorSecretOf(env);
  const endpoints = endpointsOf(env);
  const awsAccounts = awsAccountsOf(env);
  const config: Config = {
    mode: options.mode,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: opt(env, 'HOST') ?? (demo ? '127.0.0.1' : '0.0.0.0'),
    awsRegion,
    endpoints,
    ...awsSettingsOf(env),
    awsAccounts,
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
    events: eventsOf(
      env,
      awsRegion,
      awsAccounts.map((a) => a.alias),
    ),
    callerRate: callerRateOf(env),
    history: {
      store: historyStoreOf(env),
      private: bool(env, 'JOBGRAPH_HISTORY_PRIVATE', false),
      ...intsOf(env, 'history'),
    },
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
    mcpWriteTools: bool(env, 'JOBGRAPH_MCP_WRITE_TOOLS', false),
    publicUrl: publicUrlOf(env),
    actions: actionsOf(env, demo),
    notifications: notificationsOf(env),
    tracing: tracing(env),
    emulatorJobsPerSource: emulatorJobsPerSource(env),
  };
  if (config.watch.maxPollMs < config.watch.pollMs)
    throw new ConfigError('JOBGRAPH_WATCH_MAX_POLL_MS', 'must be at least JOBGRAPH_WATCH_POLL_MS');
  return config;
}
