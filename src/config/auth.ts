import { ConfigError, bool, opt, url, type Env } from './env.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from './patterns.ts';
import type { Config } from './types.ts';

/** The token settings: a JWKS needs its issuer and audience; an HS256 key at least 32 characters. */
export function authOf(env: Env): Config['auth'] {
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
  const accountsClaim = opt(env, 'JOBGRAPH_ACCOUNTS_CLAIM');
  const accountGroups = accountGroupsOf(env);
  return {
    jwtSecret,
    jwksUrl,
    issuer,
    audience,
    accountsClaim: accountsClaim ?? 'accounts',
    accountGroups,
    // An operator who named a claim or mapped groups relies on tokens carrying it: a token
    // without it (a service token, Entra's group-overage token) must not fall back to the
    // default accounts, which nobody granted it.
    accountsClaimRequired: bool(
      env,
      'JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED',
      accountsClaim !== undefined || accountGroups !== null,
    ),
  };
}

/** Most groups JOBGRAPH_ACCOUNT_GROUPS maps. */
const MAX_ACCOUNT_GROUPS = 1000;

const GROUPS = 'JOBGRAPH_ACCOUNT_GROUPS';
const GROUPS_FORM = 'must be a JSON object such as {"team-a": ["staging"]}';
/** An entry a group may stand for: `*`, `default`, an alias, or an account ID (digits). */
const GROUP_ENTRY = /^(?:\*|[0-9]{1,32}|[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?)$/;

/**
 * JOBGRAPH_ACCOUNT_GROUPS: a JSON object from each group (or role) name an identity provider puts
 * in the accounts claim to the account entries it stands for — an array of strings, or one
 * space-separated string (`{"team-a": ["staging"], "platform": "*"}`). Only what it maps grants
 * anything, so a mapping that maps nothing, a group of no entries or an entry that could name no
 * account stops the start here; `accountGroupsNameAccounts` checks the aliases once the
 * accounts are known.
 */
function accountGroupsOf(env: Env): Config['auth']['accountGroups'] {
  const raw = opt(env, GROUPS);
  if (raw === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(GROUPS, GROUPS_FORM);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(GROUPS, GROUPS_FORM);
  const groups = Object.entries(parsed as Record<string, unknown>);
  if (groups.length === 0)
    throw new ConfigError(GROUPS, `maps no group: ${GROUPS_FORM.replace('must be', 'use')}`);
  if (groups.length > MAX_ACCOUNT_GROUPS)
    throw new ConfigError(GROUPS, `maps at most ${MAX_ACCOUNT_GROUPS} groups`);
  const out: Record<string, readonly string[]> = Object.create(null) as Record<string, string[]>;
  for (const [group, value] of groups) out[group] = Object.freeze(groupEntries(group, value));
  return Object.freeze(out);
}

/** One group's entries, each one that could name an account. */
function groupEntries(group: string, value: unknown): string[] {
  const shown = JSON.stringify(group.slice(0, 64));
  if (group.trim() === '') throw new ConfigError(GROUPS, 'maps a group with an empty name');
  const entries =
    typeof value === 'string'
      ? value.split(/\s+/).filter(Boolean)
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value.map((v) => v.trim())
        : null;
  if (entries === null)
    throw new ConfigError(
      GROUPS,
      `maps each group to an array of account entries or a space-separated string; ${shown} is neither`,
    );
  if (entries.length === 0)
    throw new ConfigError(GROUPS, `maps the group ${shown} to no account (an empty list)`);
  for (const entry of entries)
    if (!GROUP_ENTRY.test(entry))
      throw new ConfigError(
        GROUPS,
        `the group ${shown} maps to ${JSON.stringify(entry.slice(0, 64))}, which is not an account alias, "default", an account ID or "*"`,
      );
  return entries;
}

/**
 * Every alias JOBGRAPH_ACCOUNT_GROUPS maps to must be configured (JOBGRAPH_AWS_ACCOUNTS,
 * JOBGRAPH_TENCENT_ACCOUNTS, or `default`): a typo would otherwise grant nothing, silently.
 * Checked once the accounts are final (the demo adds its own), before the server listens.
 * Account IDs are not checked here: the default AWS account's is learned from its credentials.
 */
export function accountGroupsNameAccounts(
  config: Pick<Config, 'auth' | 'awsAccounts' | 'tencent'>,
): void {
  const groups = config.auth.accountGroups;
  if (!groups) return;
  const aliases = new Set([
    DEFAULT_ACCOUNT,
    ...config.awsAccounts.map((a) => a.alias),
    ...config.tencent.accounts.map((a) => a.alias),
  ]);
  for (const [group, entries] of Object.entries(groups))
    for (const entry of entries)
      if (PATTERNS.accountAlias.re.test(entry) && !aliases.has(entry))
        throw new ConfigError(
          GROUPS,
          `the group ${JSON.stringify(group.slice(0, 64))} maps to the alias ${entry}, which no account has (configured: ${[...aliases].join(', ')})`,
        );
}

/** JOBGRAPH_CORS_ORIGINS: `*`, or origins (scheme, host, optional port; no path), comma-separated. */
export function corsOrigins(env: Env, demo: boolean): Config['corsOrigins'] {
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
