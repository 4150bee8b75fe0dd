import type { JobProvider } from '../model/job.ts';

/** The alias of the default accounts (jobgraph's own credentials on each cloud). */
// The configuration's DEFAULT_ACCOUNT (config/patterns.ts), written here so that `jobgraph
// --version`, which loads this file, loads nothing else (test/auth/mayRead.test.ts holds the two equal).
export const DEFAULT_ACCOUNT_ALIAS = 'default';

/**
 * Which accounts a caller may read: the one decision (identity × account → allowed) that the
 * job loads, the lister, subscription set-up and the console's queries consult. A job is read only
 * when `permits(its provider, its account's alias)`, decided by the job's own account (the alias
 * whose credentials read it), never by the key or snapshot it came through.
 */
export interface AccountGrant {
  /** True for `*`: every configured account. */
  readonly all: boolean;
  /** May a job of `provider` in the account aliased `alias` (`default`: the default one) be read? */
  permits(provider: JobProvider, alias: string): boolean;
  /**
   * The aliases readable on at least one provider (`default` first, then as configured), or
   * `['*']` for every account: what the console and `viewer` show.
   */
  readonly aliases: readonly string[];
  /** Where the grant came from: the token's claim, or its absence (the default accounts only). */
  readonly basis: 'claim' | 'no-claim';
}

/** The grant of a token without the accounts claim (and of anonymous callers): the default accounts only. */
export const DEFAULT_ACCOUNTS_ONLY: AccountGrant = Object.freeze({
  all: false,
  permits: (_provider: JobProvider, alias: string) => alias === DEFAULT_ACCOUNT_ALIAS,
  aliases: Object.freeze([DEFAULT_ACCOUNT_ALIAS]),
  basis: 'no-claim' as const,
});

/** Who is calling: anonymous (no token) or a verified token's subject, scopes and accounts. */
export interface Identity {
  authenticated: boolean;
  subject: string | null;
  scopes: ReadonlySet<string>;
  /** The accounts it may read (the token's accounts claim; without one, the default accounts). */
  accounts: AccountGrant;
  /** When the token expires (its `exp`), in ms since the epoch; absent without a token. Open subscriptions end then. */
  expiresAt?: number;
  /**
   * Who is calling, for the per-caller request rate: a digest of the token's issuer and `sub`
   * (without `sub`: of its issuer and `jti`, else of the token itself), never the token or the
   * subject in clear; absent without a token (the client's address stands in).
   */
  callerKey?: string;
}

export const ANONYMOUS: Identity = Object.freeze({
  authenticated: false,
  subject: null,
  scopes: new Set<string>(),
  accounts: DEFAULT_ACCOUNTS_ONLY,
});

/** The scope every job type needs. */
export const SCOPE_READ = 'jobs:read';
/**
 * The scope every action on a job needs (cancelJob, terminateJob, cancelJobs), besides the
 * accounts claim as for reads; `jobs:read` alone never acts.
 */
export const SCOPE_WRITE = 'jobs:write';
/** The scope of notification rules: create, change, test, list (docs/notifications.md). */
export const SCOPE_NOTIFY = 'notifications:write';
/** The extra scope sensitive fields need. */
export const SCOPE_SECRETS = 'jobs:secrets:read';
/**
 * The scope of a job's own log lines (`logTail`, `jobLogs`; docs/logs.md), besides `jobs:read` and
 * the account's grant: jobs print secrets, so their lines are guarded like secret fields.
 */
export const SCOPE_LOGS = 'jobs:logs:read';
/**
 * The scope of operators: what `/readyz` says beyond ready or not (each account's state, the
 * reason it is not ready). Jobs need `jobs:read` as ever; this scope reads none.
 */
export const SCOPE_OPERATE = 'jobgraph:operate';
