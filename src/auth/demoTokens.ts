import type { Config } from '../config/index.ts';
import { ALL_ACCOUNTS } from './accountGrant.ts';
import { SCOPE_LOGS, SCOPE_NOTIFY, SCOPE_READ, SCOPE_SECRETS, SCOPE_WRITE } from './identity.ts';
import { mintToken } from './mintToken.ts';

/**
 * The demo's printed tokens (src/app.ts `startDemo`): a reader, a secrets reader and an operator
 * (acts on jobs, makes notification rules, reads job logs) of every account, the notifier the
 * banner's rule is made with, and a second-account reader.
 */
export type DemoTokens = {
  read: string;
  secrets: string;
  write: string;
  secondAccount: string;
  notify: string;
};

/** The demo's tokens, signed with `config.auth.jwtSecret`. */
export async function demoTokens(config: Config, secondAlias: string): Promise<DemoTokens> {
  const secret = config.auth.jwtSecret as string;
  const common = {
    secret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accountsClaim: config.auth.accountsClaim,
  };
  // Every account for the reader and the secrets reader; the second account alone for a team's view.
  return {
    read: await mintToken({
      ...common,
      scopes: [SCOPE_READ],
      subject: 'demo-reader',
      accounts: claimOf(config.auth.accountGroups, ALL_ACCOUNTS),
    }),
    secrets: await mintToken({
      ...common,
      scopes: [SCOPE_READ, SCOPE_SECRETS],
      subject: 'demo-secrets-reader',
      accounts: claimOf(config.auth.accountGroups, ALL_ACCOUNTS),
    }),
    // The demo's actions are on (JOBGRAPH_ACTIONS: cancel and terminate unless told otherwise):
    // the token that takes them, makes rules and reads logs, as an on-call operator's would.
    write: await mintToken({
      ...common,
      scopes: [SCOPE_READ, SCOPE_WRITE, SCOPE_NOTIFY, SCOPE_LOGS],
      subject: 'demo-operator',
      accounts: claimOf(config.auth.accountGroups, ALL_ACCOUNTS),
    }),
    // Notification rules of every account (docs/notifications.md): the banner's rule is made with it.
    notify: await mintToken({
      ...common,
      scopes: [SCOPE_READ, SCOPE_NOTIFY],
      subject: 'demo-notifier',
      accounts: claimOf(config.auth.accountGroups, ALL_ACCOUNTS),
    }),
    secondAccount: await mintToken({
      ...common,
      scopes: [SCOPE_READ],
      subject: `demo-${secondAlias}-reader`,
      accounts: claimOf(config.auth.accountGroups, secondAlias),
    }),
  };
}

/**
 * What a printed demo token's claim holds to grant `entry`: the entry itself, or — with a group
 * mapping, where only mapped groups grant — the first group mapped to it (none: nothing).
 */
function claimOf(groups: Config['auth']['accountGroups'], entry: string): string[] {
  if (!groups) return [entry];
  const group = Object.keys(groups).find((g) => groups[g]?.includes(entry));
  return group === undefined ? [] : [group];
}
