// Exports that keep the demo at home (issue 89, item 6): every AWS CLI command the demo banner and
// `jobgraph emulators` print names its emulator's loopback address with --endpoint-url, so the
// demo keys go nowhere else with the CLI v1 (which ignores AWS_ENDPOINT_URL_*) or v2; and each
// runs, with the banner's exports alone, on the machine's own `aws` (v1 here) against the demo.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';
import { startJobgraphProcess } from '../support/jobgraphProcess.ts';
import { realPart } from '../support/realParts.ts';

const aws = realPart('aws-cli');

/** The printed `aws …` commands of `text` (lines, comments' too), as argument lists. */
const awsCommands = (text: string): string[][] =>
  [...text.matchAll(/^#? *aws (.+)$/gm)].map((m) => m[1]!.trim().split(/ +/));

describe.skipIf(aws.skip)('The AWS CLI commands the demo prints', () => {
  let demo: DemoProcess;
  const home = mkdtempSync(join(tmpdir(), 'jobgraph-aws-cli-'));
  beforeAll(async () => {
    demo = await startDemoProcess({ JOBGRAPH_DATA_DIR: join(home, 'data') });
  });
  afterAll(async () => {
    demo?.child.kill('SIGTERM');
    await demo?.exited;
    rmSync(home, { recursive: true, force: true });
  });

  it('each name a loopback emulator with --endpoint-url, written out', () => {
    const commands = awsCommands(demo.output.stdout);
    expect(commands.map((c) => c.slice(0, 2))).toEqual([
      ['batch', 'describe-jobs'],
      ['codepipeline', 'get-job-details'],
      ['sqs', 'receive-message'],
    ]);
    for (const c of commands) {
      const url = c[c.indexOf('--endpoint-url') + 1]!;
      expect(new URL(url).hostname, c.join(' ')).toBe('127.0.0.1');
    }
  });

  it('run with the banner’s exports alone on the machine’s aws and reach the emulators', () => {
    // Only what the banner exports: no profile, no file, nothing of this machine's own AWS set-up.
    const exported = Object.fromEntries(
      [...demo.output.stdout.matchAll(/^ {4}export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(exported.AWS_ACCESS_KEY_ID).toBeDefined();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...exported,
    };
    const outputs = awsCommands(demo.output.stdout).map((args) => {
      const r = spawnSync('aws', [...args, '--output', 'json'], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, `aws ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    });
    const [batch, pipeline] = outputs.map((o) => (o.trim() ? JSON.parse(o) : {})) as [
      { jobs: { jobId: string }[] },
      { jobDetails: { id: string } },
    ];
    expect(batch.jobs.map((j) => j.jobId)).toEqual([BATCH_JOB_IDS.succeeded]);
    expect(pipeline.jobDetails.id).toMatch(/^c0de/);
  });

  it('are printed by `jobgraph emulators` too, each with a loopback --endpoint-url', async () => {
    const emulators = await startJobgraphProcess(
      ['emulators'],
      {},
      (stdout) => (/^# +aws sqs .*\n/m.test(stdout) ? stdout : undefined),
      'the emulators’ lines',
    );
    emulators.child.kill('SIGTERM');
    await emulators.exited;
    const commands = awsCommands(emulators.ready);
    expect(commands).toHaveLength(3);
    for (const c of commands)
      expect(new URL(c[c.indexOf('--endpoint-url') + 1]!).hostname).toBe('127.0.0.1');
  });
});
