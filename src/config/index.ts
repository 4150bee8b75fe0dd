/**
 * The configuration: the environment read once into a typed, validated `Config` before anything
 * listens. The ground floor of src/: it imports nothing of the rest, and only its files read
 * `process.env` (test/architecture.test.ts). By concern: env.ts (reading one variable),
 * patterns.ts (the value forms IDs share), accounts.ts, endpoints.ts, auth.ts, limits.ts (the
 * whole-number settings), cache.ts (cache and listing), tracing.ts, load.ts (`loadConfig`),
 * variableDocs.ts (`--help`) and unknownVariables.ts (misspelled names).
 */
export { accountGroupsNameAccounts } from './auth.ts';
export { ConfigError } from './env.ts';
export { SETTING_VARIABLES, UPSTREAM_RATE_NAMES, emulatorJobsPerSource } from './limits.ts';
export { MAX_OMICS_REFERENCE_STORES } from './cache.ts';
export { loadConfig } from './load.ts';
export { eventsOf } from './events.ts';
export { DEFAULT_DATA_DIR, refusePrivateClusterHistory } from './history.ts';
export type { AwsAccount, Config, EventQueue, TencentCredentials, TracingConfig } from './types.ts';
export { levenshtein, unknownVariableWarnings } from './unknownVariables.ts';
export { JOBGRAPH_VARIABLES, VARIABLE_DOCS } from './variableDocs.ts';
