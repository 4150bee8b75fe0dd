import type { Config } from '../../src/config/index.ts';
import { withDemoUpstreams, type EmulatorSet } from '@jobgraph/emulators';

/**
 * The demo's upstreams (`withDemoUpstreams`) with its default accounts only, for tests about one
 * account's sources (the second accounts' listing is test/accounts/listing.test.ts's).
 */
export function withDefaultDemoAccounts(base: Config, emulators: EmulatorSet): Config {
  const upstreams = withDemoUpstreams(base, emulators);
  return { ...upstreams, awsAccounts: [], tencent: { ...upstreams.tencent, accounts: [] } };
}
