import { ConfigError, opt, type Env } from './env.ts';
import { intsOf } from './limits.ts';
import { PATTERNS } from './patterns.ts';
import type { Config } from './types.ts';

function cacheUrl(env: Env): string | null {
  const v = opt(env, 'JOBGRAPH_CACHE_URL');
  if (v === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(
      'JOBGRAPH_CACHE_URL',
      'is not a URL (expected e.g. redis://127.0.0.1:6379)',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ConfigError('JOBGRAPH_CACHE_URL', 'must be a redis:// or rediss:// URL');
  return v;
}

/** The cache of finished jobs. */
export function cacheOf(env: Env): Config['cache'] {
  return { url: cacheUrl(env), ...intsOf(env, 'cache') };
}

/** JOBGRAPH_CURSOR_SECRET, at least 32 characters, or null. */
export function cursorSecretOf(env: Env): string | null {
  const cursorSecret = opt(env, 'JOBGRAPH_CURSOR_SECRET') ?? null;
  if (cursorSecret !== null && cursorSecret.length < 32) {
    throw new ConfigError(
      'JOBGRAPH_CURSOR_SECRET',
      'must be at least 32 characters (the HMAC-SHA256 key of listJobs cursors)',
    );
  }
  return cursorSecret;
}

/** Most HealthOmics reference stores JOBGRAPH_OMICS_REFERENCE_STORES (or a `listJobs` filter) names. */
export const MAX_OMICS_REFERENCE_STORES = 10;

/** JOBGRAPH_OMICS_REFERENCE_STORES: comma-separated reference store IDs (10-36 digits), duplicates dropped. */
function omicsReferenceStores(env: Env): string[] | null {
  const name = 'JOBGRAPH_OMICS_REFERENCE_STORES';
  const v = opt(env, name);
  if (v === undefined) return null;
  const ids = [
    ...new Set(
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length === 0 || ids.some((id) => !PATTERNS.omicsId.re.test(id)))
    throw new ConfigError(
      name,
      `must be comma-separated HealthOmics reference store IDs (${PATTERNS.omicsId.form})`,
    );
  if (ids.length > MAX_OMICS_REFERENCE_STORES)
    throw new ConfigError(name, `names at most ${MAX_OMICS_REFERENCE_STORES} reference stores`);
  return ids;
}

/** `Query.listJobs`' settings. */
export function listingOf(env: Env, cursorSecret: string | null): Config['listing'] {
  return {
    cursorSecret,
    omicsReferenceStores: omicsReferenceStores(env),
    ...intsOf(env, 'listing'),
  };
}
