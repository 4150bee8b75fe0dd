import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { promisify } from 'node:util';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { requirePart } from '../support/realParts.ts';

const run = promisify(execFile);

/**
 * The environment the AWS CLI runs in against an emulator: the demo keys, signing from the
 * environment alone (no profile, no instance metadata), no pager. `env` adds or overrides.
 */
export function awsCliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: DEMO_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEMO_AWS_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...env,
  };
}

/** `aws <args>` in `awsCliEnv(env)`, one attempt per call: its exit code, stdout and stderr (a failing command is an answer, not a throw). */
export async function runAwsCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(requirePart('aws-cli'), args, {
      env: awsCliEnv({ AWS_MAX_ATTEMPTS: '1', ...env }),
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * `aws <args> --endpoint-url <endpoint> --output json`, which must succeed (exit 0, nothing on
 * stderr): its answer, parsed.
 */
export async function awsCliJson<T = Record<string, unknown>>(
  endpoint: string,
  args: string[],
): Promise<T> {
  const { code, stdout, stderr } = await runAwsCli([
    ...args,
    '--endpoint-url',
    endpoint,
    '--output',
    'json',
  ]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as T;
}
