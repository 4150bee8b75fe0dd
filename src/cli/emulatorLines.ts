/**
 * The demo banner's and `jobgraph emulators`' lines on the emulators: the exports that point an
 * AWS SDK or live mode at them, and AWS CLI commands that reach them whatever the CLI's version.
 */
import type { EmulatorName } from '@jobgraph/emulators';

/**
 * The demo banner's emulators: every line `jobgraph emulators` prints for them (endpoints, the demo
 * keys, region, the event queues, the second accounts), so a client reaches any of them from the
 * banner alone, AWS CLI commands that reach them, and where their control URLs (`/__emulator/…`) are.
 */
export function demoEnvironmentLines(
  env: Record<string, string>,
  portBase: number | undefined,
  examples: Record<EmulatorName, string>,
): string[] {
  return [
    '  Emulated upstreams: export these to point an AWS SDK or live mode at them',
    ...Object.entries(env).map(([k, v]) => `    export ${k}=${v}`),
    ...awsCliLines(env, examples),
    `  Their control URLs (/__emulator/faults, …) are on these addresses${portBase === undefined ? '; free ports now, fixed with npm start -- --port-base 4100' : ''}.`,
  ];
}

/**
 * AWS CLI commands that reach the emulators with the exports above, v1 and v2 alike: each names
 * its emulator's address itself (`--endpoint-url`, written out, not a variable that may be unset).
 * The CLI v1 before 1.29 reads no AWS_ENDPOINT_URL_*, and every v1 sends `sqs … --queue-url` to
 * AWS's queue host: without the flag the demo keys would go to AWS's real endpoints.
 */
export function awsCliLines(
  env: Record<string, string>,
  examples: Record<EmulatorName, string>,
): string[] {
  const nativeId = (globalId: string) => globalId.slice(globalId.lastIndexOf(':') + 1);
  const queue = env.JOBGRAPH_EVENT_QUEUES?.split(',')[0];
  const commands = [
    env.AWS_ENDPOINT_URL_BATCH &&
      `aws batch describe-jobs --endpoint-url ${env.AWS_ENDPOINT_URL_BATCH} --jobs ${nativeId(examples.batch)}`,
    env.AWS_ENDPOINT_URL_CODEPIPELINE &&
      `aws codepipeline get-job-details --endpoint-url ${env.AWS_ENDPOINT_URL_CODEPIPELINE} --job-id ${nativeId(examples.codepipeline)}`,
    env.AWS_ENDPOINT_URL_SQS &&
      queue &&
      `aws sqs receive-message --endpoint-url ${env.AWS_ENDPOINT_URL_SQS} --queue-url ${queue}`,
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  if (commands.length === 0) return [];
  return [
    '  The AWS CLI (v1 and v2), with the exports above: give every command --endpoint-url, as these do',
    '  (a v1 before 1.29 reads no AWS_ENDPOINT_URL_*, and every v1 sends SQS calls to AWS without it):',
    ...commands.map((c) => `    ${c}`),
  ];
}
