import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { parse } from '../../../src/datasources/batch/parse.ts';
import {
  decodeEvent,
  EventRejected,
  MAX_EVENT_BYTES,
} from '../../../src/datasources/events/envelope.ts';
import { AwsAccounts } from '../../../src/datasources/shared/accounts.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import { BATCH_ENV_SECRET, batchDetail, batchEvent } from '../../support/batchEvents.ts';

const config = {
  ...loadConfig(
    { mode: 'live' },
    { JOBGRAPH_AWS_ACCOUNTS: 'prod=arn:aws:iam::111122223333:role/jobgraph-read' },
  ),
  awsCredentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x', accountId: '123456789012' },
};

async function accounts() {
  const a = new AwsAccounts(config);
  await a.credentials(undefined); // the default account's ID is learned from its credentials
  return a;
}

/** A queue of the default account in us-east-1. */
const OWN = { speaksFor: ['default'], region: 'us-east-1' };
/** A collector queue in us-east-1 declared for the default and prod accounts. */
const COLLECTOR = { speaksFor: ['default', 'prod'], region: 'us-east-1' };

/** A HealthOmics `Reference Import Job Status Change` of job `id` in `region`, as a message body. */
const omics = (id: string, region = 'us-east-1') =>
  JSON.stringify({
    source: 'aws.omics',
    'detail-type': 'Reference Import Job Status Change',
    account: '123456789012',
    region,
    time: '2026-11-25T12:00:00Z',
    detail: { id, referenceStoreId: '9876543210', status: 'COMPLETED' },
  });

/** A CodePipeline `Action Execution State Change` of action execution `ref`, as a message body. */
const pipeline = (ref: string) =>
  JSON.stringify({
    source: 'aws.codepipeline',
    'detail-type': 'CodePipeline Action Execution State Change',
    account: '123456789012',
    region: 'us-east-1',
    time: '2026-11-25T12:00:00Z',
    detail: { pipeline: 'p', 'action-execution-id': ref, state: 'SUCCEEDED' },
  });

/** The reason a body is rejected for, on `queue`. */
async function rejection(body: string, queue = OWN): Promise<string> {
  const a = await accounts();
  try {
    decodeEvent(body, config, a, queue);
  } catch (err) {
    expect(err).toBeInstanceOf(EventRejected);
    // The reason is a fixed phrase: nothing of the body.
    expect((err as Error).message).not.toContain(BATCH_ENV_SECRET);
    return (err as EventRejected).reason;
  }
  throw new Error('accepted');
}

describe('A job event envelope', () => {
  it("reads a Batch event's detail with the DescribeJobs record code: the same record as the describe answer", async () => {
    const detail = batchDetail();
    const event = decodeEvent(batchEvent(detail), config, await accounts(), OWN);
    const key = parseGlobalId(`batch:us-east-1:${String(detail.jobId)}`);
    expect(event.provider).toBe('AWS_BATCH');
    expect(event.place).toEqual({ account: 'default', region: 'us-east-1' });
    expect(event.time).toBe(Date.parse('2026-11-25T12:00:03Z'));
    expect(event.meaning).toEqual({
      kind: 'record',
      record: parse(key as never, { jobs: [detail] }),
    });
  });

  it("reads a Batch queue-blocked event like a state change, the blocked queue and the reason beside the job's record", async () => {
    const reason =
      'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement is higher than the CE(s) can meet.';
    const detail = batchDetail({ status: 'RUNNABLE', statusReason: reason });
    const body = batchEvent(detail, { detailType: 'Batch Job Queue Blocked' });
    const event = decodeEvent(body, config, await accounts(), OWN);
    const key = parseGlobalId(`batch:us-east-1:${String(detail.jobId)}`);
    expect(event.meaning).toEqual({
      kind: 'record',
      record: parse(key as never, { jobs: [detail] }),
      blocked: { queue: detail.jobQueue, reason },
    });
    // A state change of the same job says nothing of its queue.
    expect(
      decodeEvent(batchEvent(detail), config, await accounts(), OWN).meaning,
    ).not.toHaveProperty('blocked');
  });

  it("rejects a queue-blocked event whose job is not RUNNABLE: no such event of Batch's", async () => {
    const body = batchEvent(batchDetail(), { detailType: 'Batch Job Queue Blocked' });
    expect(await rejection(body)).toBe('a detail without the job it is about');
  });

  it('reads an event larger than the 256 KB EventBridge allowed before 2026: a rejected one would be deleted', async () => {
    const base = batchDetail();
    const detail = batchDetail({
      container: {
        ...(base.container as object),
        environment: [{ name: 'LARGE', value: 'x'.repeat(300 * 1024) }],
      },
    });
    const event = decodeEvent(batchEvent(detail), config, await accounts(), OWN);
    expect(event.meaning.kind).toBe('record');
  });

  it('attributes an event to the configured account its own account ID names, on a queue that speaks for it', async () => {
    const event = decodeEvent(
      batchEvent(batchDetail(), { account: '111122223333', region: 'eu-west-1' }),
      config,
      await accounts(),
      { speaksFor: ['prod'], region: 'eu-west-1' },
    );
    expect(event.place).toEqual({ account: 'prod', region: 'eu-west-1' });
    expect(event.meaning.kind === 'record' && event.meaning.record.id).toBe(
      `batch@prod:eu-west-1:${String(batchDetail().jobId)}`,
    );
  });

  it('accepts on a collector queue the events of each account it is declared for', async () => {
    const a = await accounts();
    for (const account of ['123456789012', '111122223333'])
      expect(
        decodeEvent(batchEvent(batchDetail(), { account }), config, a, COLLECTOR).place,
      ).toEqual({ account: account === '111122223333' ? 'prod' : 'default', region: 'us-east-1' });
  });

  it.each([
    [
      'an account its queue does not speak for',
      batchEvent(batchDetail(), { account: '111122223333' }),
      OWN,
    ],
    [
      'an account its queue does not speak for',
      batchEvent(batchDetail()),
      { speaksFor: ['prod'], region: 'us-east-1' },
    ],
    [
      'a region its queue does not speak for',
      batchEvent(batchDetail(), { region: 'eu-west-1' }),
      OWN,
    ],
    [
      'a region its queue does not speak for',
      batchEvent(batchDetail(), { account: '111122223333', region: 'eu-west-1' }),
      COLLECTOR,
    ],
  ])('rejects an event of %s', async (reason, body, queue) => {
    expect(await rejection(body, queue)).toBe(reason);
  });

  it('makes a HealthOmics event a hint for its job, and a CodePipeline event a join by actionExecutionId', async () => {
    const a = await accounts();
    const hint = decodeEvent(omics('1234567890', 'us-west-2'), config, a, {
      speaksFor: ['default'],
      region: 'us-west-2',
    });
    expect(hint.meaning).toEqual({
      kind: 'hint',
      key: {
        provider: 'AWS_OMICS',
        region: 'us-west-2',
        referenceStoreId: '9876543210',
        id: '1234567890',
      },
    });
    expect(decodeEvent(pipeline('a1b2'), config, a, OWN).meaning).toEqual({
      kind: 'ref',
      ref: 'a1b2',
    });
  });

  it.each([
    ['not JSON', `{"detail": {"environment": "${BATCH_ENV_SECRET}"`],
    ['not an event envelope', '[1,2]'],
    [
      'not a job event of a provider',
      JSON.stringify({
        source: 'aws.ec2',
        'detail-type': 'EC2 Instance State-change Notification',
        detail: { secret: BATCH_ENV_SECRET },
      }),
    ],
    ['no account ID', batchEvent(batchDetail(), { account: 'nope' })],
    ['an account jobgraph does not read', batchEvent(batchDetail(), { account: '999999999999' })],
    ['a detail without the job it is about', batchEvent(batchDetail({ jobId: undefined }))],
    [
      'a detail without the job it is about',
      batchEvent(batchDetail({ jobId: `bad ${BATCH_ENV_SECRET}` })),
    ],
    [
      'a detail without the job it is about',
      batchEvent(batchDetail({ createdAt: BATCH_ENV_SECRET })),
    ],
    ['oversized', batchEvent(batchDetail({ jobName: 'x'.repeat(MAX_EVENT_BYTES) }))],
  ])('rejects a message that is %s, quoting none of it', async (reason, body) => {
    expect(await rejection(body)).toBe(reason);
  });

  describe('fields no provider sends that long', () => {
    const secret = `${BATCH_ENV_SECRET}-`;
    const attempt = (patch: Record<string, unknown>) => ({
      container: { exitCode: 1 },
      startedAt: 1,
      stoppedAt: 2,
      statusReason: 'Essential container in task exited',
      ...patch,
    });

    it.each([
      // A region of the pattern, longer than any of AWS's.
      ['a region', batchEvent(batchDetail(), { region: `us-${'east'.repeat(25_000)}-1` })],
      ['a short over-long region', batchEvent(batchDetail(), { region: `us-${'e'.repeat(30)}-1` })],
      ['a job name', batchEvent(batchDetail({ jobName: secret.repeat(10).slice(0, 129) }))],
      ['a job queue', batchEvent(batchDetail({ jobQueue: `arn:${'q'.repeat(253)}` }))],
      ['a job ARN', batchEvent(batchDetail({ jobArn: `arn:${'j'.repeat(253)}` }))],
      ['a job definition', batchEvent(batchDetail({ jobDefinition: `arn:${'d'.repeat(253)}` }))],
      [
        'a status reason',
        batchEvent(batchDetail({ statusReason: secret.repeat(40).slice(0, 1025) })),
      ],
      [
        'a container reason',
        batchEvent(batchDetail({ container: { reason: 'c'.repeat(256), exitCode: 1 } })),
      ],
      [
        "an attempt's status reason",
        batchEvent(batchDetail({ attempts: [attempt({ statusReason: 's'.repeat(1025) })] })),
      ],
      [
        "an attempt's container reason",
        batchEvent(
          batchDetail({
            attempts: [attempt({}), attempt({ container: { reason: 'c'.repeat(256) } })],
          }),
        ),
      ],
      ['an action execution ID', pipeline('a'.repeat(129))],
    ])(
      'rejects a message with %s longer than its provider sends, as an over-long field',
      async (_, body) => {
        expect(await rejection(body)).toBe('an over-long field');
      },
    );

    it('rejects a HealthOmics ID longer than its documented 36 digits', async () => {
      expect(await rejection(omics('1'.repeat(37)))).toBe('a detail without the job it is about');
    });

    it('reads fields exactly as long as their bounds', async () => {
      const a = await accounts();
      const detail = batchDetail({
        jobName: 'n'.repeat(128),
        jobQueue: 'q'.repeat(256),
        statusReason: 's'.repeat(1024),
        container: { reason: 'c'.repeat(255), exitCode: 1 },
        attempts: [
          attempt({ statusReason: 's'.repeat(1024), container: { reason: 'c'.repeat(255) } }),
        ],
      });
      const event = decodeEvent(batchEvent(detail, { region: 'us-gov-west-1' }), config, a, {
        speaksFor: ['default'],
        region: 'us-gov-west-1',
      });
      expect(event.meaning.kind).toBe('record');
      expect(decodeEvent(pipeline('a'.repeat(128)), config, a, OWN).meaning.kind).toBe('ref');
      expect(decodeEvent(omics('1'.repeat(36)), config, a, OWN).meaning.kind).toBe('hint');
    });
  });
});
