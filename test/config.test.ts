import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  JOBGRAPH_VARIABLES,
  SETTING_VARIABLES,
  levenshtein,
  loadConfig,
  unknownVariableWarnings,
} from '../src/config/index.ts';
import { liveConfig } from './support/liveConfig.ts';
import { thrownBy } from './support/thrownBy.ts';
import { liveStartupSummary } from './support/startupSummary.ts';

describe('Configuration', () => {
  it('has documented defaults in live mode', () => {
    const c = liveConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      awsRegion: 'us-east-1',
      endpoints: {},
      introspection: false,
      tencent: { credentials: null, region: 'ap-guangzhou', uin: null, appId: null },
      limits: {
        maxJobIds: 100,
        upstreamTimeoutMs: 5000,
        upstreamMaxAttempts: 3,
        providerConcurrency: 50,
        maxBodyBytes: 1048576,
        maxJobsPerRequest: 100,
        upstreamMaxBodyBytes: 1048576,
      },
      cache: {
        url: null,
        clusterSecret: null,
        maxEntries: 10000,
        opTimeoutMs: 250,
      },
    });
    expect(loadConfig({ mode: 'demo' }, {})).toMatchObject({
      host: '127.0.0.1',
      introspection: true,
    });
  });

  it('reads the watch (subscription) settings, with documented defaults, and refuses a max poll below the poll', () => {
    expect(liveConfig({}).watch).toEqual({
      pollMs: 2000,
      maxPollMs: 30000,
      maxPerCaller: 20,
      maxTotal: 10000,
      maxSockets: 1000,
      maxSocketsPerCaller: 20,
      maxPendingSockets: 100,
      maxReservations: 1000,
    });
    const env = {
      JOBGRAPH_WATCH_POLL_MS: '500',
      JOBGRAPH_WATCH_MAX_POLL_MS: '4000',
      JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '3',
      JOBGRAPH_MAX_SUBSCRIPTIONS: '7',
      JOBGRAPH_MAX_WEBSOCKETS: '9',
      JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER: '2',
      JOBGRAPH_MAX_WEBSOCKETS_PENDING: '5',
      JOBGRAPH_MAX_SSE_RESERVATIONS: '11',
    };
    expect(liveConfig(env).watch).toEqual({
      pollMs: 500,
      maxPollMs: 4000,
      maxPerCaller: 3,
      maxTotal: 7,
      maxSockets: 9,
      maxSocketsPerCaller: 2,
      maxPendingSockets: 5,
      maxReservations: 11,
    });
    expect(() =>
      liveConfig({ JOBGRAPH_WATCH_POLL_MS: '5000', JOBGRAPH_WATCH_MAX_POLL_MS: '1000' }),
    ).toThrow(/JOBGRAPH_WATCH_MAX_POLL_MS/);
    expect(() => liveConfig({ JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '0' })).toThrow(ConfigError);
  });

  it('reads the AWS endpoint variants as the AWS SDK does (default off)', () => {
    expect(liveConfig({}).awsEndpointVariant).toEqual({
      useFips: false,
      useDualStack: false,
    });
    expect(
      liveConfig({ AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true' })
        .awsEndpointVariant,
    ).toEqual({
      useFips: true,
      useDualStack: true,
    });
    expect(() => liveConfig({ AWS_USE_FIPS_ENDPOINT: 'maybe' })).toThrow(ConfigError);
  });

  it('reads endpoint overrides and Tencent credentials', () => {
    const c = liveConfig({
      AWS_ENDPOINT_URL_CODEPIPELINE: 'http://127.0.0.1:4105/',
      COS_BATCH_ENDPOINT_URL: 'http://127.0.0.1:4103',
      TENCENTCLOUD_SECRET_ID: 'id',
      TENCENTCLOUD_SECRET_KEY: 'key',
      COS_UIN: '100000000001',
      COS_APPID: '1250000000',
      AWS_REGION: 'eu-west-1',
    });
    expect(c.endpoints).toEqual({
      codepipeline: 'http://127.0.0.1:4105',
      cosBatch: 'http://127.0.0.1:4103',
    });
    expect(c.tencent).toEqual({
      credentials: { secretId: 'id', secretKey: 'key' },
      accounts: [],
      region: 'ap-guangzhou',
      uin: '100000000001',
      appId: '1250000000',
    });
    expect(c.awsRegion).toBe('eu-west-1');
  });

  const bad: [string, Record<string, string>, string][] = [
    [
      'an unparsable URL',
      { AWS_ENDPOINT_URL_OMICS: 'not a url' },
      'AWS_ENDPOINT_URL_OMICS: is not a URL',
    ],
    [
      'a non-HTTP URL',
      { COS_BATCH_ENDPOINT_URL: 'ftp://x' },
      'COS_BATCH_ENDPOINT_URL: must be an http:// or https:// URL',
    ],
    ['an unknown region format', { AWS_REGION: 'Virginia' }, 'AWS_REGION: must be an AWS region'],
    [
      'a region AWS does not serve',
      { AWS_REGION: 'zz-fake-1' },
      'AWS_REGION: is not a region AWS serves',
    ],
    [
      'a region Tencent COS does not serve',
      { TENCENTCLOUD_REGION: 'ap-atlantis' },
      'TENCENTCLOUD_REGION: is not a region Tencent COS serves',
    ],
    ['a port out of range', { PORT: '70000' }, 'PORT: must be between 0 and 65535'],
    [
      'half a Tencent key pair',
      { TENCENTCLOUD_SECRET_ID: 'id' },
      'TENCENTCLOUD_SECRET_KEY: must be set together',
    ],
    [
      'a JWKS without issuer',
      { JOBGRAPH_JWKS_URL: 'https://idp/jwks.json', JOBGRAPH_JWT_AUDIENCE: 'a' },
      'JOBGRAPH_JWT_ISSUER: is required',
    ],
    [
      'a short HS256 secret',
      { JOBGRAPH_JWT_SECRET: 'short-secret-value' },
      'JOBGRAPH_JWT_SECRET: must be at least 32 characters',
    ],
    [
      'a group mapping that is not JSON',
      { JOBGRAPH_ACCOUNT_GROUPS: 'team-a=staging' },
      'JOBGRAPH_ACCOUNT_GROUPS: must be a JSON object',
    ],
    [
      'a group mapping that is a list',
      { JOBGRAPH_ACCOUNT_GROUPS: '["staging","prod"]' },
      'JOBGRAPH_ACCOUNT_GROUPS: must be a JSON object',
    ],
    [
      'a group mapped to a number',
      { JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": ["staging"], "team-b": 7}' },
      'JOBGRAPH_ACCOUNT_GROUPS: maps each group to an array of account entries',
    ],
    [
      'a group mapping that maps nothing',
      { JOBGRAPH_ACCOUNT_GROUPS: '{}' },
      'JOBGRAPH_ACCOUNT_GROUPS: maps no group',
    ],
    [
      'a group mapped to no account',
      { JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": [], "team-b": ["staging"]}' },
      'JOBGRAPH_ACCOUNT_GROUPS: maps the group "team-a" to no account',
    ],
    [
      'a group mapped to a blank string',
      { JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": "  "}' },
      'JOBGRAPH_ACCOUNT_GROUPS: maps the group "team-a" to no account',
    ],
    [
      'a group mapped to an entry that names no account',
      { JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": ["staging prod"]}' },
      'JOBGRAPH_ACCOUNT_GROUPS: the group "team-a" maps to "staging prod", which is not an account alias',
    ],
    [
      'a group with an empty name',
      { JOBGRAPH_ACCOUNT_GROUPS: '{"": ["staging"]}' },
      'JOBGRAPH_ACCOUNT_GROUPS: maps a group with an empty name',
    ],
    [
      'a claim requirement that is not a boolean',
      { JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED: 'sometimes' },
      'JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED: must be true or false',
    ],
  ];
  it.each(bad)(
    'stops on %s with one line naming the variable and not the value',
    (_name, env, message) => {
      let error: unknown;
      try {
        liveConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message.startsWith(message)).toBe(true);
      expect((error as Error).message).not.toContain('\n');
      for (const value of Object.values(env))
        if (value.length > 6) expect((error as Error).message).not.toContain(value);
    },
  );

  it('reads the AWS profile and shared files the credential chain uses', () => {
    expect(
      liveConfig({
        AWS_PROFILE: 'dev',
        AWS_CONFIG_FILE: '/etc/aws/config',
        AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds',
      }).awsShared,
    ).toEqual({
      profile: 'dev',
      configFile: '/etc/aws/config',
      credentialsFile: '/etc/aws/creds',
    });
    expect(liveConfig({}).awsShared).toMatchObject({
      profile: null,
      configFile: expect.stringMatching(/\.aws[/\\]config$/),
    });
  });

  it('reads the listJobs settings: a cursor secret of at least 32 characters, default reference stores, the snapshot seconds', () => {
    expect(liveConfig({}).listing).toEqual({
      cursorSecret: null,
      omicsReferenceStores: null,
      snapshotSeconds: 30,
    });
    for (const [value, seconds] of [
      ['0', 0],
      ['3600', 3600],
    ] as const)
      expect(liveConfig({ JOBGRAPH_LIST_SNAPSHOT_SECONDS: value }).listing.snapshotSeconds).toBe(
        seconds,
      );
    const secret = 'a-cursor-secret-that-replicas-share-0123';
    expect(
      liveConfig({
        JOBGRAPH_CURSOR_SECRET: secret,
        JOBGRAPH_OMICS_REFERENCE_STORES: ' 5038720581, 7321480963,5038720581 ',
      }).listing,
    ).toEqual({
      cursorSecret: secret,
      omicsReferenceStores: ['5038720581', '7321480963'],
      snapshotSeconds: 30,
    });
    const refused = (env: Record<string, string>) => thrownBy(ConfigError, () => liveConfig(env));
    const short = refused({ JOBGRAPH_CURSOR_SECRET: 'short-secret-value' });
    expect(short.variable).toBe('JOBGRAPH_CURSOR_SECRET');
    expect(short.message).not.toContain('short-secret-value');
    expect(refused({ JOBGRAPH_OMICS_REFERENCE_STORES: 'store-a' }).variable).toBe(
      'JOBGRAPH_OMICS_REFERENCE_STORES',
    );
    expect(refused({ JOBGRAPH_OMICS_REFERENCE_STORES: ',' }).variable).toBe(
      'JOBGRAPH_OMICS_REFERENCE_STORES',
    );
    const eleven = Array.from({ length: 11 }, (_, i) => `10000000${i}00`).join(',');
    expect(refused({ JOBGRAPH_OMICS_REFERENCE_STORES: eleven }).message).toContain('at most 10');
    for (const bad of ['3601', '-1', '1.5', 'soon'])
      expect(refused({ JOBGRAPH_LIST_SNAPSHOT_SECONDS: bad }).variable).toBe(
        'JOBGRAPH_LIST_SNAPSHOT_SECONDS',
      );
  });

  it('requires JOBGRAPH_CLUSTER_SECRET with JOBGRAPH_CACHE_URL, refusing a short or one-character one in one line that never quotes it', () => {
    const url = 'redis://127.0.0.1:6379';
    const secret = 'a-cluster-secret-the-replicas-share-0123456789';
    const cache = (env: Record<string, string>) => liveConfig(env).cache;
    expect(cache({ JOBGRAPH_CACHE_URL: url, JOBGRAPH_CLUSTER_SECRET: secret }).clusterSecret).toBe(
      secret,
    );
    expect(cache({}).clusterSecret).toBeNull();
    const refusal = (env: Record<string, string>) => {
      const err = thrownBy(ConfigError, () => cache(env));
      expect(err.variable).toBe('JOBGRAPH_CLUSTER_SECRET');
      return err.message;
    };
    expect(refusal({ JOBGRAPH_CACHE_URL: url })).toMatch(
      /^JOBGRAPH_CLUSTER_SECRET: is required with JOBGRAPH_CACHE_URL \(at least 32 /,
    );
    for (const weak of ['short-but-random-Xq9', 'a'.repeat(64)]) {
      const message = refusal({ JOBGRAPH_CACHE_URL: url, JOBGRAPH_CLUSTER_SECRET: weak });
      expect(message).toMatch(/^JOBGRAPH_CLUSTER_SECRET: is too weak/);
      expect(message).not.toContain(weak);
      expect(message).not.toContain('\n');
    }
  });

  it('takes JOBGRAPH_CLUSTER_SECRET_PREVIOUS for a rotation, refusing it without a cluster secret, weak, or the same, in one line that never quotes it', () => {
    const url = 'redis://127.0.0.1:6379';
    const secret = 'a-cluster-secret-the-replicas-share-0123456789';
    const previous = 'the-secret-being-rotated-out-9f8e7d6c5b4a3210';
    const cache = (env: Record<string, string>) => liveConfig(env).cache;
    const base = { JOBGRAPH_CACHE_URL: url, JOBGRAPH_CLUSTER_SECRET: secret };
    expect(cache(base).previousClusterSecret).toBeNull();
    expect(
      cache({ ...base, JOBGRAPH_CLUSTER_SECRET_PREVIOUS: previous }).previousClusterSecret,
    ).toBe(previous);
    for (const [env, why] of [
      [{ JOBGRAPH_CLUSTER_SECRET_PREVIOUS: previous }, /is set without JOBGRAPH_CLUSTER_SECRET/],
      [{ ...base, JOBGRAPH_CLUSTER_SECRET_PREVIOUS: 'b'.repeat(40) }, /is too weak/],
      [
        { ...base, JOBGRAPH_CLUSTER_SECRET_PREVIOUS: secret },
        /is the same as JOBGRAPH_CLUSTER_SECRET/,
      ],
    ] as const) {
      let message = '';
      try {
        cache(env);
      } catch (err) {
        expect((err as ConfigError).variable).toBe('JOBGRAPH_CLUSTER_SECRET_PREVIOUS');
        message = (err as Error).message;
      }
      expect(message).toMatch(why);
      expect(message).not.toContain(secret);
      expect(message).not.toContain('\n');
    }
  });

  it('refuses a JOBGRAPH_CLUSTER_SECRET equal to the JWT or cursor secret, or of low variety, in one line naming the variables and no value', () => {
    const url = 'redis://127.0.0.1:6379';
    const secret = 'Zr4-kW9qTn2xLb7VyH3cJm8FpD5sGa6E';
    const refusal = (env: Record<string, string>) => {
      const { variable, message } = thrownBy(ConfigError, () =>
        liveConfig({ JOBGRAPH_CACHE_URL: url, ...env }),
      );
      expect(variable).toBe('JOBGRAPH_CLUSTER_SECRET');
      expect(message).not.toContain('\n');
      for (const value of Object.values(env)) expect(message).not.toContain(value);
      return message;
    };
    expect(refusal({ JOBGRAPH_CLUSTER_SECRET: secret, JOBGRAPH_JWT_SECRET: secret })).toBe(
      'JOBGRAPH_CLUSTER_SECRET: must differ from JOBGRAPH_JWT_SECRET: each secret keys something else (e.g. openssl rand -base64 48 for each)',
    );
    expect(refusal({ JOBGRAPH_CLUSTER_SECRET: secret, JOBGRAPH_CURSOR_SECRET: secret })).toMatch(
      /^JOBGRAPH_CLUSTER_SECRET: must differ from JOBGRAPH_CURSOR_SECRET:/,
    );
    // A word said again and again (whole or with a partial tail), one character, few characters.
    for (const weak of [
      'abcdabcdabcdabcdabcdabcdabcdabcd',
      'correct-horse-correct-horse-correct-horse-corr',
      '7'.repeat(40),
      'aabbccddeeffgghhaabbccddeeffgghhx',
    ])
      expect(refusal({ JOBGRAPH_CLUSTER_SECRET: weak })).toMatch(
        /^JOBGRAPH_CLUSTER_SECRET: is too weak: use at least 32 random characters, 10 of them distinct and not one word repeated/,
      );
    // Random values as the docs make them are accepted, and the other secrets may be anything else.
    for (const random of [randomBytes(48).toString('base64'), randomBytes(32).toString('hex')])
      expect(
        liveConfig({
          JOBGRAPH_CACHE_URL: url,
          JOBGRAPH_CLUSTER_SECRET: random,
          JOBGRAPH_JWT_SECRET: secret,
          JOBGRAPH_CURSOR_SECRET: secret,
        }).cache.clusterSecret,
      ).toBe(random);
  });

  it('has live mode warn at start that cursors are per process without JOBGRAPH_CURSOR_SECRET', () => {
    const lines = (env: Record<string, string>) =>
      liveStartupSummary(env).filter((line) => line.includes('JOBGRAPH_CURSOR_SECRET'));
    expect(lines({})).toEqual([
      expect.stringMatching(
        /^ {2}warning +JOBGRAPH_CURSOR_SECRET is not set: .*do not survive a restart or work across replicas$/,
      ),
    ]);
    expect(lines({ JOBGRAPH_CURSOR_SECRET: 'x'.repeat(32) })).toEqual([]);
  });
});

describe('Unknown JOBGRAPH_* variables', () => {
  it('are warned about with the closest known name, never the value', () => {
    const warnings = unknownVariableWarnings({
      JOBGRAPH_MAX_JOB_ID: '5',
      JOBGRAPH_JWT_SECRT: 'a-secret-value-nobody-may-see',
    });
    expect(warnings).toEqual([
      'JOBGRAPH_JWT_SECRT is not a jobgraph variable and is ignored; did you mean JOBGRAPH_JWT_SECRET?',
      'JOBGRAPH_MAX_JOB_ID is not a jobgraph variable and is ignored; did you mean JOBGRAPH_MAX_JOB_IDS?',
    ]);
  });

  it('include the variables folded into constants (issue 105), each named and ignored', () => {
    const warnings = unknownVariableWarnings({
      JOBGRAPH_CACHE_TTL_SECONDS: '60',
      JOBGRAPH_NOTIFY_MAX_RULES: '3',
      JOBGRAPH_WATCH_HEARTBEAT_MS: '20',
    });
    expect(warnings.map((w) => w.split(' ')[0])).toEqual([
      'JOBGRAPH_CACHE_TTL_SECONDS',
      'JOBGRAPH_NOTIFY_MAX_RULES',
      'JOBGRAPH_WATCH_HEARTBEAT_MS',
    ]);
    for (const w of warnings) expect(w).toContain(' is not a jobgraph variable and is ignored');
    expect(() => liveConfig({ JOBGRAPH_NOTIFY_MAX_RULES: 'not a number' })).not.toThrow();
  });

  it('get no suggestion when no known name is near', () => {
    expect(unknownVariableWarnings({ JOBGRAPH_COLOUR_SCHEME: 'dark' })).toEqual([
      'JOBGRAPH_COLOUR_SCHEME is not a jobgraph variable and is ignored',
    ]);
  });

  it('leave known names and other prefixes alone', () => {
    expect(
      unknownVariableWarnings({
        JOBGRAPH_MAX_JOB_IDS: '5',
        JOBGRAPH_METRICS: 'off',
        AWS_PROFILE: 'x',
        JOBGRAPHX: '1',
      }),
    ).toEqual([]);
  });

  it('know every JOBGRAPH_* name the configuration reads, and every setting variable', () => {
    const read = new Set<string>();
    const env = new Proxy(
      {},
      {
        get: (_t, name) => {
          if (typeof name === 'string') read.add(name);
          return undefined;
        },
      },
    );
    liveConfig(env);
    const readJobgraph = [...read].filter((n) => n.startsWith('JOBGRAPH_'));
    expect(readJobgraph.length).toBeGreaterThan(20);
    for (const name of readJobgraph) expect(JOBGRAPH_VARIABLES).toContain(name);
    for (const name of Object.values(SETTING_VARIABLES)) expect(readJobgraph).toContain(name);
  });

  it('measure closeness by edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('JOBGRAPH_MAX_JOB_ID', 'JOBGRAPH_MAX_JOB_IDS')).toBe(1);
  });
});
