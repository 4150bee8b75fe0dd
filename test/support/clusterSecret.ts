import {
  createSealer,
  SEALED_HEADER_LENGTH,
  type Sealer,
  type SealerOptions,
} from '../../src/cache/sealed.ts';

/** JOBGRAPH_CLUSTER_SECRET of the tests' replicas: every process sharing a test's Redis has it. */
export const TEST_CLUSTER_SECRET = 'the-test-replicas-seal-what-they-keep-in-redis-0123456789';

/** A sealer under the tests' cluster secret, as each replica makes one. */
export function testSealer(options: SealerOptions = {}): Sealer {
  return createSealer(TEST_CLUSTER_SECRET, options);
}

/**
 * A sealer that records each rejection (`rejected`: `kind reason`), as the metric counts them:
 * under the tests' cluster secret, or `secret` (and `previous`, JOBGRAPH_CLUSTER_SECRET_PREVIOUS).
 */
export function countingSealer(
  secret = TEST_CLUSTER_SECRET,
  previous?: string,
): Sealer & { rejected: string[] } {
  const rejected: string[] = [];
  const sealer = createSealer(secret, {
    ...(previous ? { previous } : {}),
    onReject: (kind, reason) => rejected.push(`${kind} ${reason}`),
  });
  return Object.assign(sealer, { rejected });
}

/** What a sealed value read straight from Redis carries, unchecked (the tests' own look at Redis). */
export function payloadOf(value: string): string {
  return value.slice(SEALED_HEADER_LENGTH);
}

/** The replica a poll lease value names (`<replica ID>|<expiry>`, sealed), or null for none. */
export function leaseHolderOf(value: string | null): string | null {
  if (value === null) return null;
  const payload = payloadOf(value);
  return payload.slice(0, payload.lastIndexOf('|'));
}
