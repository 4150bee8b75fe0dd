import { describe, expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  exampleGlobalIds,
} from '@jobgraph/emulators';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { formatGlobalId, parseGlobalId } from '../../src/model/globalId.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { subscribe, TRANSPORTS, type Event } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * What a user pastes from the AWS console is taken as an ID: a Batch job's ARN names its service,
 * region and account, so it is the job; a bare job ID, or anything else without a known prefix,
 * is refused with the forms jobgraph accepts.
 */
const ex = exampleGlobalIds();
const [, region = '', jobId = ''] = ex.batch.split(':');
const arn = (account: string, id = jobId, service = 'batch') =>
  `arn:aws:${service}:${region}:${account}:job/${id}`;
const aliases = (_p: string, id: string) => (id === DEMO_AWS_ACCOUNT_ID ? 'default' : 'staging');

describe('job IDs as users paste them', () => {
  it('takes a Batch job ARN as the job of its region and account', () => {
    expect(formatGlobalId(parseGlobalId(arn(DEMO_AWS_ACCOUNT_ID), 'id', aliases))).toBe(ex.batch);
    expect(formatGlobalId(parseGlobalId(arn('210987654321'), 'id', aliases))).toBe(
      `batch@staging:${region}:${jobId}`,
    );
    // An array job's child keeps its index.
    expect(
      formatGlobalId(parseGlobalId(arn(DEMO_AWS_ACCOUNT_ID, `${jobId}:7`), 'id', aliases)),
    ).toBe(`${ex.batch}:7`);
  });

  it('names the accepted forms, the ARN among them, for an ID with no known prefix', () => {
    expect(() => parseGlobalId('azure:eastus:1', 'id')).toThrow(
      /^Argument "id" is not a valid job ID: unknown provider prefix "azure"; a job ID is \{provider\}:…\. Expected \{prefix\}:\{region\}:…:\{job ID\}, the prefix one of panorama, omics, .*batch, batchservice \(with @\{account\} for an AWS account's alias; the README's "Global IDs" has each form\), or a job ARN \(.*batch job\/ or service-job\/.*\)\.$/,
    );
  });

  it('says how to write a bare job ID: with its provider and where it runs', () => {
    expect(() => parseGlobalId(jobId, 'ids[0]')).toThrow(
      new RegExp(
        `^Argument "ids\\[0\\]" is not a valid job ID: "${jobId}" has no provider prefix; a provider's own job ID needs its provider and where it runs: .*, batch\\[@\\{account\\}\\]:\\{region\\}:${jobId} or batchservice\\[@\\{account\\}\\]:\\{region\\}:${jobId}\\.$`,
      ),
    );
  });

  it('refuses an ARN of a service with no jobs jobgraph reads, and one that is not a job', () => {
    expect(() => parseGlobalId(arn(DEMO_AWS_ACCOUNT_ID, '1', 'sagemaker'), 'id', aliases)).toThrow(
      /is an ARN of "sagemaker", which names no job jobgraph reads/,
    );
    // A service with jobs of one resource type, asked another (a HealthOmics run batch's ARN has runBatch/).
    expect(() => parseGlobalId(arn(DEMO_AWS_ACCOUNT_ID, '1', 'omics'), 'id', aliases)).toThrow(
      /is not a job ARN: they have the form arn:aws:omics:\{region\}:\{account\}:runBatch\/\{batchId\}/,
    );
    const queue = `arn:aws:batch:${region}:${DEMO_AWS_ACCOUNT_ID}:job-queue/high`;
    expect(() => parseGlobalId(queue, 'id', aliases)).toThrow(
      /is not a job ARN: they have the form arn:aws:batch:\{region\}:\{account\}:job\/\{jobId\}/,
    );
  });
});

describe('job(id:) with a job ARN', () => {
  const gw = useTestGateway();
  const JOB = `query ($id: ID!) { job(id: $id) { id account accountAlias state nativeId } }`;

  it('answers the job its global ID answers, in the default and the second account', async () => {
    const byId = await gql(gw, JOB, { variables: { id: ex.batch }, token: gw.tokens.read });
    const byArn = await gql(gw, JOB, {
      variables: { id: arn(DEMO_AWS_ACCOUNT_ID) },
      token: gw.tokens.read,
    });
    expect(byArn.body).toEqual(byId.body);
    expect(byArn.body.data?.job).toMatchObject({ id: ex.batch, account: DEMO_AWS_ACCOUNT_ID });

    const staging = BATCH_SECOND_ACCOUNT_JOB_IDS.running;
    const second = await gql(gw, JOB, {
      variables: { id: arn(DEMO_SECOND_AWS_ACCOUNT.accountId, staging) },
      token: gw.tokens.read,
    });
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data?.job).toMatchObject({
      id: `batch@${DEMO_SECOND_AWS_ACCOUNT.alias}:${region}:${staging}`,
      account: DEMO_SECOND_AWS_ACCOUNT.accountId,
      accountAlias: DEMO_SECOND_AWS_ACCOUNT.alias,
    });
  });

  it('names an account jobgraph does not read (BAD_USER_INPUT) and one the token may not (FORBIDDEN), before any call', async () => {
    clearCalls(gw);
    const unknown = await gql(gw, JOB, {
      variables: { id: arn('999999999999') },
      token: gw.tokens.read,
    });
    expect(unknown.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      [
        'BAD_USER_INPUT',
        expect.stringContaining('names account 999999999999, which is no configured account'),
      ],
    ]);
    const forbidden = await gql(gw, JOB, {
      variables: { id: arn(DEMO_AWS_ACCOUNT_ID) },
      token: gw.tokens.secondAccount,
    });
    expect(forbidden.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['FORBIDDEN', `The token's accounts do not include account "${DEMO_AWS_ACCOUNT_ID}".`],
    ]);
    expect(upstreamCallCount(gw)).toBe(0);
  });

  const WATCH = `subscription ($ids: [ID!]!) { jobUpdates(ids: $ids) { id accountAlias } }`;
  const codesOf = (events: Event[]) =>
    events.map((e) => e.errors?.map((x) => [x.extensions?.code, x.message]) ?? e.data);

  it.each(TRANSPORTS)(
    'watches the job an ARN names in jobUpdates over %s, as job(id:) reads it, and names an account jobgraph does not read',
    async (transport) => {
      const sub = subscribe(gw.server.url, transport, WATCH, {
        token: gw.tokens.read,
        variables: { ids: [arn('999999999999'), arn(DEMO_AWS_ACCOUNT_ID)] },
      });
      const events = [await sub.next(), await sub.next()] as Event[];
      await sub.close();
      expect(codesOf(events)).toEqual(
        expect.arrayContaining([
          { jobUpdates: { id: ex.batch, accountAlias: 'default' } },
          [
            [
              'BAD_USER_INPUT',
              expect.stringContaining(
                'Argument "ids[0]" names account 999999999999, which is no configured account',
              ),
            ],
          ],
        ]),
      );
    },
  );

  it.each(TRANSPORTS)(
    'refuses over %s an ARN of an account the token may not read, named by the ID it sent, before any call',
    async (transport) => {
      clearCalls(gw);
      const sub = subscribe(gw.server.url, transport, WATCH, {
        token: gw.tokens.secondAccount,
        variables: { ids: [arn(DEMO_AWS_ACCOUNT_ID)] },
      });
      const events = await sub.rest();
      await sub.close();
      expect(codesOf(events)).toEqual([
        [['FORBIDDEN', `The token's accounts do not include account "${DEMO_AWS_ACCOUNT_ID}".`]],
      ]);
      expect(upstreamCallCount(gw)).toBe(0);
    },
  );

  it('takes ARNs in jobs(ids:) beside global IDs', async () => {
    const res = await gql(gw, `query ($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids: [arn(DEMO_AWS_ACCOUNT_ID), ex.batch] },
      token: gw.tokens.read,
    });
    expect(res.body.data?.jobs).toEqual([{ id: ex.batch }, { id: ex.batch }]);
  });
});
