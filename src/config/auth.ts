import { ConfigError, opt, url, type Env } from './env.ts';
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
          ? value
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
