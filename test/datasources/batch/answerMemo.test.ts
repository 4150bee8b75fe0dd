import { afterEach, describe, expect, it, vi } from 'vitest';
import { batch } from '../../../src/datasources/batch/index.ts';
import type { BatchJobRecord } from '../../../src/datasources/batch/record.ts';
import { fetchJobShared, guardSource } from '../../../src/datasources/guard/loader.ts';
import {
  AnswerMemo,
  answerDigest,
  MEMO_BYTES_MAX,
} from '../../../src/datasources/shared/answerMemo.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { UpstreamError } from '../../../src/errors.ts';
import type { BatchKey } from '../../../src/model/globalId.ts';
import { TEST_AWS_CREDENTIALS } from '../../support/credentials.ts';
import { loadFixture, sdkFixtureHandler } from '../../support/fixtures.ts';

const JOB = (
  JSON.parse(loadFixture('batch', 'success-full').body) as { jobs: Record<string, unknown>[] }
).jobs[0]!;
const key = (jobId: string): BatchKey => ({ provider: 'AWS_BATCH', region: 'us-east-1', jobId });
const job = (jobId: string, status = 'RUNNING') => ({
  ...JOB,
  jobId,
  status,
  stoppedAt: undefined,
});

/** AWS Batch answering each body of `bodies` in turn. */
function answering(bodies: string[]) {
  const handler = sdkFixtureHandler(() => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' },
    body: bodies.shift()!,
  }));
  return createSource(
    batch,
    { timeoutMs: 2000, maxAttempts: 1, maxSockets: 1, credentials: TEST_AWS_CREDENTIALS },
    { requestHandler: handler },
  );
}

const body = (...jobs: unknown[]) => JSON.stringify({ jobs });

describe("AWS Batch's DescribeJobs with the watched jobs' last answers", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a job whose element did not change with its last record, unparsed, whatever jobs share the call', async () => {
    const [a, b, c] = [key('job-a'), key('job-b'), key('job-c')];
    const source = answering([
      body(job('job-a'), job('job-b')),
      // Another call: b's element moved and changed, c is new, a is the same bytes.
      body(job('job-c'), job('job-b', 'STARTING'), job('job-a')),
      body(job('job-b', 'STARTING'), job('job-a')),
    ]);
    const memos = new Map([a, b, c].map((k) => [k.jobId, new AnswerMemo()]));
    const answers = (keys: BatchKey[]) => keys.map((k) => memos.get(k.jobId));
    const parses = vi.spyOn(JSON, 'parse');
    const [a1, b1] = (await source.batch!.fetchJobs([a, b], {
      answers: answers([a, b]),
    })) as BatchJobRecord[];
    expect(parses).toHaveBeenCalledTimes(2); // each element alone, not the body whole
    parses.mockClear();
    const [b2, a2, c2] = (await source.batch!.fetchJobs([b, a, c], {
      answers: answers([b, a, c]),
    })) as BatchJobRecord[];
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
    expect(b2!.providerStatus).toBe('STARTING');
    expect(c2!.nativeId).toBe('job-c');
    expect(parses).toHaveBeenCalledTimes(2); // b's and c's elements
    parses.mockClear();
    const [a3, b3] = (await source.batch!.fetchJobs([a, b], {
      answers: answers([a, b]),
    })) as BatchJobRecord[];
    expect([a3, b3]).toEqual([a1, b2]);
    expect(a3).toBe(a1);
    expect(b3).toBe(b2);
    expect(parses).not.toHaveBeenCalled();
    source.close?.();
  });

  it("keeps each job's element as its digest, not the body's bytes, and parses an element of the same length that changed", async () => {
    const [a, b] = [key('job-a'), key('job-b')];
    // RUNNABLE, then STARTING: an element changed in place, its length the same.
    const source = answering([
      body(job('job-a', 'RUNNABLE'), job('job-b')),
      body(job('job-a', 'STARTING'), job('job-b')),
    ]);
    const memos = [new AnswerMemo(), new AnswerMemo()];
    const [a1, b1] = (await source.batch!.fetchJobs([a, b], {
      answers: memos,
    })) as BatchJobRecord[];
    for (const [memo, element] of [
      [memos[0]!, job('job-a', 'RUNNABLE')],
      [memos[1]!, job('job-b')],
    ] as const) {
      // Not the body the call read, nor the element's KB: a memo holds its element's digest alone.
      expect(memo.seen).toBe(answerDigest(Buffer.from(JSON.stringify(element))));
    }
    const parses = vi.spyOn(JSON, 'parse');
    const [a2, b2] = (await source.batch!.fetchJobs([a, b], {
      answers: memos,
    })) as BatchJobRecord[];
    expect(parses).toHaveBeenCalledTimes(1); // a's element: as long as before, not the same
    expect(a2).not.toBe(a1);
    expect(a2!.providerStatus).toBe('STARTING');
    expect(b2).toBe(b1);
    source.close?.();
  });

  it('keeps an element longer than MEMO_BYTES_MAX as its digest, and still tells it unchanged or changed', async () => {
    const a = key('job-a');
    const big = (c: string) => ({
      ...job('job-a'),
      parameters: { note: c.repeat(MEMO_BYTES_MAX) },
    });
    const source = answering([body(big('x')), body(big('x')), body(big('y'))]);
    const memo = new AnswerMemo();
    const [first] = await source.batch!.fetchJobs([a], { answers: [memo] });
    expect(typeof memo.seen).toBe('string');
    const parses = vi.spyOn(JSON, 'parse');
    expect((await source.batch!.fetchJobs([a], { answers: [memo] }))[0]).toBe(first);
    expect(parses).not.toHaveBeenCalled();
    const [moved] = await source.batch!.fetchJobs([a], { answers: [memo] });
    expect(parses).toHaveBeenCalledTimes(1);
    expect(moved).not.toBe(first);
    source.close?.();
  });

  it('answers as the whole parse does: NOT_FOUND for a job left out, jobs asked by no key ignored, the first of a repeated job', async () => {
    const keys = [key('job-a'), key('job-b'), key('job-gone')];
    const text = body(job('job-x'), job('job-b'), job('job-a'), job('job-b', 'STARTING'));
    const remembered = await answering([text]).batch!.fetchJobs(keys, {
      answers: keys.map(() => new AnswerMemo()),
    });
    const whole = await answering([text]).batch!.fetchJobs(keys);
    expect(remembered.slice(0, 2)).toEqual(whole.slice(0, 2));
    expect((remembered[1] as BatchJobRecord).providerStatus).toBe('RUNNING');
    expect(remembered[2]).toBeInstanceOf(UpstreamError);
    expect((remembered[2] as UpstreamError).code).toBe('NOT_FOUND');
    expect((whole[2] as UpstreamError).code).toBe('NOT_FOUND');
  });

  it('refuses a body with a malformed element as the whole parse does, and leaves the memos as they were', async () => {
    const a = key('job-a');
    const memo = new AnswerMemo();
    const source = answering([
      body(job('job-a')),
      `{"jobs":[${JSON.stringify(job('job-a', 'STARTING'))},{"jobId":}]}`,
      `{"jobs":[${JSON.stringify(job('job-a'))}]} trailing`,
      body(job('job-a')),
    ]);
    const [first] = await source.batch!.fetchJobs([a], { answers: [memo] });
    const seen = memo.seen;
    for (let i = 0; i < 2; i++) {
      await expect(source.batch!.fetchJobs([a], { answers: [memo] })).rejects.toMatchObject({
        code: 'UPSTREAM_BAD_RESPONSE',
      });
      expect([memo.seen, memo.value]).toEqual([seen, first]);
    }
    expect((await source.batch!.fetchJobs([a], { answers: [memo] }))[0]).toBe(first);
    source.close?.();
  });

  it("gets each watched job's memo through the guard's batch describe: polls of one turn share a call, and unchanged jobs are not parsed", async () => {
    const [a, b] = [key('job-a'), key('job-b')];
    const source = answering([
      body(job('job-a'), job('job-b')),
      body(job('job-b'), job('job-a', 'STARTING')),
    ]);
    const guarded = guardSource(source, {
      concurrency: 4,
      callerConcurrency: 4,
      budgetMs: 5_000,
      breakerFailures: 2,
      breakerHalfOpenMs: 60_000,
    });
    const [memoA, memoB] = [new AnswerMemo(), new AnswerMemo()];
    const poll = () =>
      Promise.all([
        fetchJobShared(guarded, a, 'watch', memoA),
        fetchJobShared(guarded, b, 'watch', memoB),
      ]);
    const [a1, b1] = await poll();
    const parses = vi.spyOn(JSON, 'parse');
    const [a2, b2] = await poll();
    expect(b2).toBe(b1);
    expect(a2).not.toBe(a1);
    expect(a2.providerStatus).toBe('STARTING');
    expect(parses).toHaveBeenCalledTimes(1); // a's element only; two polls, one call
    source.close?.();
  });
});
