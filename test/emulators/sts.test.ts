import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  createEmulatorAccounts,
  DEMO_AWS_ACCOUNT_ID,
  DEMO_AWS_USER,
  DEMO_EXTERNAL_ID_ROLE,
  DEMO_SECOND_AWS_ACCOUNT,
} from '@jobgraph/emulators/accounts';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { createStsEmulator, STS_XMLNS } from '@jobgraph/emulators/sts/emulator';
import { formBody, useHeldClock, signedAws } from './listClient.ts';
import { sdkFailure } from './sdkFailure.ts';
import { demoSdkConfig, sessionCredentials, useSdkClients } from '../support/sdkClients.ts';
import { useStarted } from '../support/useStarted.ts';

/** The emulator's clock: real time when the file starts, moved by tests (and put back after each). */
const clock = useHeldClock();

const accounts = createEmulatorAccounts();
const sts: RunningEmulator = useStarted(
  'the STS emulator',
  () => startEmulator(createStsEmulator({ accounts, now: () => clock.now })),
  (emu) => emu.close(),
);

const keep = useSdkClients();

/** The real STS client of the AWS SDK against the emulator, signing at the emulator's clock. */
function client(config: Partial<STSClientConfig> = {}): STSClient {
  return keep(
    new STSClient({
      ...demoSdkConfig(sts.url),
      systemClockOffset: clock.now - Date.now(),
      ...config,
    }),
  );
}

/** A client signing with the session `AssumeRole` answered. */
const sessionClient = (credentials: Credentials | undefined): STSClient =>
  client({ credentials: sessionCredentials(credentials) });

const STAGING = DEMO_SECOND_AWS_ACCOUNT;
const assumeCalls = () => sts.calls.filter((c) => c.operation === 'AssumeRole');

describe('The STS emulator', () => {
  it('issues a fresh session of the second account for AssumeRole, valid an hour by default', async () => {
    const before = assumeCalls().length;
    const first = await client().send(
      new AssumeRoleCommand({ RoleArn: STAGING.roleArn, RoleSessionName: 'jobgraph-staging' }),
    );
    const second = await client().send(
      new AssumeRoleCommand({
        RoleArn: STAGING.roleArn,
        RoleSessionName: 'jobgraph-staging',
        DurationSeconds: 900,
      }),
    );
    for (const out of [first, second]) {
      expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(out.Credentials?.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      expect(out.Credentials?.SessionToken?.length).toBeGreaterThan(300);
      expect(out.AssumedRoleUser?.Arn).toBe(
        `arn:aws:sts::${STAGING.accountId}:assumed-role/jobgraph-read/jobgraph-staging`,
      );
      expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:jobgraph-staging$/);
      expect(out.PackedPolicySize).toBeUndefined();
    }
    expect(first.Credentials?.Expiration?.getTime()).toBe(clock.start + 3_600_000);
    expect(second.Credentials?.Expiration?.getTime()).toBe(clock.start + 900_000);
    expect(second.Credentials?.AccessKeyId).not.toBe(first.Credentials?.AccessKeyId);
    expect(second.Credentials?.SessionToken).not.toBe(first.Credentials?.SessionToken);
    expect(second.AssumedRoleUser?.AssumedRoleId).toBe(first.AssumedRoleUser?.AssumedRoleId);
    // Both sessions are in the shared registry the AWS emulators read.
    const issued = accounts.key(first.Credentials?.AccessKeyId as string);
    expect(issued).toMatchObject({ kind: 'session', accountId: STAGING.accountId });
    expect(assumeCalls().slice(before)).toEqual([
      { method: 'POST', path: '/', operation: 'AssumeRole', job: STAGING.roleArn, status: 200 },
      { method: 'POST', path: '/', operation: 'AssumeRole', job: STAGING.roleArn, status: 200 },
    ]);
  });

  it('answers AssumeRole in the real XML shape, namespace and member order', async () => {
    const res = await signedAws(sts, {
      service: 'sts',
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: formBody({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: STAGING.roleArn,
        RoleSessionName: 'wire-check',
        Policy:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"panorama:Describe*","Resource":"*"}]}',
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml');
    expect(res.body).toMatch(
      new RegExp(
        `^<AssumeRoleResponse xmlns="${STS_XMLNS.replace(/[./]/g, '\\$&')}">\\n  <AssumeRoleResult>\\n    <AssumedRoleUser>\\n      <AssumedRoleId>AROA[A-Z2-7]{17}:wire-check</AssumedRoleId>\\n      <Arn>arn:aws:sts::210987654321:assumed-role/jobgraph-read/wire-check</Arn>\\n    </AssumedRoleUser>\\n    <Credentials>\\n      <AccessKeyId>ASIA[A-Z2-7]{16}</AccessKeyId>\\n      <SecretAccessKey>[^<]{40}</SecretAccessKey>\\n      <SessionToken>[^<]+</SessionToken>\\n      <Expiration>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ</Expiration>\\n    </Credentials>\\n    <PackedPolicySize>\\d+</PackedPolicySize>\\n  </AssumeRoleResult>\\n  <ResponseMetadata>\\n    <RequestId>[0-9a-f-]{36}</RequestId>\\n  </ResponseMetadata>\\n</AssumeRoleResponse>\\n$`,
      ),
    );
    expect(res.body).toContain(`<RequestId>${res.headers['x-amzn-requestid']}</RequestId>`);
  });

  it('names the demo user for the default keys and the assumed role for a session in GetCallerIdentity', async () => {
    expect(await client().send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: DEMO_AWS_ACCOUNT_ID,
      Arn: DEMO_AWS_USER.arn,
      UserId: DEMO_AWS_USER.userId,
    });
    const { Credentials, AssumedRoleUser } = await client().send(
      new AssumeRoleCommand({ RoleArn: STAGING.roleArn, RoleSessionName: 'who-am-i' }),
    );
    const session = sessionClient(Credentials);
    expect(await session.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: STAGING.accountId,
      Arn: AssumedRoleUser?.Arn,
      UserId: AssumedRoleUser?.AssumedRoleId,
    });
    expect(sts.calls.at(-1)).toMatchObject({
      operation: 'GetCallerIdentity',
      job: null,
      status: 200,
      account: STAGING.accountId,
    });
  });

  it('assumes the external-ID role only with its external ID', async () => {
    const role = DEMO_EXTERNAL_ID_ROLE;
    const denied = `User: ${DEMO_AWS_USER.arn} is not authorized to perform: sts:AssumeRole on resource: ${role.roleArn}`;
    for (const ExternalId of [undefined, 'not-the-external-id']) {
      expect(
        await sdkFailure(
          client().send(
            new AssumeRoleCommand({
              RoleArn: role.roleArn,
              RoleSessionName: 'external',
              ...(ExternalId ? { ExternalId } : {}),
            }),
          ),
        ),
      ).toEqual({ code: 'AccessDenied', status: 403, message: denied });
    }
    const ok = await client().send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        RoleSessionName: 'external',
        ExternalId: role.externalId,
      }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${role.accountId}:assumed-role/jobgraph-read-external/external`,
    );
  });

  it('refuses a role it does not know, in another account or in the second one, with AccessDenied', async () => {
    for (const arn of [
      'arn:aws:iam::444455556666:role/jobgraph-read',
      'arn:aws:iam::210987654321:role/jobgraph-admin',
      `arn:aws:iam::${DEMO_AWS_ACCOUNT_ID}:role/jobgraph-read`,
    ]) {
      expect(
        await sdkFailure(
          client().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x1' })),
        ),
      ).toEqual({
        code: 'AccessDenied',
        status: 403,
        message: `User: ${DEMO_AWS_USER.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      });
    }
    expect(sts.calls.at(-1)?.status).toBe(403);
  });

  it('refuses a session of the second account that assumes its role again: only the default account is trusted', async () => {
    const { Credentials } = await client().send(
      new AssumeRoleCommand({ RoleArn: STAGING.roleArn, RoleSessionName: 'chain' }),
    );
    const session = sessionClient(Credentials);
    expect(
      await sdkFailure(
        session.send(new AssumeRoleCommand({ RoleArn: STAGING.roleArn, RoleSessionName: 'again' })),
      ),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      message: expect.stringContaining(
        `User: arn:aws:sts::${STAGING.accountId}:assumed-role/jobgraph-read/chain is not authorized`,
      ),
    });
  });

  it('answers ValidationError for a duration out of 900..43200 and a RoleArn that is no role ARN', async () => {
    const assume = (input: Partial<{ RoleArn: string; DurationSeconds: number }>) =>
      sdkFailure(
        client().send(
          new AssumeRoleCommand({ RoleArn: STAGING.roleArn, RoleSessionName: 'v1', ...input }),
        ),
      );
    expect(await assume({ DurationSeconds: 899 })).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    });
    expect(await assume({ DurationSeconds: 43_201 })).toEqual({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    });
    expect(await assume({ RoleArn: 'arn:aws:s3:::jobgraph-bucket/role' })).toEqual({
      code: 'ValidationError',
      status: 400,
      message: 'Request ARN is invalid',
    });
    expect(await assume({ RoleArn: 'jobgraph-read' })).toMatchObject({
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'jobgraph-read' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    });
    // The longest session STS allows is fine for the second account's role.
    const long = await client().send(
      new AssumeRoleCommand({
        RoleArn: STAGING.roleArn,
        RoleSessionName: 'long',
        DurationSeconds: 43_200,
      }),
    );
    expect(long.Credentials?.Expiration?.getTime()).toBe(clock.start + 43_200_000);
  });

  it('answers an unknown Action or version with InvalidAction in the query error envelope', async () => {
    const call = (params: Record<string, string>) =>
      signedAws(sts, {
        service: 'sts',
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: formBody(params),
      });
    const xml = new XMLParser({ parseTagValue: false });
    const unknown = await call({ Action: 'DescribeJobs', Version: '2011-06-15' });
    expect(unknown.status).toBe(400);
    expect(xml.parse(unknown.body)).toEqual({
      ErrorResponse: {
        Error: {
          Type: 'Sender',
          Code: 'InvalidAction',
          Message: 'Could not find operation DescribeJobs for version 2011-06-15',
        },
        RequestId: unknown.headers['x-amzn-requestid'],
      },
    });
    expect(unknown.body).toContain(`<ErrorResponse xmlns="${STS_XMLNS}">`);
    const version = await call({ Action: 'AssumeRole', Version: '2010-01-01' });
    expect(version.status).toBe(400);
    expect(version.body).toContain(
      '<Message>Could not find operation AssumeRole for version 2010-01-01</Message>',
    );
  });

  it('refuses a wrong secret, an unknown key and an unsigned request with the STS auth errors', async () => {
    expect(
      await sdkFailure(
        client({
          credentials: { accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
        }).send(new GetCallerIdentityCommand({})),
      ),
    ).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(
      await sdkFailure(
        client({
          credentials: { accessKeyId: 'JOBGRAPHUNKNOWNKEY01', secretAccessKey: 'x' },
        }).send(new GetCallerIdentityCommand({})),
      ),
    ).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    const unsigned = await fetch(sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('refuses an expired session with ExpiredToken, and its key without its token as invalid', async () => {
    const { Credentials } = await client().send(
      new AssumeRoleCommand({
        RoleArn: STAGING.roleArn,
        RoleSessionName: 'short',
        DurationSeconds: 900,
      }),
    );
    const keys = {
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
    };
    expect(
      await sdkFailure(client({ credentials: keys }).send(new GetCallerIdentityCommand({}))),
    ).toMatchObject({ code: 'InvalidClientTokenId', status: 403 });
    clock.now = clock.start + 899_000;
    const session = { ...keys, sessionToken: Credentials?.SessionToken as string };
    expect(
      (await client({ credentials: session }).send(new GetCallerIdentityCommand({}))).Account,
    ).toBe(STAGING.accountId);
    clock.now = clock.start + 900_000;
    expect(
      await sdkFailure(client({ credentials: session }).send(new GetCallerIdentityCommand({}))),
    ).toEqual({
      code: 'ExpiredToken',
      status: 403,
      message: 'The security token included in the request is expired',
    });
  });

  it('answers the fault knobs in its own envelope: throttled, then a 5xx, then normally', async () => {
    sts.setFaults({ script: ['throttle', '5xx'] });
    try {
      expect(await sdkFailure(client().send(new GetCallerIdentityCommand({})))).toEqual({
        code: 'Throttling',
        status: 400,
        message: 'Rate exceeded',
      });
      expect(await sdkFailure(client().send(new GetCallerIdentityCommand({})))).toMatchObject({
        code: 'ServiceUnavailable',
        status: 503,
      });
      expect((await client().send(new GetCallerIdentityCommand({}))).Account).toBe(
        DEMO_AWS_ACCOUNT_ID,
      );
    } finally {
      sts.resetFaults();
    }
  });
});
