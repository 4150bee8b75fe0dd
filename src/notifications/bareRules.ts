/**
 * Rules stored before a rule covered (provider, account) pairs held bare account aliases, which
 * read as an alias on every cloud: a token granted `staging` on one cloud made a rule that took
 * the alias's jobs on all of them. Their creator's grant is not known, so at start each such row
 * becomes the pairs of every configured provider of its aliases (the widest it could have meant)
 * and is disabled, audited, until a token holding all of it enables it again (docs/notifications.md).
 */
import type { RuleStore } from './ruleStore.ts';
import { pairsOfBareAliases, type AccountPair } from './rulePairs.ts';

/** The `disabledReason` of a converted row. */
export const BARE_ALIASES_REASON =
  'stored before rules covered (provider, account) pairs: disabled until a token reading every account it covers enables it again (updateNotificationRule)';

/**
 * Converts and disables every rule of `store` holding bare aliases; `disabled` is told of each
 * (the log line and the metric of a disable). Resolves to how many it converted.
 */
export async function convertBareRules(
  store: RuleStore,
  configured: readonly AccountPair[],
  disabled: (ruleId: string, reason: string) => void,
  now: () => number = Date.now,
): Promise<number> {
  let converted = 0;
  for (const row of await store.all()) {
    const pairs = pairsOfBareAliases(JSON.parse(row.accounts) as string[], configured);
    if (pairs === null) continue;
    const at = new Date(now()).toISOString();
    const set = {
      accounts: JSON.stringify(pairs),
      enabled: 0,
      disabled_reason: BARE_ALIASES_REASON,
      updated_at: at,
    };
    const audit = {
      ruleId: row.id,
      at,
      change: 'DISABLE' as const,
      subject: null,
      reason: BARE_ALIASES_REASON,
    };
    if (!(await store.updateIfAccounts(row.id, row.accounts, set, audit))) continue;
    converted += 1;
    disabled(row.id, BARE_ALIASES_REASON);
  }
  return converted;
}
