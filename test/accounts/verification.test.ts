import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../src/app.ts';
import { SCOPE_OPERATE, SCOPE_READ } from '../../src/auth/identity.ts';
import { mintToken } from '../../src/auth/mintToken.ts';
import { formatStartupSummary } from '../../src/cli/startupSummary.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { transportCode } from '../../src/datasources/shared/callerIdentity.ts';
import {
  DEMO_DATA,
  exampleSecondAccountJobs,
  startEmulators,
  withDemoUpstreams,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { readyz as readyzAs } from '../support/accountTokens.ts';
import { LogCapture, gql } from '../support/gateway.ts';

/**
 * Live mode verifies every account's credentials at start against the emulators (the demo's
 * upstreams and accounts, in live mode as the deployment kit runs them): STS GetCallerIdentity
 * for the default AWS credentials and each role, one signed ListJobs page for each COS account.
 */

let emulators: EmulatorSet | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await emulators?.close();
  gateway = undefined;
  emulators = undefined;
});

const JWT_SECRET = randomBytes(32).toString('base64url');

/** The demo's upstreams and accounts in live mode, changed by `change`; started, and its token. */
async function live(change: (config: Config) => Config = (c) => c) {
  emulators = await startEmulators();
  const base = loadConfig(
    { mode: 'live' },
    {
      LOG_LEVEL: 'info',
      JOBGRAPH_JWT_SECRET: JWT_SECRET,
      // Its history in a folder of its own, never the working tree's ./jobgraph-data.
      JOBGRAPH_DATA_DIR: mkdtempSync(join(tmpdir(), 'jobgraph-verification-')),
    },
  );
  const config = { ...change(withDemoUpstreams(base, emulators)), port: 0 };
  const logs = new LogCapture();
  gateway = await startGateway(config, { logDestination: logs });
  const token = await mintToken({
    secret: JWT_SECRET,
    scopes: [SCOPE_READ],
    accounts: ['*'],
    subject: 'verification-test',
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  return { gateway, config, logs, token, states: (await gateway.verification)! };
}

/** /readyz as an operator sees it (a token with `jobgraph:operate`). */
async function readyz(g: Gateway) {
  const operator = await mintToken({
    secret: JWT_SECRET,
    scopes: [SCOPE_OPERATE],
    subject: 'operator',
    issuer: g.config.auth.issuer,
    audience: g.config.auth.audience,
  });
  return readyzAs(g.server.url, operator);
}

/** The summary's account lines as the CLI prints them (the AWS chain is static here). */
function summaryOf(config: Config, accounts: Awaited<ReturnType<typeof live>>['states']) {
  return formatStartupSummary({
    config,
    aws: { state: 'static', source: 'static credentials from the configuration' },
    jwksFetched: true,
    warnings: [],
    accounts,
  }).join('\n');
}

const wrongAwsSecret = (c: Config): Config => ({
  ...c,
  awsCredentials: { ...c.awsCredentials!, secretAccessKey: 'not-the-demo-secret' },
});

describe('Live mode verifies every account at start', () => {
  it('verifies the default credentials, the role and both COS accounts: /readyz lists each READY with code OK', async () => {
    const { gateway: g, states, config } = await live();
    expect(states.map(({ cloud, alias, state, code }) => ({ cloud, alias, state, code }))).toEqual([
      { cloud: 'aws', alias: 'default', state: 'READY', code: 'OK' },
      { cloud: 'aws', alias: 'staging', state: 'READY', code: 'OK' },
      { cloud: 'tencent', alias: 'default', state: 'READY', code: 'OK' },
      { cloud: 'tencent', alias: 'staging', state: 'READY', code: 'OK' },
    ]);
    // GetCallerIdentity said the default credentials' account: Job.account has it.
    expect(g.accounts.accountId(undefined)).toBe('123456789012');
    expect(await readyz(g)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        mode: 'live',
        accounts: states.map(({ cloud, alias, state, code }) => ({ cloud, alias, state, code })),
        // Where the history is kept (the default SQLite file), and that it answers.
        history: expect.objectContaining({ state: 'ok', where: expect.stringMatching(/^sqlite:/) }),
      },
    });
    expect(emulators!.sts.calls.map((c) => c.operation).sort()).toEqual([
      'AssumeRole',
      'GetCallerIdentity',
      'GetCallerIdentity',
    ]);
    const text = summaryOf(config, states);
    expect(text).toMatch(/^ {4}aws default +verified \(account 123456789012\)$/m);
    expect(text).toMatch(/^ {4}aws staging +verified \(account 210987654321\)$/m);
    expect(text).toMatch(/^ {4}tencent default +verified \(account 1250000000\)$/m);
    expect(text).toMatch(
      /accounts +AWS by role: staging \(210987654321\) · COS: staging \(UIN 100000000002\); each account verified below/,
    );
  });

  it('with a wrong AWS secret: every AWS account FAILED with a code, the summary says refused, and default and aliased jobs answer the same code', async () => {
    const { gateway: g, states, config, token, logs } = await live(wrongAwsSecret);
    const aws = states.filter((s) => s.cloud === 'aws');
    expect(aws.map(({ alias, state, code, refused }) => ({ alias, state, code, refused }))).toEqual(
      [
        { alias: 'default', state: 'FAILED', code: 'SignatureDoesNotMatch', refused: true },
        { alias: 'staging', state: 'FAILED', code: 'SignatureDoesNotMatch', refused: true },
      ],
    );
    // The COS accounts have their own keys: verified.
    expect(states.filter((s) => s.cloud === 'tencent').map((s) => s.state)).toEqual([
      'READY',
      'READY',
    ]);
    // A refused account does not make the replica unready: the others serve.
    const ready = await readyz(g);
    expect(ready.status).toBe(200);
    expect(ready.body.accounts).toEqual(
      expect.arrayContaining([
        { cloud: 'aws', alias: 'default', state: 'FAILED', code: 'SignatureDoesNotMatch' },
        { cloud: 'aws', alias: 'staging', state: 'FAILED', code: 'SignatureDoesNotMatch' },
      ]),
    );
    const text = summaryOf(config, states);
    expect(text).toMatch(
      /^ {4}aws default +refused \(SignatureDoesNotMatch\): its jobs answer UPSTREAM_ACCESS_DENIED$/m,
    );
    expect(text).toMatch(/^ {4}aws staging +refused \(SignatureDoesNotMatch\)/m);

    const { region, jobId } = exampleSecondAccountJobs().panorama;
    const res = await gql(g, `query ($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: {
        ids: [DEMO_DATA.panorama.EXAMPLE_GLOBAL_ID, `panorama@staging:${region}:${jobId}`],
      },
      token,
    });
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual([
      'UPSTREAM_ACCESS_DENIED',
      'UPSTREAM_ACCESS_DENIED',
    ]);
    // One log line an account, none with a secret.
    expect(logs.text()).not.toContain('not-the-demo-secret');
    expect(logs.lines.filter((l) => l.includes('could not be verified'))).toHaveLength(2);
  });

  it('with STS unreachable: the code names the error class and the endpoint host, never null', async () => {
    const port = await closedPort();
    const { gateway: g, states } = await live((c) => ({
      ...c,
      endpoints: { ...c.endpoints, sts: `http://127.0.0.1:${port}/some/path` },
    }));
    const aws = states.filter((s) => s.cloud === 'aws');
    for (const s of aws) {
      expect(s).toMatchObject({
        state: 'FAILED',
        code: `ECONNREFUSED 127.0.0.1:${port}`,
        refused: false,
      });
    }
    const ready = await readyz(g);
    expect(ready.status).toBe(200);
    expect(JSON.stringify(ready.body)).not.toContain('/some/path');
  });

  it('says "not configured" with what is missing for COS without COS_APPID, and never calls it', async () => {
    const { states, config } = await live((c) => ({
      ...c,
      tencent: { ...c.tencent, appId: null },
    }));
    expect(states.find((s) => s.cloud === 'tencent' && s.alias === 'default')).toMatchObject({
      state: 'NOT_CONFIGURED',
      code: 'NOT_CONFIGURED',
      missing: ['COS_APPID'],
    });
    const text = summaryOf(config, states);
    expect(text).toMatch(/Tencent COS Batch +NOT configured: COS_APPID not set/);
    expect(text).toMatch(/^ {4}tencent default +not configured \(COS_APPID not set\)/m);
    // Only the staging account's check reached COS.
    expect(emulators!.cosbatch.calls).toHaveLength(1);
  });
});

describe('transportCode', () => {
  it('names an unknown host, a refused connection and a timeout by class and host, without a path', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com'), {
      code: 'ENOTFOUND',
      hostname: 'sts.us-east-1.amazonaws.com',
    });
    expect(transportCode(dns, 'sts.us-east-1.amazonaws.com')).toBe(
      'UnknownHost sts.us-east-1.amazonaws.com',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:4106'), {
      code: 'ECONNREFUSED',
      address: '::1',
      port: 4106,
    });
    expect(transportCode(new Error('wrapped', { cause: refused }), null)).toBe(
      'ECONNREFUSED [::1]:4106',
    );
    const timeout = Object.assign(new Error('late'), { name: 'TimeoutError' });
    expect(transportCode(timeout, 'sts.example:443')).toBe('TimeoutError sts.example:443');
    expect(transportCode(new Error('no transport failure'), 'h')).toBeNull();
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  // A privileged port nothing here listens on (discard, 9): an ephemeral one, freed, could be taken
  // by another file's server before this test connects (it answered 403 once, on a busy run).
  for (const port of [9, 1, 7]) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('no closed port below 1024 on 127.0.0.1');
}
