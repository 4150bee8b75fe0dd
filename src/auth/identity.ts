import { DEFAULT_ACCOUNTS_ONLY, type AccountGrant } from './accountGrant.ts';

/** Who is calling: anonymous (no token) or a verified token's subject, scopes and accounts. */
export interface Identity {
  authenticated: boolean;
  subject: string | null;
  scopes: ReadonlySet<string>;
  /** The accounts it may read (the token's accounts claim; without one, the default accounts). */
  accounts: AccountGrant;
  /** When the token expires (its `exp`), in ms since the epoch; absent without a token. Open subscriptions end then. */
  expiresAt?: number;
}

export const ANONYMOUS: Identity = Object.freeze({
  authenticated: false,
  subject: null,
  scopes: new Set<string>(),
  accounts: DEFAULT_ACCOUNTS_ONLY,
});

/** The scope every job type needs. */
export const SCOPE_READ = 'jobs:read';
/** The extra scope sensitive fields need. */
export const SCOPE_SECRETS = 'jobs:secrets:read';
