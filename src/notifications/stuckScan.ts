/**
 * STUCK rules' judgement (docs/notifications.md, "What fires"): which unfinished jobs a rule
 * matches have been in their state past its bound — `stuckAfterSeconds`, or `stuckFactor` × the
 * p90 of their queue's time in that state over 14 days (queueP90.ts) — and whether a provider read
 * has shown them so since (their `last_confirmed_at`). A job past its bound that no read has shown
 * so since (nobody watched it: a rule made while a job already waited for hours) is read now by the
 * notifier, within a bound a scan, never delivered on the history's word alone.
 */
import type { JobRow } from '../history/tables.ts';
import { queueP90 } from './queueP90.ts';
import type { RuleRow, RuleStore } from './ruleStore.ts';
import { parsedOf } from './ruleSet.ts';

/** An unfinished job as the scan reads it: its row and when it entered its state. */
export type StuckJob = Awaited<ReturnType<typeof stuckCandidates>>[number];

/** Why a job is stuck (`data.stuck` of the payload, beside its state and since). */
export type StuckBasis = Record<string, unknown>;

/** A rule's unfinished jobs that may be past its bound (at most `limit`), its pairs and providers held. */
export async function stuckCandidates(store: RuleStore, rule: RuleRow, now: number, limit: number) {
  const { accounts, filter } = parsedOf(rule);
  const after = rule.stuck_after_seconds;
  // Fixed: the cutoff in SQL. By factor: every unfinished job, judged against its queue's p90.
  const cutoff = after === null ? null : new Date(now - after * 1000).toISOString();
  const rows = await store.unfinishedJobs(
    { pairs: accounts, cutoff, ...(filter.providers ? { providers: filter.providers } : {}) },
    limit,
  );
  return rows.filter((r) => typeof r.since === 'string') as (JobRow &
    (typeof rows)[number] & { since: string })[];
}

/**
 * Whether `job` is past `rule`'s bound now: null when not (or its queue has no p90 yet); else its
 * basis, and whether a read has shown it in that state since it passed the bound (`confirmed`).
 */
export async function judgeStuck(
  store: RuleStore,
  rule: RuleRow,
  job: StuckJob,
  now: number,
  p90s: Map<string, { p90Ms: number; samples: number } | null>,
): Promise<{ basis: StuckBasis; confirmed: boolean } | null> {
  const entered = Date.parse(job.since);
  const confirmedAt = Date.parse(job.last_confirmed_at);
  const after = rule.stuck_after_seconds;
  if (after !== null) {
    const passed = entered + after * 1000;
    if (now < passed) return null;
    return {
      basis: { basis: 'stuckAfterSeconds', afterSeconds: after },
      confirmed: confirmedAt >= passed,
    };
  }
  const factor = rule.stuck_factor === null ? null : Number(rule.stuck_factor);
  if (factor === null) return null;
  const key = `${job.provider}\n${job.queue ?? ''}\n${job.state}`;
  if (!p90s.has(key)) p90s.set(key, await queueP90(store, job.provider, job.queue, job.state, now));
  const p = p90s.get(key);
  if (!p) return null;
  const threshold = factor * p.p90Ms;
  // Longer than k × p90 in that state.
  if (now - entered <= threshold) return null;
  return {
    basis: {
      basis: 'stuckFactor',
      factor,
      p90Seconds: Math.round(p.p90Ms / 1000),
      samples: p.samples,
    },
    confirmed: confirmedAt >= entered + threshold,
  };
}
