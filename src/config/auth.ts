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
  return { jwtSecret, jwksUrl, issuer, audience };
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
