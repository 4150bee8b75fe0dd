import { expect } from 'vitest';
import { createSecretStripper } from '../../src/auth/secrets.ts';
import { parse } from '../../src/datasources/batch/parse.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { loadFixture } from './fixtures.ts';

const { schema, policy } = buildSchema();
/** The gateway's rule for what may be shared or kept: every sensitive field null. */
export const withoutSecrets = createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES);

/** The value of the test records' `DB_PASSWORD` environment variable. */
export const SECRET_VALUE = 'retained-test-db-password-8c1f';

/** A finished AWS Batch job (the golden DescribeJobs fixture) under `jobId`, its DB_PASSWORD SECRET_VALUE. */
export function batchRecord(jobId: string, account = ''): JobRecord {
  const text = loadFixture('batch', 'success-full').body;
  const body = JSON.parse(text) as { jobs: { container: { environment: object[] } }[] };
  const job = body.jobs[0]!;
  job.container.environment.push({ name: 'DB_PASSWORD', value: SECRET_VALUE });
  const record = parse(
    { provider: 'AWS_BATCH', region: 'us-east-1', jobId, ...(account ? { account } : {}) },
    { jobs: [{ ...job, jobId }] },
  );
  expect(record.terminal).toBe(true);
  return record;
}

/** Every environment value of a Batch record (the secrets it holds). */
export const environmentValues = (record: JobRecord): string[] =>
  (
    (record as unknown as { container?: { environment?: { value: string | null }[] } }).container
      ?.environment ?? []
  ).flatMap((e) => (e.value === null ? [] : [e.value]));
