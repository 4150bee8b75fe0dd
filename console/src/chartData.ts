import { TRIAGE_ORDER } from './format.ts';

/**
 * What the history view's charts draw, computed in the browser from `jobHistory` pages (the API
 * has no aggregates): jobs finished per hour (or per day) by state, and duration percentiles per
 * provider or per queue. Pure functions, so a unit test holds them to their definitions.
 */

/** One finished job as the charts read it. */
export interface ChartJob {
  provider: string;
  state: string;
  createdAt: string | null;
  completedAt: string | null;
  /** AWS Batch's job queue ARN; absent for the other providers. */
  jobQueue?: string | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Up to this many hours a window is drawn per hour; a longer one per day (a bar stays wide enough to see). */
const MAX_HOURLY_BARS = 168;

interface Bucket {
  /** The bucket's start, ISO (UTC). */
  start: string;
  /** Jobs that finished in it, by state. */
  counts: Record<string, number>;
  total: number;
}

export interface Histogram {
  unit: 'hour' | 'day';
  buckets: Bucket[];
  /** The states drawn, bottom of each bar first (what went wrong first: TRIAGE_ORDER). */
  states: string[];
  /** The largest bar's total (the chart's scale). */
  max: number;
}

/**
 * The jobs finished in [from, to) per UTC hour (per UTC day when the window is longer than
 * MAX_HOURLY_BARS hours), by state. A job without a finish time, or finished outside the window,
 * is not counted.
 */
export function finishedPerBucket(jobs: readonly ChartJob[], from: string, to: string): Histogram {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const unit = toMs - fromMs > MAX_HOURLY_BARS * HOUR_MS ? 'day' : 'hour';
  const size = unit === 'day' ? DAY_MS : HOUR_MS;
  const first = Math.floor(fromMs / size) * size;
  const buckets: Bucket[] = [];
  for (let at = first; at < toMs; at += size)
    buckets.push({ start: new Date(at).toISOString(), counts: {}, total: 0 });
  const seen = new Set<string>();
  for (const job of jobs) {
    const at = job.completedAt ? Date.parse(job.completedAt) : NaN;
    if (!(at >= fromMs && at < toMs)) continue;
    const bucket = buckets[Math.floor((at - first) / size)];
    if (!bucket) continue;
    bucket.counts[job.state] = (bucket.counts[job.state] ?? 0) + 1;
    bucket.total++;
    seen.add(job.state);
  }
  const states = [
    ...TRIAGE_ORDER.filter((s) => seen.has(s)),
    ...[...seen].filter((s) => !TRIAGE_ORDER.includes(s)).sort(),
  ];
  return { unit, buckets, states, max: Math.max(0, ...buckets.map((b) => b.total)) };
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least p% of
 * the values at or below it. Undefined for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export type Grouping = 'provider' | 'queue';

/**
 * Which group a job's duration counts in: its provider, or with `queue` its provider and its queue
 * (AWS Batch's job queue by name; the other providers have none: their provider alone).
 */
function groupOf(job: ChartJob, grouping: Grouping): { provider: string; queue: string | null } {
  const queue =
    grouping === 'queue' && job.jobQueue
      ? job.jobQueue.slice(job.jobQueue.lastIndexOf('/') + 1)
      : null;
  return { provider: job.provider, queue };
}

export interface DurationRow {
  /** The JobProvider value. */
  provider: string;
  /** The queue's name with `group=queue`, where the provider has queues; else null. */
  queue: string | null;
  /** Jobs with both a creation and a finish time (what the percentiles are of). */
  jobs: number;
  /** Seconds. */
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Each group's p50, p90 and p99 of how long its jobs took, in whole seconds: created → completed,
 * the rule of the list's Duration column (queueing included; five of the six providers report no
 * start). Jobs without either time are left out. Groups by provider, then queue.
 */
export function durationPercentiles(jobs: readonly ChartJob[], grouping: Grouping): DurationRow[] {
  const byGroup = new Map<string, { provider: string; queue: string | null; values: number[] }>();
  for (const job of jobs) {
    if (!job.createdAt || !job.completedAt) continue;
    const seconds = Math.round((Date.parse(job.completedAt) - Date.parse(job.createdAt)) / 1000);
    if (!Number.isFinite(seconds)) continue;
    const group = groupOf(job, grouping);
    const key = `${group.provider}/${group.queue ?? ''}`;
    const found = byGroup.get(key) ?? { ...group, values: [] };
    found.values.push(Math.max(0, seconds));
    byGroup.set(key, found);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { provider, queue, values }]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        provider,
        queue,
        jobs: sorted.length,
        p50: percentile(sorted, 50) ?? 0,
        p90: percentile(sorted, 90) ?? 0,
        p99: percentile(sorted, 99) ?? 0,
      };
    });
}
