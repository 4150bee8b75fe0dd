/**
 * The bound on notification rules (docs/notifications.md, "Bounds"): counted per (provider,
 * account) pair, as a grant is — a rule counts against each pair it covers (`*`: every configured
 * pair), and a rule is refused when any of its pairs is full. An alias is never counted alone: a
 * token granted `staging` on AWS Batch only fills AWS Batch's `staging`, never COS Batch's.
 */
import { BadUserInputError } from '../errors.ts';
import { pairOf, pairsCountedOf, type AccountPair } from './rulePairs.ts';

/**
 * Most notification rules one (provider, account) pair may have: a bound on what each delivery
 * matches against and on the rows an account can make, far above a team's few rules a job queue.
 * Fixed (was JOBGRAPH_NOTIFY_MAX_RULES, which counted an alias across providers).
 */
export const MAX_RULES = 500;

/**
 * The pairs of `pairs` (a rule's, as stored) that already have `max` rules among `stored` (each
 * rule's `accounts` column), `updating`'s own row left out: empty when the rule fits. In the
 * order `pairs` names them.
 */
export function fullPairs(
  stored: readonly { id: string; accounts: string }[],
  pairs: readonly string[],
  configured: readonly AccountPair[],
  max: number,
  updating: string | null,
): string[] {
  const counts = new Map<string, number>();
  for (const row of stored)
    if (row.id !== updating)
      for (const pair of pairsCountedOf(JSON.parse(row.accounts) as string[], configured))
        counts.set(pair, (counts.get(pair) ?? 0) + 1);
  return pairsCountedOf(pairs, configured).filter((p) => (counts.get(p) ?? 0) >= max);
}

/** The refusal of a rule whose pairs `full` (non-empty) have `max` rules each, naming each pair. */
export function ruleBoundRefusal(full: readonly string[], max: number): BadUserInputError {
  const named = full.map((entry) => {
    const pair = pairOf(entry);
    return pair ? `${pair.provider} account ${JSON.stringify(pair.alias)}` : JSON.stringify(entry);
  });
  const which =
    named.length === 1
      ? `${named[0]} has ${max} notification rules, the most it may have`
      : `${named.join(', ')} each have ${max} notification rules, the most one may have`;
  return new BadUserInputError(`${which}: delete one first.`, { argument: 'input', limit: max });
}
