import { readFileSync } from 'node:fs';

/** The AWS Batch job of the `success-full` fixture: a DescribeJobs `JobDetail`, environment secret included. */
export function batchDetail(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const answer = JSON.parse(
    readFileSync(new URL('../fixtures/batch/success-full.json', import.meta.url), 'utf8'),
  ) as { jobs: Record<string, unknown>[] };
  return { ...answer.jobs[0], ...patch };
}

/** The environment value of the fixture's job that is a secret. */
export const BATCH_ENV_SECRET = 'batch-demo-db-password-5f2c9e';

/**
 * An EventBridge `Batch Job State Change` event of `detail` (or another detail type of Batch's,
 * `Batch Job Queue Blocked`), as the SQS message body carries it.
 */
export function batchEvent(
  detail: Record<string, unknown>,
  options: { account?: string; region?: string; time?: string; detailType?: string } = {},
): string {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  return JSON.stringify({
    version: '0',
    id: `evt-${String(detail.status)}-${String((detail.attempts as unknown[] | undefined)?.length ?? 0)}`,
    'detail-type': options.detailType ?? 'Batch Job State Change',
    source: 'aws.batch',
    account,
    time: options.time ?? '2026-11-25T12:00:03Z',
    region,
    resources: [`arn:aws:batch:${region}:${account}:job/${String(detail.jobId)}`],
    detail,
  });
}

/**
 * The message body of a forged `FAILED` event of `running` (a running job's DescribeJobs
 * record): stopped a second after it started, for a reason no provider gave.
 */
export const forgedFailureEvent = (running: Record<string, unknown>): string =>
  batchEvent({
    ...running,
    status: 'FAILED',
    statusReason: 'forged',
    stoppedAt: Number(running.startedAt ?? Date.now()) + 1000,
  });
