/** Who is calling: anonymous (no token) or a verified token's subject and scopes. */
export interface Identity {
  authenticated: boolean;
  subject: string | null;
  scopes: ReadonlySet<string>;
  /** When the token expires (its `exp`), in ms since the epoch; absent without a token. Open subscriptions end then. */
  expiresAt?: number;
}

export const ANONYMOUS: Identity = Object.freeze({
  authenticated: false,
  subject: null,
  scopes: new Set<string>(),
});

/** The scope every job type needs. */
export const SCOPE_READ = 'jobs:read';
/** The extra scope sensitive fields need. */
export const SCOPE_SECRETS = 'jobs:secrets:read';
