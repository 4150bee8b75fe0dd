import type { Config } from '../config/index.ts';
import type { JobProvider } from '../model/job.ts';
import { PROVIDERS } from './registry.ts';
import type { AwsAccounts } from './shared/accounts.ts';

/**
 * Every account each provider reads (the default one first) with the IDs a token's grant may
 * name it by: what per-account authorization matches a token's entries against
 * (auth/accountGrant.ts). Read again at each use, so an account ID learned after start (the
 * default AWS account's, from its credentials) counts.
 */
export function accountDirectory(
  config: Config,
  accounts: AwsAccounts | undefined,
): { provider: JobProvider; alias: string; ids: readonly string[] }[] {
  return PROVIDERS.flatMap((p) =>
    p.setup.accountDirectory(config, accounts).map((a) => ({ provider: p.name, ...a })),
  );
}
