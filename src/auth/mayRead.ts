import type { JobProvider } from '../model/job.ts';
import type { AccountGrant } from './identity.ts';

/**
 * May a caller holding `grant` see a job of `provider` in the account aliased `alias` (`default`:
 * the default one)? The one decision, per (provider, account) pair, that reads (`job`, `jobs`,
 * `_entities`, listings, the history), subscriptions, actions (`availableActions`, `cancelJob`,
 * …), log lines (`logTail`, `jobLogs`) and notification rules (a caller holds every pair of a rule
 * it sees; a rule takes a job of its own pairs only) all make: a grant by account ID or UIN covers
 * one cloud, so an alias alone never decides.
 */
export function mayRead(grant: AccountGrant, provider: JobProvider, alias: string): boolean {
  return grant.permits(provider, alias);
}
