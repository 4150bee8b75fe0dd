// A failure's cause, normalised (issue 101, item 1): the demo's failed AWS Batch jobs, read
// through a real gateway process (`jobgraph demo`, its emulators' DescribeJobs and ListJobs), each
// get a category from their own fields, with those fields as evidence.
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { useDemoProcess } from '../support/demoProcess.ts';

const FAILURE = 'failure { category retryable summary evidence rulesVersion }';
const JOB = `query($id: ID!) { job(id: $id) { state ${FAILURE} } }`;

interface Failure {
  category: string;
  retryable: boolean;
  summary: string;
  evidence: string[];
  rulesVersion: string;
}

describe('A failed job’s cause, through a real gateway on the demo’s emulators', () => {
  const { demo } = useDemoProcess('jobgraph-failure-');

  const ask = async (query: string, variables: unknown = {}) => {
    const res = await fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data as Record<string, unknown>;
  };
  const failureOf = async (jobId: string) =>
    ((await ask(JOB, { id: `batch:us-east-1:${jobId}` })).job as { failure: Failure | null })
      .failure;

  it('reads a non-zero exit as USER_CODE, from its exit code', async () => {
    expect(await failureOf(BATCH_JOB_IDS.failed)).toMatchObject({
      category: 'USER_CODE',
      retryable: false,
      rulesVersion: 'batch-2026.11.1',
      evidence: expect.arrayContaining([
        'attempts[0].container.exitCode: 1',
        'statusReason: Essential container in task exited',
      ]),
    });
  });

  it('reads an out-of-memory kill as OUT_OF_MEMORY, from its attempt’s container reason', async () => {
    expect(await failureOf(BATCH_JOB_IDS.outOfMemory)).toMatchObject({
      category: 'OUT_OF_MEMORY',
      evidence: expect.arrayContaining([
        'attempts[0].container.reason: OutOfMemoryError: Container killed due to memory usage',
        'attempts[0].container.exitCode: 137',
      ]),
    });
  });

  it('reads a spot reclaim, which has no exit code, as SPOT_RECLAIMED and retryable', async () => {
    const failure = await failureOf(BATCH_JOB_IDS.spotReclaimed);
    expect(failure).toMatchObject({ category: 'SPOT_RECLAIMED', retryable: true });
    expect(failure?.evidence).toContain(
      'attempts[0].statusReason: Host EC2 (instance i-0a1b2c3d4e5f67890) terminated.',
    );
    expect(failure?.evidence.some((e) => e.includes('exitCode'))).toBe(false);
  });

  it('reads an image not pulled as IMAGE_PULL, a cancelled job as CANCELLED; a running job has none', async () => {
    expect(await failureOf(BATCH_JOB_IDS.imagePull)).toMatchObject({ category: 'IMAGE_PULL' });
    expect(await failureOf(BATCH_JOB_IDS.cancelled)).toMatchObject({ category: 'CANCELLED' });
    expect(await failureOf(BATCH_JOB_IDS.running)).toBeNull();
  });

  it('gives listed failed rows the same cause as their own reads', async () => {
    const data = await ask(
      `{ listJobs(filter: { providers: [AWS_BATCH], states: [FAILED], accounts: ["default"] }, first: 50) { nodes { id ${FAILURE} } } }`,
    );
    const nodes = (data.listJobs as { nodes: { id: string; failure: Failure }[] }).nodes;
    const byId = new Map(nodes.map((n) => [n.id.split(':').at(-1), n.failure.category]));
    expect(Object.fromEntries(byId)).toEqual({
      [BATCH_JOB_IDS.failed]: 'USER_CODE',
      [BATCH_JOB_IDS.outOfMemory]: 'OUT_OF_MEMORY',
      [BATCH_JOB_IDS.spotReclaimed]: 'SPOT_RECLAIMED',
      [BATCH_JOB_IDS.imagePull]: 'IMAGE_PULL',
      [BATCH_JOB_IDS.cancelled]: 'CANCELLED',
      [BATCH_JOB_IDS.terminated]: 'CANCELLED',
      // The demo's failed service job (issue 102): its training job ran out of GPU memory.
      [SERVICE_JOB_IDS.failed]: 'OUT_OF_MEMORY',
    });
  });

  it('filters the history by category: only the jobs of those categories', async () => {
    // Each job was read above, and written to the history (its category from its provider's rules).
    const query = `{ jobHistory(filter: { failureCategories: [OUT_OF_MEMORY, SPOT_RECLAIMED] }, first: 50) { nodes { id failure { category } } } }`;
    const ids = async () =>
      ((await ask(query)).jobHistory as { nodes: { id: string }[] }).nodes
        .map((n) => n.id.split(':').at(-1))
        .sort();
    await expect
      .poll(ids, { interval: 200, timeout: 10_000 })
      .toEqual(
        [BATCH_JOB_IDS.outOfMemory, BATCH_JOB_IDS.spotReclaimed, SERVICE_JOB_IDS.failed].sort(),
      );
    const userCode = await ask(
      `{ jobHistory(filter: { failureCategories: [USER_CODE], providers: [AWS_BATCH] }, first: 50) { nodes { id failure { category } } } }`,
    );
    const nodes = (userCode.jobHistory as { nodes: { failure: { category: string } }[] }).nodes;
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => n.failure.category === 'USER_CODE')).toBe(true);
  });

  it('counts the history by category and state, as its pages hold them (jobHistorySummary)', async () => {
    const filter = '{ providers: [AWS_BATCH] }';
    // The jobs above are written (the test before waited for two of them); every page, counted.
    const pages: { state: string; failure: { category: string } | null }[] = [];
    for (let after: string | null = null; ;) {
      const data = await ask(
        `query($after: String) { jobHistory(filter: ${filter}, first: 100, after: $after) { nodes { state failure { category } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      const page = data.jobHistory as {
        nodes: typeof pages;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      pages.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const tally = (keys: (string | undefined)[]) => {
      const counts = new Map<string, number>();
      for (const k of keys) if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
      return Object.fromEntries(counts);
    };
    const { jobHistorySummary: summary } = (await ask(
      `{ jobHistorySummary(filter: ${filter}) { jobs byState { state jobs } byFailureCategory { category jobs } } }`,
    )) as {
      jobHistorySummary: {
        jobs: number;
        byState: { state: string; jobs: number }[];
        byFailureCategory: { category: string; jobs: number }[];
      };
    };
    expect(summary.jobs).toBe(pages.length);
    const asMap = (rows: { jobs: number }[], key: 'state' | 'category') =>
      Object.fromEntries(rows.map((r) => [(r as unknown as Record<string, string>)[key], r.jobs]));
    expect(asMap(summary.byState, 'state')).toEqual(tally(pages.map((n) => n.state)));
    expect(asMap(summary.byFailureCategory, 'category')).toEqual(
      tally(pages.map((n) => n.failure?.category)),
    );
    for (const category of ['USER_CODE', 'OUT_OF_MEMORY', 'SPOT_RECLAIMED'])
      expect(asMap(summary.byFailureCategory, 'category')[category]).toBeGreaterThan(0);
    // Most first.
    const counts = summary.byFailureCategory.map((r) => r.jobs);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('filters listJobs by category: only those jobs, looked up from their rows', async () => {
    const list = async (categories: string) =>
      (
        (
          await ask(
            `{ listJobs(filter: { providers: [AWS_BATCH], accounts: ["default"], failureCategories: [${categories}] }, first: 50) { nodes { id failure { category } } } }`,
          )
        ).listJobs as { nodes: { id: string; failure: { category: string } }[] }
      ).nodes;
    const oom = await list('OUT_OF_MEMORY, SPOT_RECLAIMED');
    expect(oom.map((n) => n.id.split(':').at(-1)).sort()).toEqual(
      [BATCH_JOB_IDS.outOfMemory, BATCH_JOB_IDS.spotReclaimed, SERVICE_JOB_IDS.failed].sort(),
    );
    const cancelled = await list('CANCELLED');
    expect(cancelled.map((n) => n.id.split(':').at(-1)).sort()).toEqual(
      [BATCH_JOB_IDS.cancelled, BATCH_JOB_IDS.terminated].sort(),
    );
    expect(await list('TIMEOUT')).toEqual([]);
  });
});
