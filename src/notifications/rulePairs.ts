/**
 * What a notification rule covers: (provider, account alias) pairs, stored in its `accounts`
 * column as `PROVIDER/alias` strings (`AWS_BATCH/staging`), or `*` for a rule whose creator read
 * every account. A grant is per provider (an account ID or UIN names its account on one cloud
 * only), so a rule is too: it takes a job only when it holds the job's own pair, and a caller sees
 * and changes it only when its grant holds every pair it covers (docs/notifications.md).
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { JOB_PROVIDERS, type JobProvider } from '../model/job.ts';
import type { AccountGrant } from '../auth/identity.ts';
import type { HistoryTables } from '../history/database.ts';
import type { JobsTable } from '../history/tables.ts';
import { mayRead } from '../auth/mayRead.ts';

/** A rule's stored entry for every account (its creator's grant was `*`). */
export const EVERY_PAIR = '*';

/** One configured account, as `Notifications`' `accounts()` lists them. */
export interface AccountPair {
  provider: JobProvider;
  alias: string;
}

/** The stored form of a pair. */
const pairKey = (provider: string, alias: string): string => `${provider}/${alias}`;

/** A stored entry read back as a pair; null for `*` and for an entry that is no pair (a bare alias). */
export function pairOf(entry: string): AccountPair | null {
  const slash = entry.indexOf('/');
  if (slash < 0) return null;
  const provider = entry.slice(0, slash) as JobProvider;
  if (!JOB_PROVIDERS.includes(provider)) return null;
  return { provider, alias: entry.slice(slash + 1) };
}

/** Whether a rule holding `held` takes a job of `provider` in the account aliased `alias`. */
export function holdsPair(held: readonly string[], provider: string, alias: string): boolean {
  return held.includes(EVERY_PAIR) || held.includes(pairKey(provider, alias));
}

/**
 * Whether `grant` holds all a rule holding `held` covers: a `*` rule only for a `*` grant; else
 * every pair (an entry that is no pair — a row stored before pairs — is held by a `*` grant only).
 */
export function grantHoldsAll(grant: AccountGrant, held: readonly string[]): boolean {
  if (grant.all) return true;
  if (held.length === 0) return false;
  return held.every((entry) => {
    const pair = pairOf(entry);
    return pair !== null && mayRead(grant, pair.provider, pair.alias);
  });
}

/**
 * The configured pairs a rule holding `held` counts against, as stored (`PROVIDER/alias`): its own
 * pairs; a `*` rule, every configured pair; an entry that is no pair (a bare alias stored before
 * pairs, until converted), every configured pair of that alias (as `pairsOfBareAliases` converts it).
 */
export function pairsCountedOf(
  held: readonly string[],
  configured: readonly AccountPair[],
): string[] {
  const index = byPair(configured);
  if (held.includes(EVERY_PAIR)) return [...index.keys()];
  const pairs = held.flatMap((e) =>
    pairOf(e) === null
      ? pairsNamed(index, JOB_PROVIDERS, e).map((a) => pairKey(a.provider, a.alias))
      : [e],
  );
  return [...new Set(pairs)];
}

/** What a rule's filter narrows it to (its `providers` and `accounts`; absent: all). */
export interface PairFilter {
  providers?: readonly string[];
  accounts?: readonly string[];
}

/** Why a creator may not make a rule of this filter (FORBIDDEN), naming what it lacks. */
export class PairRefusal extends Error {}

/**
 * The configured accounts indexed by their stored pair (`PROVIDER/alias`), in the configuration's
 * order (the providers' registry order, then each provider's accounts): the one order every list
 * of pairs made here follows. An alias is looked up only together with a provider, never alone.
 */
function byPair(configured: readonly AccountPair[]): Map<string, AccountPair> {
  return new Map(configured.map((a) => [pairKey(a.provider, a.alias), a]));
}

/** The configured pairs that `alias` names on `providers` (each provider: its account so aliased, if configured). */
function pairsNamed(
  index: ReadonlyMap<string, AccountPair>,
  providers: readonly string[],
  alias: string,
): AccountPair[] {
  return providers.flatMap((p) => index.get(pairKey(p, alias)) ?? []);
}

/** `keys` in the index's (the configuration's) order. */
const inConfiguredOrder = (index: ReadonlyMap<string, AccountPair>, keys: ReadonlySet<string>) =>
  [...index.keys()].filter((k) => keys.has(k));

/**
 * The pairs a rule made by `grant` with `filter` covers. A `*` grant: `*` (the filter narrows
 * which jobs it takes). Else the configured pairs the grant holds, narrowed by the filter's
 * providers and accounts: each account the filter names is the pairs it makes with each provider
 * the filter names (none named: every provider), each pair decided by `mayRead`. Refused
 * (PairRefusal) when the filter names an account the grant does not hold on every configured
 * provider the filter names, or a provider on which the grant holds none of the filter's
 * accounts. The pairs come in the configuration's order.
 */
export function pairsFor(
  grant: AccountGrant,
  filter: PairFilter,
  configured: readonly AccountPair[],
): string[] {
  if (grant.all) return [EVERY_PAIR];
  const index = byPair(configured);
  const providers = filter.providers?.length ? [...new Set(filter.providers)] : null;
  const aliases = filter.accounts?.length ? [...new Set(filter.accounts)] : null;
  const inFilter = aliases
    ? aliases.flatMap((alias) => pairsNamed(index, providers ?? JOB_PROVIDERS, alias))
    : [...index.values()].filter((a) => !providers || providers.includes(a.provider));
  if (aliases) {
    const missing = inFilter
      .filter((a) => !mayRead(grant, a.provider, a.alias))
      .map((a) => `${a.alias} on ${a.provider}`);
    for (const alias of aliases)
      if (pairsNamed(index, providers ?? JOB_PROVIDERS, alias).length === 0)
        missing.push(
          `${alias} (no configured account${providers ? ' on the providers named' : ''})`,
        );
    if (missing.length > 0)
      throw new PairRefusal(
        `The token's accounts do not include ${missing.map((m) => JSON.stringify(m)).join(', ')}: a rule holds only accounts its creator reads, on every provider its filter names.`,
      );
  }
  const pairs = inFilter.filter((a) => mayRead(grant, a.provider, a.alias));
  if (providers)
    for (const provider of providers)
      if (!pairs.some((a) => a.provider === provider))
        throw new PairRefusal(
          `The token reads no account on ${JSON.stringify(provider)}${aliases ? ' among those the filter names' : ''}: a rule holds only accounts its creator reads.`,
        );
  if (pairs.length === 0)
    throw new PairRefusal('The token reads no account: a rule would hold none.');
  return inConfiguredOrder(index, new Set(pairs.map((a) => pairKey(a.provider, a.alias))));
}

/**
 * A row stored before pairs (bare aliases) as pairs: each alias on every configured provider of
 * it (its creator's grant is not known, so the rule is disabled until a token holding all of it
 * enables it again). `*` stays `*`. Null when the entries are pairs already. Order: `*` and the
 * row's own pairs as stored, then the converted pairs in the configuration's order (the
 * providers' registry order, then each provider's accounts).
 */
export function pairsOfBareAliases(
  held: readonly string[],
  configured: readonly AccountPair[],
): string[] | null {
  if (held.every((e) => e === EVERY_PAIR || pairOf(e) !== null)) return null;
  const index = byPair(configured);
  const kept = held.filter((e) => e === EVERY_PAIR || pairOf(e) !== null);
  const converted = new Set(
    held
      .filter((e) => e !== EVERY_PAIR && pairOf(e) === null)
      .flatMap((alias) => pairsNamed(index, JOB_PROVIDERS, alias))
      .map((a) => pairKey(a.provider, a.alias)),
  );
  return [...new Set([...kept, ...inConfiguredOrder(index, converted)])];
}

/** SQL: the history's job is of one of the pairs `held` names (none: no job). */
export function jobOfPairs(
  eb: ExpressionBuilder<HistoryTables & { jobs: JobsTable }, 'jobs'>,
  held: readonly string[],
): Expression<SqlBool> {
  const pairs = held.map(pairOf).filter((p) => p !== null);
  return eb.or(
    pairs.map((p) =>
      eb.and([eb('jobs.provider', '=', p.provider), eb('jobs.account', '=', p.alias)]),
    ),
  );
}
