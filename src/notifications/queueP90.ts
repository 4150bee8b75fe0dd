import type { RuleStore } from './ruleStore.ts';

/** The p90 of a queue's time in a state is over this many days of the history. */
const P90_DAYS = 14;
/** Fewer stays than this and a queue has no p90 (a STUCK-by-factor rule waits for more). */
const P90_MIN_SAMPLES = 5;
/** Most transitions read for one p90. */
const P90_ROWS = 20_000;

/**
 * The p90 of how long jobs of `queue` stayed in `state` over the last P90_DAYS, from the
 * history's transitions (a stay ends at the job's next transition); null below P90_MIN_SAMPLES.
 * At most P90_ROWS transitions read.
 */
export async function queueP90(
  store: Pick<RuleStore, 'queueTransitions'>,
  provider: string,
  queue: string | null,
  state: string,
  now: number,
): Promise<{ p90Ms: number; samples: number } | null> {
  if (queue === null) return null;
  const from = new Date(now - P90_DAYS * 86_400_000).toISOString();
  const rows = await store.queueTransitions(provider, queue, from, P90_ROWS);
  const stays: number[] = [];
  for (let i = 0; i + 1 < rows.length; i++) {
    const [a, b] = [rows[i]!, rows[i + 1]!];
    if (a.job_seq === b.job_seq && a.to_state === state && b.to_state !== state)
      stays.push(Date.parse(b.at) - Date.parse(a.at));
  }
  if (stays.length < P90_MIN_SAMPLES) return null;
  stays.sort((x, y) => x - y);
  return { p90Ms: stays[Math.ceil(0.9 * stays.length) - 1]!, samples: stays.length };
}
