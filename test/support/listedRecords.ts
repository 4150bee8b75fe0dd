import { expect } from 'vitest';
import type { AwsSourceOptions } from '../../src/datasources/shared/options.ts';
import { createSource, type ProviderWire } from '../../src/datasources/shared/source.ts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import type { JobKey } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';

/** A SigV4 provider's source on its emulator at `endpoint`, with the demo credentials: one attempt of 2 s. */
export function demoAwsSource<K extends JobKey, R extends JobRecord>(
  of: {
    name: K['provider'];
    setup: { wire(options: AwsSourceOptions): ProviderWire<K, R, unknown> };
  },
  endpoint: string,
) {
  return createSource(of, {
    endpoint,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    timeoutMs: 2000,
    maxAttempts: 1,
    maxSockets: 8,
  });
}

/**
 * Each listed item beside the record `source` describes it with (its key from `keyOf`), for the
 * list tests to hold a summary against the describe answer of the same job; the progressing job
 * (`progressing`) is left out, since it moves between the two reads. Closes `source`.
 */
export async function describedItems<I extends { jobId: string }, K extends JobKey, R>(
  source: { fetchJob(key: K): Promise<R>; close?(): void },
  items: readonly I[],
  keyOf: (item: I) => K,
  progressing: string,
): Promise<[I, R][]> {
  try {
    const described: [I, R][] = [];
    for (const item of items.filter((i) => i.jobId !== progressing))
      described.push([item, await source.fetchJob(keyOf(item))]);
    return described;
  } finally {
    source.close?.();
  }
}

/** What a list summary says of a job's state and times, as the list modules read it. */
interface ListedSummary {
  state: string | null;
  upstreamStatus: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/**
 * A summary says of its job what the describe record says: its state, provider status, creation
 * and completion; and each of `more`, a `[summary's, record's]` pair, agrees too.
 */
export function expectSummaryAgrees(
  item: ListedSummary,
  record: JobRecord,
  more: Record<string, [unknown, unknown]> = {},
): void {
  const pick = (side: 0 | 1) =>
    Object.fromEntries(Object.entries(more).map(([name, pair]) => [name, pair[side]]));
  expect({
    state: item.state,
    upstreamStatus: item.upstreamStatus,
    createdAt: item.createdAt.toISOString(),
    completedAt: item.completedAt?.toISOString() ?? null,
    ...pick(0),
  }).toEqual({
    state: record.state,
    upstreamStatus: record.providerStatus,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    ...pick(1),
  });
}
