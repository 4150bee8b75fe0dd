import { describe } from 'vitest';
import { realPart } from './realParts.ts';

/**
 * A `describe` of replicas sharing one real redis-server, skipped where redis-server is missing.
 * Its tests start several replicas and wait for their calls: with the cores held busy that took
 * past the suite's 120 s default once (load 21), so they get 300 s, a bound and not a figure.
 */
export function describeOnRedis(name: string, body: () => void): void {
  describe.skipIf(realPart('redis-server').skip)(name, { timeout: 300_000 }, body);
}
