import type { Config } from '../config/index.ts';
import { BadUserInputError } from '../errors.ts';
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

/**
 * The alias of `provider`'s account whose ID is `accountId` (a job ARN's account), for a caller
 * whose grant is `grant`; else throws, before any upstream call: `refuse(provider, account,
 * shown)`'s error (the audited FORBIDDEN) named by the ID the caller sent — its alias would tell
 * that the ID is a configured account's — or, for a caller of every account, BAD_USER_INPUT
 * naming `argument` when no configured account has that ID. What a query's `job(id)` and
 * `jobUpdates(ids)` both read an ARN by.
 */
export function aliasOfAccountId(
  config: Config,
  accounts: AwsAccounts | undefined,
  grant: { all: boolean; permits(provider: JobProvider, alias: string): boolean },
  refuse: (provider: JobProvider, account: string, shown: string) => Error,
): (provider: JobProvider, accountId: string, argument: string) => string {
  return (provider, accountId, argument) => {
    const alias = accountDirectory(config, accounts).find(
      (a) => a.provider === provider && a.ids.includes(accountId),
    )?.alias;
    if (alias !== undefined && grant.permits(provider, alias)) return alias;
    if (alias === undefined && grant.all)
      throw new BadUserInputError(
        `Argument "${argument}" names account ${accountId}, which is no configured account (JOBGRAPH_AWS_ACCOUNTS; the default account's ID once its credentials are known).`,
        { argument },
      );
    throw refuse(provider, alias ?? accountId, accountId);
  };
}
