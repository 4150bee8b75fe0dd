import type { RuleStore } from './ruleStore.ts';

/** The p90 of a queue's time in a state is over this many days of the history. */
const P90_DAYS = 14;
/** Fewer stays than this and a queue has no p90 (a STUCK-by-factor rule waits for more). */
const P90_MIN_SAMPLES = 5;

/**
 * The p90 of how long jobs of `queue` stayed in `state` over the last P90_DAYS, from the
 * history's transitions (history/queueWaits.ts `queueStays`); null below P90_MIN_SAMPLES.
 */
export async function queueP90(
  store: Pick<RuleStore, 'queueStays'>,
  provider: string,
  queue: string | null,
  state: string,
  now: number,
): Promise<{ p90Ms: number; samples: number } | null> {
  if (queue === null) return null;
  const stays = await store.queueStays(provider, queue, state, now - P90_DAYS * 86_400_000);
  if (stays.length < P90_MIN_SAMPLES) return null;
  return { p90Ms: stays[Math.ceil(0.9 * stays.length) - 1]!, samples: stays.length };
}
