import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import {
  describeCredentialSource,
  formatStartupSummary,
  printStartupSummary,
  resolveAwsCredentialSource,
  type AwsCredentialStatus,
} from '../../src/cli/startupSummary.ts';

const SECRETS = {
  AWS_SECRET_ACCESS_KEY: 'aws-secret-value-wJalrXUtnFEMI-K7MDENG',
  AWS_SESSION_TOKEN: 'aws-session-token-value-FwoGZXIvYXdzEJr',
  TENCENTCLOUD_SECRET_KEY: 'tencent-secret-key-value-0123456789',
  JOBGRAPH_JWT_SECRET: 'jwt-hs256-secret-value-that-is-long-enough',
  redisPassword: 'redis-password-value-s3cr3t',
  JOBGRAPH_CLUSTER_SECRET: 'Xq7vN2pLr9Kd4TzWb8YhC3mFs6GjA1eU',
  endpointPassword: 'endpoint-password-value-p4ss',
};

const noCredentials = () =>
  Promise.reject(new Error('Could not load credentials from any providers'));

let dir: string;
let shared: (profile: string | null) => Config['awsShared'];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobgraph-summary-'));
  await writeFile(
    join(dir, 'config'),
    '[default]\nregion = us-east-1\n\n[profile dev]\nsso_session = corp\n',
  );
  await writeFile(join(dir, 'credentials'), '[ci]\naws_access_key_id = AKIAEXAMPLE\n');
  shared = (profile) => ({
    profile,
    configFile: join(dir, 'config'),
    credentialsFile: join(dir, 'credentials'),
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function summary(
  env: Record<string, string>,
  aws: AwsCredentialStatus,
  jwksFetched = false,
  warnings: string[] = [],
): string {
  return formatStartupSummary({
    config: loadConfig({ mode: 'live' }, env),
    aws,
    jwksFetched,
    warnings,
  }).join('\n');
}

describe('The start-up summary', () => {
  it('says which job event queues are read and which cannot be, and that without any every job is polled', () => {
    const config = loadConfig({ mode: 'live' }, {});
    const aws = { state: 'none' } as const;
    const none = formatStartupSummary({ config, aws, jwksFetched: false, warnings: [] });
    expect(none.join('\n')).toMatch(
      /job events +none \(JOBGRAPH_EVENT_QUEUES\): every watched job is polled/,
    );
    const text = formatStartupSummary({
      config,
      aws,
      jwksFetched: false,
      warnings: [],
      eventQueues: [
        { queue: 'default:us-east-1:events', state: 'UP', code: null },
        { queue: 'prod:eu-west-1:events', state: 'DOWN', code: 'AccessDenied' },
      ],
      eventCoverage: [
        {
          provider: 'AWS_BATCH',
          account: 'default',
          region: 'us-east-1',
          live: true,
          reason: null,
        },
        {
          provider: 'AWS_BATCH',
          account: 'prod',
          region: 'eu-west-1',
          live: false,
          reason: 'QUEUE_DOWN',
        },
        {
          provider: 'AWS_OMICS',
          account: 'default',
          region: 'us-east-1',
          live: false,
          reason: 'NO_EVENT',
        },
      ],
    }).join('\n');
    // Coverage per provider: each account and region, live or why polled.
    expect(text).toMatch(
      /^ {4}AWS Batch +default\/us-east-1 live by events; prod\/eu-west-1 polled \(no readable queue\)$/m,
    );
    expect(text).toMatch(/^ {4}AWS HealthOmics +default\/us-east-1 polled until its first event$/m);
    expect(text).toMatch(
      /job events +2 SQS queue\(s\); AWS HealthOmics, AWS CodePipeline, AWS Batch jobs/,
    );
    expect(text).toMatch(/default:us-east-1:events +readable/);
    expect(text).toMatch(
      /prod:eu-west-1:events +CANNOT be read \(AccessDenied\): its jobs are polled/,
    );
  });

  it('says every provider is not configured when there are no credentials', async () => {
    const aws = await resolveAwsCredentialSource(shared(null), undefined, {
      provider: noCredentials,
    });
    expect(aws).toEqual({ state: 'none' });
    const text = summary({}, aws);
    expect(text).toMatch(/AWS credentials +none found/);
    for (const name of [
      'AWS Panorama',
      'AWS HealthOmics',
      'AWS Import/Export',
      'AWS CodePipeline',
    ]) {
      expect(text).toMatch(
        new RegExp(`${name} +NOT configured \\(answers PROVIDER_NOT_CONFIGURED\\)`),
      );
    }
    expect(text).toMatch(/Tencent COS Batch +NOT configured/);
    // Panorama's end is said only when Panorama is configured.
    expect(text).not.toContain('ended');
    expect(text).toMatch(/auth +NONE: neither JOBGRAPH_JWT_SECRET nor JOBGRAPH_JWKS_URL/);
    expect(text).toMatch(/cache +in-process LRU, 10000 entries$/m);
    expect(text).toMatch(/limits +defaults/);
  });

  it('names environment credentials and an endpoint override, and never prints a secret', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: SECRETS.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: SECRETS.AWS_SESSION_TOKEN,
      AWS_ENDPOINT_URL_OMICS: `http://user:${SECRETS.endpointPassword}@127.0.0.1:4102/base?sig=${SECRETS.endpointPassword}`,
      TENCENTCLOUD_SECRET_ID: 'AKIDEXAMPLE',
      TENCENTCLOUD_SECRET_KEY: SECRETS.TENCENTCLOUD_SECRET_KEY,
      COS_UIN: '100000000001',
      JOBGRAPH_JWT_SECRET: SECRETS.JOBGRAPH_JWT_SECRET,
      JOBGRAPH_CACHE_URL: `redis://default:${SECRETS.redisPassword}@cache.internal:6379/0`,
      JOBGRAPH_CLUSTER_SECRET: SECRETS.JOBGRAPH_CLUSTER_SECRET,
      JOBGRAPH_MAX_JOB_IDS: '5',
      JOBGRAPH_UPSTREAM_TIMEOUT_MS: '2000',
    };
    const aws = await resolveAwsCredentialSource(shared(null), undefined, {
      provider: async () => ({
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
        $source: { CREDENTIALS_ENV_VARS: 'g' },
      }),
    });
    const text = summary(env, aws);
    expect(text).toMatch(/AWS credentials +from environment variables \(AWS_ACCESS_KEY_ID\)/);
    expect(text).toMatch(
      /AWS HealthOmics +configured · endpoint override http:\/\/127\.0\.0\.1:4102\/base\n/,
    );
    // AWS ended Panorama on 2026-05-31: its line says so once it is configured, and no other does.
    expect(text).toMatch(
      /AWS Panorama +configured · AWS ended AWS Panorama on 2026-05-31: its jobs answer UPSTREAM_UNAVAILABLE once its endpoint stops answering\n/,
    );
    expect(text.match(/ended/g)).toHaveLength(1);
    // Keys without COS_APPID answer every COS job PROVIDER_NOT_CONFIGURED: never "configured".
    expect(text).toMatch(
      /Tencent COS Batch +NOT configured: COS_APPID not set \(answers PROVIDER_NOT_CONFIGURED\) · region ap-guangzhou\n/,
    );
    expect(text).toMatch(/auth +HS256 \(JOBGRAPH_JWT_SECRET\)/);
    expect(text).toMatch(/cache +Redis redis:\/\/cache\.internal:6379\/0 \(shared\)$/m);
    expect(text).toMatch(
      /limits +JOBGRAPH_MAX_JOB_IDS=5 \(default 100\), JOBGRAPH_UPSTREAM_TIMEOUT_MS=2000 \(default 5000\)/,
    );
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('AKIAEXAMPLE');
  });

  it('tells a profile that is in neither shared file from no credentials', async () => {
    const aws = await resolveAwsCredentialSource(shared('nope'), undefined, {
      provider: noCredentials,
    });
    expect(aws).toMatchObject({ state: 'profile-not-found', profile: 'nope' });
    const text = summary({ AWS_PROFILE: 'nope' }, aws);
    expect(text).toMatch(
      /AWS credentials +profile "nope" \(AWS_PROFILE\) NOT FOUND in .*config or .*credentials/,
    );
    expect(text).not.toMatch(/none found/);
  });

  it.each([
    ['dev', '[profile dev] in the config file'],
    ['ci', '[ci] in the credentials file'],
  ])('tells a profile that exists but gives no credentials (%s: %s)', async (profile) => {
    const aws = await resolveAwsCredentialSource(shared(profile), undefined, {
      provider: () =>
        Promise.reject(new Error('The SSO session token is expired.\nRun aws sso login.')),
    });
    expect(aws).toEqual({
      state: 'profile-unusable',
      profile,
      reason: 'The SSO session token is expired.',
    });
  });

  it('gives up on a credential chain that does not answer', async () => {
    const aws = await resolveAwsCredentialSource(shared(null), undefined, {
      provider: () => new Promise(() => {}),
      timeoutMs: 10,
    });
    expect(aws).toEqual({ state: 'timeout', timeoutMs: 10 });
    expect(summary({}, aws)).toMatch(/AWS Panorama +credentials not known yet/);
  });

  it.each([
    [{ CREDENTIALS_PROFILE: 'n' }, 'dev', 'profile "dev"'],
    [{ CREDENTIALS_PROFILE_SSO: 'r' }, 'dev', 'profile "dev", SSO (IAM Identity Center)'],
    [
      { CREDENTIALS_PROFILE: 'n', CREDENTIALS_PROFILE_PROCESS: 'v' },
      null,
      'profile "default", credential_process',
    ],
    [
      { CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'h', CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'k' },
      null,
      'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)',
    ],
    [{ CREDENTIALS_HTTP: 'z' }, null, 'container credentials endpoint (ECS/EKS)'],
    [{ CREDENTIALS_IMDS: '0' }, null, 'EC2 instance metadata (IMDS)'],
    [undefined, null, 'the default credential chain (source not reported)'],
  ])('names the credential source %j (profile %s) as %s', (flags, profile, label) => {
    expect(describeCredentialSource(flags, profile)).toBe(label);
  });

  it('shows a JWKS with its issuer and audience, and whether the key set was fetched', () => {
    const env = {
      JOBGRAPH_JWKS_URL: 'https://idp.example/.well-known/jwks.json?key=x',
      JOBGRAPH_JWT_ISSUER: 'https://idp.example/',
      JOBGRAPH_JWT_AUDIENCE: 'jobgraph',
    };
    expect(summary(env, { state: 'none' }, true)).toMatch(
      /auth +JWKS https:\/\/idp\.example\/\.well-known\/jwks\.json · key set fetched · issuer "https:\/\/idp\.example\/", audience "jobgraph"\n/,
    );
    expect(summary(env, { state: 'none' }, false)).toMatch(
      /auth +JWKS https:\/\/idp\.example\/\.well-known\/jwks\.json · key set NOT fetched yet/,
    );
  });

  it('shows a cache that is off and lists unknown-variable warnings', () => {
    const text = summary({ JOBGRAPH_CACHE_MAX_ENTRIES: '0' }, { state: 'none' }, false, [
      'JOBGRAPH_X is not a jobgraph variable and is ignored',
    ]);
    expect(text).toMatch(/cache +off \(JOBGRAPH_CACHE_MAX_ENTRIES=0\)/);
    expect(text).toMatch(/limits +defaults/);
    expect(text).toMatch(/warning +JOBGRAPH_X is not a jobgraph variable and is ignored$/);
  });

  it('prints once, after waiting for the key set', async () => {
    const config = loadConfig(
      { mode: 'live' },
      {
        JOBGRAPH_JWKS_URL: 'https://idp.example/jwks',
        JOBGRAPH_JWT_ISSUER: 'i',
        JOBGRAPH_JWT_AUDIENCE: 'a',
      },
    );
    let checks = 0;
    const out: string[] = [];
    await printStartupSummary(
      { config, server: { jwksReady: () => ++checks >= 2 } },
      { write: (text) => out.push(text), awsProvider: noCredentials, timeoutMs: 60_000 },
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/key set fetched/);
  });

  it('waits for the first presence check and reports peers with another cluster secret by name, no secret', async () => {
    const config = loadConfig(
      { mode: 'live' },
      {
        JOBGRAPH_CACHE_URL: 'redis://127.0.0.1:6379',
        JOBGRAPH_CLUSTER_SECRET: SECRETS.JOBGRAPH_CLUSTER_SECRET,
      },
    );
    let checked = false;
    const cluster = {
      checked: () => {
        checked = true;
        return Promise.resolve();
      },
      state: () => ({
        replica: 'host-b:2:0000000b',
        checked,
        peers: 1,
        peersWithAnotherSecret: 1,
        peersWithAnotherSecretIds: ['host-a:1:0000000a'],
        macRejections: 3,
      }),
    };
    const out: string[] = [];
    await printStartupSummary(
      { config, server: { jwksReady: () => true }, cluster },
      { write: (text) => out.push(text), awsProvider: noCredentials },
    );
    const lines = out.join('').split('\n');
    const at = lines.findIndex((l) => /^ {2}cluster /.test(l));
    expect(lines[at]).toMatch(
      /^ {2}cluster +this replica host-b:2:0000000b · 1 other replica\(s\) seal under the same JOBGRAPH_CLUSTER_SECRET · 3 value\(s\) read from Redis failed their MAC$/,
    );
    expect(lines[at + 1]).toMatch(
      /^ {2}warning +1 replica\(s\) sharing this Redis seal under ANOTHER JOBGRAPH_CLUSTER_SECRET \(host-a:1:0000000a\), or their presence was forged: MAC rejections from peers;/,
    );
    expect(out.join('')).not.toContain(SECRETS.JOBGRAPH_CLUSTER_SECRET);
    // Without a peer of another secret, one line; before Redis answered, it says so.
    const alone = formatStartupSummary({
      config,
      aws: { state: 'none' },
      jwksFetched: false,
      warnings: [],
      cluster: { ...cluster.state(), peersWithAnotherSecret: 0, peersWithAnotherSecretIds: [] },
    });
    expect(alone.filter((l) => l.includes('ANOTHER'))).toEqual([]);
    const unknown = formatStartupSummary({
      config,
      aws: { state: 'none' },
      jwksFetched: false,
      warnings: [],
      cluster: { ...cluster.state(), checked: false },
    });
    expect(unknown.join('\n')).toMatch(/cluster +this replica \S+; Redis has not answered yet/);
  });

  it('never stops a serving gateway: a summary that fails is one line', async () => {
    const out: string[] = [];
    const server = {
      jwksReady: (): boolean => {
        throw new Error('boom');
      },
    };
    await printStartupSummary(
      { config: loadConfig({ mode: 'live' }, {}), server },
      { write: (text) => out.push(text), awsProvider: noCredentials },
    );
    expect(out).toEqual(['jobgraph: the start-up summary could not be made: boom\n']);
  });
});
