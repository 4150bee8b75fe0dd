import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CodePipelineClient, GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { VARIABLE_DOCS } from '../../src/config/index.ts';
import {
  DEMO_DATA,
  EMULATOR_PORT_OFFSETS,
  IN_PLACE_PROGRESSING_JOB_IDS,
  isProgressingJobId,
} from '@jobgraph/emulators';
import { stderrText } from '../support/stderrText.ts';
import { runJobgraph as run } from '../support/jobgraphCli.ts';
import { sqsClientOfEnv } from '../support/sqsQueues.ts';

const START_HOOK = fileURLToPath(new URL('../support/processStart.mjs', import.meta.url));

/** Whether every port in `ports` can be listened on right now (loopback). */
async function portsFree(ports: number[]): Promise<boolean> {
  const servers: net.Server[] = [];
  try {
    for (const port of ports) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) =>
        server.once('error', reject).listen(port, '127.0.0.1', resolve),
      );
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(
      servers.map(
        (s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve(undefined))),
      ),
    );
  }
}

/**
 * Start `jobgraph emulators --port-base <base>` (and `extra` flags) on a base whose ports are free. Bases are tried
 * in a fixed order below 32768, out of the range the OS hands out for ephemeral ports (Linux
 * 32768–60999, macOS 49152+), where the suite's own connections live; a base another process takes
 * between the check and the child's listen (the child exits with EADDRINUSE) is skipped too.
 */
async function runEmulatorsOnFreeBase(extra: string[] = []): Promise<{
  base: number;
  proc: Awaited<ReturnType<typeof run>>;
}> {
  const offsets = Object.values(EMULATOR_PORT_OFFSETS);
  for (let i = 0; i < 50; i++) {
    const base = 20000 + ((process.pid * 10 + i * 110) % 12000);
    if (!(await portsFree(offsets.map((o) => base + o)))) continue;
    const proc = await run(
      ['emulators', '--port-base', String(base), ...extra],
      {},
      /# Job events[^\n]*\n# Now: [^\n]*\n/,
    );
    if (proc.code === null) return { base, proc };
    if (!proc.stderr.includes('EADDRINUSE'))
      throw new Error(`jobgraph emulators exited ${proc.code}: ${proc.stderr}`);
  }
  throw new Error('no free port base for jobgraph emulators after 50 tries');
}

describe('The jobgraph command', () => {
  it('mints a verifiable HS256 token with the asked scopes', async () => {
    const secret = 'cli-test-secret-that-is-long-enough-0123';
    const { stdout, code } = await run(
      ['token', '--scopes', 'jobs:read jobs:secrets:read', '--ttl', '600'],
      { JOBGRAPH_JWT_SECRET: secret },
    );
    expect(code).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(
      stdout.trim(),
      new TextEncoder().encode(secret),
      { algorithms: ['HS256'] },
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.scope).toBe('jobs:read jobs:secrets:read');
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    // Without --accounts the token has no accounts claim: the default accounts only.
    expect(payload).not.toHaveProperty('accounts');
  });

  it('mints a token for the asked accounts, in the configured claim', async () => {
    const secret = 'cli-test-secret-that-is-long-enough-0123';
    const key = new TextEncoder().encode(secret);
    const mint = async (env: Record<string, string>, accounts: string) =>
      (
        await jwtVerify(
          (await run(['token', '--accounts', accounts], { JOBGRAPH_JWT_SECRET: secret, ...env }))
            .stdout,
          key,
        )
      ).payload;
    expect((await mint({}, 'staging  prod')).accounts).toEqual(['staging', 'prod']);
    expect((await mint({}, '')).accounts).toEqual([]);
    const renamed = await mint(
      { JOBGRAPH_ACCOUNTS_CLAIM: 'https://jobs.example.com/accounts' },
      '*',
    );
    expect(renamed['https://jobs.example.com/accounts']).toEqual(['*']);
  });

  it('refuses to mint without JOBGRAPH_JWT_SECRET, naming it', async () => {
    const { stderr, code } = await run(['token'], {});
    expect(code).toBe(1);
    expect(stderr).toBe(
      'jobgraph: configuration error: JOBGRAPH_JWT_SECRET: is required to mint a token\n',
    );
  });

  it.each([
    [
      ['emulators', '--port-base', 'abc'],
      '--port-base: expected a port base (a whole number from 0 to 65527), got "abc"',
    ],
    [
      ['emulators', '--port-base', '65528'],
      '--port-base: expected a port base (a whole number from 0 to 65527), got "65528"',
    ],
    [
      ['emulators', '--event-loss', '1.5'],
      '--event-loss: expected a share from 0 to 1 (such as 0.25), got "1.5"',
    ],
    [
      ['emulators', '--event-delay-ms', '2s'],
      '--event-delay-ms: expected a delay in ms (a whole number from 0 to 900000), got "2s"',
    ],
    [['demo', '--event-duplicates', '1'], '--event-duplicates: not an option of "jobgraph demo"'],
    [
      ['token', '--ttl', 'abc'],
      '--ttl: expected a lifetime in seconds (a whole number from 1 to 315360000), got "abc"',
    ],
    [
      ['token', '--ttl', '1h'],
      '--ttl: expected a lifetime in seconds (a whole number from 1 to 315360000), got "1h"',
    ],
    [['token', '--ttl'], "Option '--ttl <value>' argument missing"],
    [['token', '--scopes', ' '], '--scopes: expected one or more space-separated scopes, got ""'],
    [['token', '--port-base', '4100'], '--port-base: not an option of "jobgraph token"'],
    [['demo', '--ttl', '60'], '--ttl: not an option of "jobgraph demo"'],
    [['--scopes', 'jobs:read'], '--scopes: not an option of live mode (jobgraph with no command)'],
    [['--verbose'], '--verbose: unknown flag'],
    [['emulators', '-x'], '-x: unknown flag'],
    [['serve'], 'unknown command "serve"'],
    [['token', 'extra'], 'unexpected argument "extra" after "token"'],
  ])('rejects %j with one line naming the flag or command', async (args, message) => {
    const { stdout, stderr, code } = await run(args, {
      JOBGRAPH_JWT_SECRET: 'cli-test-secret-that-is-long-enough-0123',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `jobgraph: ${message}\nRun "npm run jobgraph -- --help" in a clone, "jobgraph --help" where installed, for the commands and their flags.\n`,
    );
  });

  it('prints the usage for --help, whatever the command: the commands and every configuration variable', async () => {
    for (const args of [['--help'], ['-h'], ['token', '--help']]) {
      const { stdout, code } = await run(args, {});
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage:\n {2}jobgraph {2,}live mode/);
      for (const command of ['demo', 'emulators', 'token', 'schema', '--version', '--help'])
        expect(stdout).toMatch(new RegExp(`^ {2}jobgraph ${command}\\b`, 'm'));
      expect(stdout).toContain('--port-base');
      // One line per variable, with its meaning and default, from the configuration's VARIABLE_DOCS.
      for (const v of VARIABLE_DOCS) {
        const line = stdout.split('\n').find((l) => l.startsWith(`    ${v.name} `));
        expect(line, v.name).toContain(v.meaning);
        expect(line, v.name).toContain(`[${v.default}]`);
      }
      for (const name of [
        'JOBGRAPH_MAX_COST',
        'AWS_PROFILE',
        'TENCENTCLOUD_SECRET_ID',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
      ])
        expect(stdout).toContain(name);
    }
  });

  it("prints the package's version for --version", async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const { stdout, stderr, code } = await run(['--version'], {});
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('serves in the process it was started as: no restart, and the Node flags as the operator gave them', async () => {
    const starts = (stderr: string): { pid: number; execArgv: string[] }[] =>
      [...stderr.matchAll(/^STARTED (.*)$/gm)].map((m) => JSON.parse(m[1] as string));
    const banner = /Emulated upstreams:[\s\S]*={78}\n/;

    const demo = await run(['demo'], { PORT: '0' }, banner, ['--import', START_HOOK]);
    try {
      expect(starts(demo.stderr).map((s) => s.execArgv)).toEqual([[]]);
    } finally {
      demo.kill();
    }
    // Live mode stops on the bad value in the process it was started as.
    const live = await run([], { AWS_ENDPOINT_URL_OMICS: 'nope' }, undefined, [
      '--max-semi-space-size=64',
      '--import',
      START_HOOK,
    ]);
    expect(live.code).toBe(1);
    expect(starts(live.stderr).map((s) => s.execArgv)).toEqual([['--max-semi-space-size=64']]);
    const viaEnv = await run(
      [],
      { AWS_ENDPOINT_URL_OMICS: 'nope', NODE_OPTIONS: '--max-semi-space-size=16' },
      undefined,
      ['--import', START_HOOK],
    );
    expect(viaEnv.code).toBe(1);
    expect(starts(viaEnv.stderr).map((s) => s.execArgv)).toEqual([[]]);
  });

  it('stops live mode on a bad value with one line naming the variable', async () => {
    const { stderr, code } = await run([], { AWS_ENDPOINT_URL_OMICS: 'nope' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toBe(
      'jobgraph: configuration error: AWS_ENDPOINT_URL_OMICS: is not a URL (expected e.g. http://127.0.0.1:4105)',
    );
  });

  it('refuses to start live mode that cannot authenticate anyone, with one line naming both variables', async () => {
    const { stdout, stderr, code } = await run([], { PORT: '0', HOST: '127.0.0.1' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^jobgraph: configuration error: JOBGRAPH_JWKS_URL or JOBGRAPH_JWT_SECRET: live mode needs one to verify bearer tokens/,
    );
  });

  it('prints at live start a summary that tells a missing AWS profile and a misspelt variable, and which providers are configured', async () => {
    const proc = await run(
      [],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        JOBGRAPH_JWT_SECRET: 'cli-test-secret-that-is-long-enough-0123',
        TENCENTCLOUD_SECRET_ID: 'AKIDEXAMPLE',
        TENCENTCLOUD_SECRET_KEY: 'cli-test-tencent-key-0123456789',
        AWS_PROFILE: 'nope',
        AWS_CONFIG_FILE: join(tmpdir(), 'jobgraph-test-no-such-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'jobgraph-test-no-such-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        JOBGRAPH_MAX_JOB_ID: '5',
      },
      /start-up summary[\s\S]*\n {2}limits[^\n]*\n/,
    );
    try {
      expect(proc.code).toBeNull();
      // Not a terminal: every line on stderr is JSON, like the log's on stdout.
      for (const line of proc.stderr.split('\n').filter((l) => l !== ''))
        expect(JSON.parse(line)).toMatchObject({ level: 30, service: 'jobgraph' });
      const summary = stderrText(proc.stderr);
      expect(summary).toMatch(/AWS credentials +profile "nope" \(AWS_PROFILE\) NOT FOUND in /);
      expect(summary).toMatch(
        /warning +JOBGRAPH_MAX_JOB_ID is not a jobgraph variable and is ignored; did you mean JOBGRAPH_MAX_JOB_IDS\?/,
      );
      expect(summary).toMatch(/AWS Panorama +NOT configured/);
      // Keys without COS_UIN and COS_APPID cannot call: never "configured".
      expect(summary).toMatch(/Tencent COS Batch +NOT configured: COS_UIN, COS_APPID not set/);
      expect(summary).toMatch(/ {4}tencent default +not configured \(COS_UIN, COS_APPID not set\)/);
      expect(summary).toMatch(/ {4}aws default +not configured \(AWS credentials not set\)/);
      expect(summary).toMatch(/auth +HS256 \(JOBGRAPH_JWT_SECRET\)/);
      // Apollo asks nothing of the operator: inline tracing is decided in code (server.ts).
      expect(`${proc.stdout}${proc.stderr}`).not.toMatch(/inline tracing/i);
    } finally {
      proc.kill();
    }
  });

  it.each([
    ['beyond loopback', true, { HOST: '0.0.0.0', PORT: '0' }],
    ['on loopback (the default)', false, { PORT: '0' }],
  ] as const)(
    'prints at demo start %s whether the embedded Sandbox token is exposed (%s)',
    async (_where, exposed, env) => {
      const banner = /Emulated upstreams:[\s\S]*={78}\n/;
      const proc = await run(['demo'], env, banner);
      try {
        expect(proc.stdout).toMatch(banner);
        // Each provider live by events is re-read at its reconciliation: best effort, sooner.
        const live = /^ +(.+): once an event of theirs is applied/m.exec(proc.stdout)?.[1];
        expect(live?.split(', ').sort()).toEqual([
          'AWS Batch (300 s)',
          'AWS CodePipeline (60 s)',
          'AWS HealthOmics (60 s)',
        ]);
        // The Sandbox opens on the five-provider dashboard (its document is embedded in the landing page).
        const url = /GraphQL \+ Apollo Sandbox:\s+(\S+)/.exec(proc.stdout)?.[1] as string;
        const page = await (
          await fetch(url.replace('localhost', '127.0.0.1'), { headers: { accept: 'text/html' } })
        ).text();
        expect(page).toContain('query Dashboard {');
        // The progressing jobs, and a curl -N line that watches them over SSE with the reader token.
        for (const id of Object.values(IN_PLACE_PROGRESSING_JOB_IDS))
          expect(proc.stdout).toContain(id);
        // AWS Batch's (and HealthOmics') is a new job each run: its line names this minute's, and
        // the printed listJobs finds the run that is current when it is sent among the newest (the
        // demo's service job, submitted as the emulators start, may be newer in the first minute).
        const batchRun = /AWS Batch +(batch:\S+) +\(this minute's run/.exec(proc.stdout)?.[1];
        expect(isProgressingJobId(batchRun as string)).toBe(true);
        const listBody =
          /--data '(\{"query":"\{ listJobs\(filter: \{providers: \[AWS_BATCH\][^']*)'/.exec(
            proc.stdout,
          )?.[1] as string;
        const listed = (await (
          await fetch(url.replace('localhost', '127.0.0.1'), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${/Authorization: Bearer (\S+)/.exec(proc.stdout)?.[1]}`,
            },
            body: listBody,
          })
        ).json()) as { data: { listJobs: { nodes: { id: string; name: string }[] } } };
        const current = listed.data.listJobs.nodes.filter((n) => n.name === 'align-progressing');
        expect(current).toHaveLength(1);
        expect(isProgressingJobId(current[0]!.id)).toBe(true);
        const reader = /Authorization: Bearer (\S+)/.exec(proc.stdout)?.[1] as string;
        expect(proc.stdout).toMatch(
          /curl -N '\S+\/graphql' -H 'accept: text\/event-stream' -H 'content-type: application\/json' \\\n +-H 'authorization: Bearer \S+' \\\n +--data '\{"query":"subscription \{ jobUpdates\(ids: /,
        );
        expect(proc.stdout).toContain(`-H 'authorization: Bearer ${reader}'`);
        expect(/WARNING: the demo is listening on 0\.0\.0\.0/.test(proc.stdout)).toBe(exposed);
        // Sandbox needs Apollo's CDN: the banner says so and points at the console.
        expect(proc.stdout).toMatch(
          /Sandbox loads from Apollo's CDN, so it needs the internet; offline, use the jobs console/,
        );
        expect(`${proc.stdout}${proc.stderr}`).not.toMatch(/inline tracing/i);
        expect(/anyone who can reach this port/.test(proc.stdout)).toBe(exposed);
        // Its key is made at start: the banner says a CLI token is refused, and how to pair them.
        expect(proc.stdout).toContain('a token from `jobgraph token` is refused');
        expect(proc.stdout).toContain('export JOBGRAPH_JWT_SECRET=');
      } finally {
        proc.kill();
      }
    },
  );

  it('accepts a token from `jobgraph token` when the demo verifies the same JOBGRAPH_JWT_SECRET, and says so', async () => {
    const secret = 'cli-test-secret-that-is-long-enough-0123';
    const banner = /Emulated upstreams:[\s\S]*={78}\n/;
    const proc = await run(['demo'], { PORT: '0', JOBGRAPH_JWT_SECRET: secret }, banner);
    try {
      expect(proc.stdout).toContain(
        'More tokens: `npm run jobgraph -- token --scopes "jobs:read"` with the same JOBGRAPH_JWT_SECRET set.',
      );
      const minted = await run(['token', '--scopes', 'jobs:read', '--accounts', '*'], {
        JOBGRAPH_JWT_SECRET: secret,
      });
      expect(minted.code).toBe(0);
      const url = /GraphQL \+ Apollo Sandbox:\s+(\S+)/
        .exec(proc.stdout)![1]!
        .replace('localhost', '127.0.0.1');
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${minted.stdout.trim()}`,
        },
        body: JSON.stringify({
          query: `{ job(id: "${DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID}") { id } }`,
        }),
      });
      expect(await res.json()).toEqual({
        data: { job: { id: DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID } },
      });
    } finally {
      proc.kill();
    }
  });

  it('runs the emulators alone, printing endpoint lines the real AWS SDK client can use', async () => {
    const { base, proc } = await runEmulatorsOnFreeBase();
    try {
      const env = Object.fromEntries(
        [...proc.stdout.matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(env.AWS_ENDPOINT_URL_CODEPIPELINE).toBe(`http://127.0.0.1:${base + 5}`);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'AWS_ENDPOINT_URL_PANORAMA',
          'AWS_ENDPOINT_URL_OMICS',
          'AWS_ENDPOINT_URL_IMPORTEXPORT',
          'COS_BATCH_ENDPOINT_URL',
          'AWS_ENDPOINT_URL_BATCH',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
        ]),
      );
      // What the AWS CLI before 2.13 and botocore-based tools need besides the endpoint lines.
      expect(env).toMatchObject({
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
      });
      const client = new CodePipelineClient({
        region: 'us-east-1',
        endpoint: env.AWS_ENDPOINT_URL_CODEPIPELINE,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID as string,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
        },
      });
      const jobId = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID.split(':')[2];
      const out = await client.send(new GetJobDetailsCommand({ jobId }));
      expect(out.jobDetails?.id).toBe(jobId);
      client.destroy();
    } finally {
      proc.kill();
    }
  });

  it('prints the SQS endpoint and the demo’s event queues, which the SQS client reads, with the event switches given', async () => {
    const { base, proc } = await runEmulatorsOnFreeBase(['--event-duplicates', '1']);
    try {
      const env = Object.fromEntries(
        [...proc.stdout.matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
      );
      const sqsUrl = `http://127.0.0.1:${base + EMULATOR_PORT_OFFSETS.sqs}`;
      expect(env.AWS_ENDPOINT_URL_SQS).toBe(sqsUrl);
      // The default account's queue, then the second account's under its alias.
      expect(env.JOBGRAPH_EVENT_QUEUES).toBe(
        `${sqsUrl}/123456789012/jobgraph-events,staging=${sqsUrl}/210987654321/jobgraph-events`,
      );
      expect(proc.stdout).toContain('"duplicateRate":1');
      const client = sqsClientOfEnv(env);
      const queueUrl = (env.JOBGRAPH_EVENT_QUEUES as string).split(',')[0];
      const attributes = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      expect(attributes.Attributes?.QueueArn).toBe(
        'arn:aws:sqs:us-east-1:123456789012:jobgraph-events',
      );
      client.destroy();
    } finally {
      proc.kill();
    }
  });
});
