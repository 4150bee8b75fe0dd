import type { Logger } from 'pino';
import { secretValues } from '../auth/secretValues.ts';
import type { Config } from '../config/index.ts';
import type { AccountChecks } from '../datasources/accountChecks.ts';
import type { Sources } from '../datasources/index.ts';
import { AwsAccounts, type AccountState } from '../datasources/shared/accounts.ts';
import type { Observability } from '../observability/index.ts';

// The accounts as the gateway starts: AWS's sessions made and counted, every account checked
// once (live mode), and one log line per account saying whether it can serve.

/** The AWS accounts: each AssumeRole counted; the default credentials' and each session's secrets pinned for scrubbing. */
export function awsAccounts(config: Config, observability: Observability | undefined): AwsAccounts {
  return new AwsAccounts(config, {
    assumeRole: (alias, outcome) => observability?.metrics?.assumeRole(alias, outcome),
    learned: (identity) => {
      secretValues.pin(identity.secretAccessKey);
      secretValues.pin(identity.sessionToken);
    },
  });
}

/**
 * Each account checked once now (live mode), so /readyz, the summary and the log say which cannot
 * serve before a request does; readiness does not wait for it (a failed account leaves the others).
 */
export function verifyAccounts(
  config: Config,
  accountChecks: AccountChecks,
  accounts: AwsAccounts,
  sources: Sources,
  logger: Logger,
): Promise<AccountState[]> | undefined {
  const verification =
    config.mode === 'live'
      ? accountChecks
          .verify(config, sources, config.limits.upstreamTimeoutMs)
          .then((states) => reportVerified(states, logger))
      : undefined;
  if (!verification && config.awsAccounts.length > 0) void reportAccounts(accounts, logger);
  return verification;
}

/** One line per account once verified: verified, or why not (never a key or a message). */
function reportVerified(states: AccountState[], logger: Logger): AccountState[] {
  for (const a of states) {
    const fields = { cloud: a.cloud, account: a.alias, accountId: a.accountId, code: a.code };
    if (a.state === 'READY') logger.info(fields, 'account credentials verified');
    else if (a.state === 'NOT_CONFIGURED')
      logger.warn(
        { ...fields, missing: a.missing },
        'account not configured: its jobs answer PROVIDER_NOT_CONFIGURED',
      );
    else
      logger.warn(
        { ...fields, refused: a.refused },
        'account credentials could not be verified: its jobs answer errors until they can',
      );
  }
  return states;
}

/** One line per configured AWS account once its role was first tried: assumed, or why not. */
async function reportAccounts(accounts: AwsAccounts, logger: Logger): Promise<void> {
  for (const a of (await accounts.check()).slice(1)) {
    if (a.state === 'READY')
      logger.info({ account: a.alias, accountId: a.accountId }, 'AWS account role assumed');
    else
      logger.warn(
        { account: a.alias, accountId: a.accountId, code: a.code },
        'AWS account role could not be assumed: its jobs answer errors until it can',
      );
  }
}
