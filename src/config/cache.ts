import { ConfigError, opt, urlIn, type Env } from './env.ts';
import { intsOf } from './limits.ts';
import { PATTERNS } from './patterns.ts';
import type { Config } from './types.ts';

function cacheUrl(env: Env): string | null {
  const v = opt(env, 'JOBGRAPH_CACHE_URL');
  if (v === undefined) return null;
  urlIn('JOBGRAPH_CACHE_URL', v, ['redis:', 'rediss:'], {
    notUrl: 'is not a URL (expected e.g. redis://127.0.0.1:6379)',
    otherProtocol: 'must be a redis:// or rediss:// URL',
  });
  return v;
}

/** Shortest JOBGRAPH_CLUSTER_SECRET accepted, in characters. */
const MIN_CLUSTER_SECRET_LENGTH = 32;

/**
 * Fewest distinct characters a JOBGRAPH_CLUSTER_SECRET holds. Ten, not more: 32 random hex
 * characters (`openssl rand -hex 16`, the shortest accepted) hold fewer than ten about once in
 * ten thousand draws, and fewer than twelve about once in sixty.
 */
const MIN_CLUSTER_SECRET_DISTINCT = 10;

/** The secrets the cluster secret must differ from: each keys something else, which a replica's Redis must not learn. */
const OTHER_SECRETS = ['JOBGRAPH_JWT_SECRET', 'JOBGRAPH_CURSOR_SECRET'] as const;

/** Whether `v` is one shorter string said again and again (`abcdabcdab`): a word, not a random key. */
function isRepetition(v: string): boolean {
  for (let period = 1; period <= v.length / 2; period++) {
    let i = period;
    while (i < v.length && v[i] === v[i - period]) i++;
    if (i === v.length) return true;
  }
  return false;
}

/**
 * JOBGRAPH_CLUSTER_SECRET: the key every value written to Redis is sealed under (src/cache/sealed.ts),
 * required with JOBGRAPH_CACHE_URL — without it a replica would believe whatever Redis holds. Its
 * value is never part of a message. Refused when short, of low variety (fewer than
 * MIN_CLUSTER_SECRET_DISTINCT distinct characters, or a repetition), or equal to the JWT or
 * cursor secret: whoever holds one of those (a token issuer, a cursor's verifier) would then
 * hold the key to what Redis keeps, and the reverse.
 */
function clusterSecret(env: Env, url: string | null): string | null {
  const name = 'JOBGRAPH_CLUSTER_SECRET';
  const v = opt(env, name);
  if (v === undefined) {
    if (url === null) return null;
    throw new ConfigError(
      name,
      `is required with JOBGRAPH_CACHE_URL (at least ${MIN_CLUSTER_SECRET_LENGTH} random characters, the same on every replica; e.g. openssl rand -base64 48): it authenticates what the replicas read back from Redis`,
    );
  }
  strongClusterSecret(env, name, v);
  return v;
}

/** Refuse `v` (the value of `name`) when short, of low variety or equal to the JWT or cursor secret. */
function strongClusterSecret(env: Env, name: string, v: string): void {
  if (
    v.length < MIN_CLUSTER_SECRET_LENGTH ||
    new Set(v).size < MIN_CLUSTER_SECRET_DISTINCT ||
    isRepetition(v)
  )
    throw new ConfigError(
      name,
      `is too weak: use at least ${MIN_CLUSTER_SECRET_LENGTH} random characters, ${MIN_CLUSTER_SECRET_DISTINCT} of them distinct and not one word repeated (e.g. openssl rand -base64 48)`,
    );
  const same = OTHER_SECRETS.find((other) => opt(env, other) === v);
  if (same)
    throw new ConfigError(
      name,
      `must differ from ${same}: each secret keys something else (e.g. openssl rand -base64 48 for each)`,
    );
}

/**
 * JOBGRAPH_CLUSTER_SECRET_PREVIOUS: during a rotation, the secret being replaced (or, in its first
 * step, the one coming), whose sealed values are opened too — never sealed with. Held to the same
 * strength as the cluster secret, and meaningless without it.
 */
function previousClusterSecret(env: Env, current: string | null): string | null {
  const name = 'JOBGRAPH_CLUSTER_SECRET_PREVIOUS';
  const v = opt(env, name);
  if (v === undefined) return null;
  if (current === null)
    throw new ConfigError(name, 'is set without JOBGRAPH_CLUSTER_SECRET (and JOBGRAPH_CACHE_URL)');
  strongClusterSecret(env, name, v);
  if (v === current) throw new ConfigError(name, 'is the same as JOBGRAPH_CLUSTER_SECRET');
  return v;
}

/** The cache of finished jobs. */
export function cacheOf(env: Env): Config['cache'] {
  const url = cacheUrl(env);
  const secret = clusterSecret(env, url);
  return {
    url,
    clusterSecret: secret,
    previousClusterSecret: previousClusterSecret(env, secret),
    ...intsOf(env, 'cache'),
  };
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
