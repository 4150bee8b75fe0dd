import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';

/** One key per caller: `jobgraph:caller-rate:v2:<keyed digest of the caller>` = its theoretical arrival time, µs on Redis's clock. */
export const CALLER_RATE_KEY_PREFIX = 'jobgraph:caller-rate:v2:';

/**
 * The Redis key of each caller's request rate: its caller key (a digest of the token's issuer and
 * subject, or of the client's address) under an HMAC-SHA256 whose key is derived (HKDF) from
 * JOBGRAPH_CLUSTER_SECRET. The state cannot be sealed (Redis's script reads it), so its name is
 * what keeps it apart: with a plain digest, whoever may write to Redis could compute any
 * caller's key from an address or a subject and write a far-ahead time there, and that caller
 * would be refused until it lapsed. Keyed, the name of a caller's key is known only to the
 * replicas; `v1` keys (plain digests) are never read.
 */
export function callerRateKeys(clusterSecret: string): (callerKey: string) => string {
  const key = createSecretKey(
    Buffer.from(
      hkdfSync('sha256', clusterSecret, 'jobgraph cluster', 'jobgraph:caller-key:v2', 32),
    ),
  );
  return (callerKey) =>
    CALLER_RATE_KEY_PREFIX + createHmac('sha256', key).update(callerKey).digest('base64url');
}
