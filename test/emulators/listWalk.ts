import { expect } from 'vitest';

/**
 * Every page of a walk through an SDK client: `page(nextToken)` reads one (its items and the next
 * token), from no token until the answer carries none.
 */
export async function sdkPages<T>(
  page: (
    nextToken: string | undefined,
  ) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[][]> {
  const pages: T[][] = [];
  let nextToken: string | undefined;
  do {
    const { items, next } = await page(nextToken);
    pages.push(items ?? []);
    nextToken = next;
  } while (nextToken);
  return pages;
}

/** The jobs of a walk's pages, each of the `listed` jobs and the progressing one met once. */
export function walkedOnce<T extends { JobId: string }>(pages: T[][], listed: number): T[] {
  const all = pages.flat();
  expect(all).toHaveLength(listed + 1);
  expect(new Set(all.map((j) => j.JobId)).size).toBe(all.length);
  return all;
}

/** The demo list is `count` jobs, and at least 60 of them. */
export function expectDemoListSize(jobs: readonly unknown[], count: number): void {
  expect(jobs).toHaveLength(count);
  expect(jobs.length).toBeGreaterThanOrEqual(60);
}

/** How many of `jobs` have each value `of` gives (a status). */
export function countBy<T>(jobs: readonly T[], of: (job: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const j of jobs) counts[of(j)] = (counts[of(j)] ?? 0) + 1;
  return counts;
}

/**
 * `jobs` count each status (`statusOf`) as the `recent` and `settled` counts add up to, and the
 * recent ones, listed first, are all `unfinished`: the counts.
 */
export function expectRecentFirst<T>(
  jobs: readonly T[],
  statusOf: (job: T) => string,
  counts: {
    recent: readonly (readonly [string, number])[];
    settled: readonly (readonly [string, number])[];
  },
  unfinished: (status: string) => boolean,
): Record<string, number> {
  const counted = countBy(jobs, statusOf);
  expect(counted).toEqual(Object.fromEntries([...counts.recent, ...counts.settled]));
  const recent = counts.recent.reduce((sum, [, n]) => sum + n, 0);
  expect(jobs.slice(0, recent).every((j) => unfinished(statusOf(j)))).toBe(true);
  return counted;
}
