import net from 'node:net';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { EMULATOR_PORT_OFFSETS, exampleGlobalIds } from '@jobgraph/emulators';
import { startJobgraphProcess } from '../support/jobgraphProcess.ts';
import { sqsClientOfEnv } from '../support/sqsQueues.ts';

/**
 * `npm start`'s banner is enough to reach every emulator it started: a client configured from
 * the printed lines alone (no constant of the emulators' here) reads the demo's event queue, and
 * `--port-base` puts the emulators where docs/emulators.md's control URLs say.
 */

/** Whether every port in `ports` can be listened on right now (loopback). */
async function portsFree(ports: number[]): Promise<boolean> {
  const servers = ports.map(() => net.createServer());
  try {
    for (const [i, server] of servers.entries())
      await new Promise<void>((resolve, reject) =>
        server.once('error', reject).listen(ports[i], '127.0.0.1', resolve),
      );
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(
      servers.map((s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve(0)))),
    );
  }
}

/**
 * `jobgraph demo --port-base <base>` on a base whose ports are free (below the ephemeral range, as
 * test/cli/cli.e2e.test.ts picks them), once its banner is printed; a base taken between the
 * check and the child's listen is skipped. The demo reads no event queue
 * (`JOBGRAPH_EVENT_QUEUES=` turns its consumer off), so the test is the queue's only reader.
 */
async function startDemoOnFreeBase() {
  const offsets = Object.values(EMULATOR_PORT_OFFSETS);
  for (let i = 0; i < 50; i++) {
    const base = 22000 + ((process.pid * 10 + i * 130) % 10000);
    if (!(await portsFree(offsets.map((o) => base + o)))) continue;
    try {
      const demo = await startJobgraphProcess(
        ['demo', '--port-base', String(base)],
        { PORT: '0', JOBGRAPH_EVENT_QUEUES: '' },
        (stdout) => (/Their control URLs[^\n]*\n/.test(stdout) ? true : undefined),
        'demo banner',
      );
      return { base, demo };
    } catch (err) {
      if (!String(err).includes('EADDRINUSE')) throw err;
    }
  }
  throw new Error('no free port base for jobgraph demo after 50 tries');
}

describe('The demo banner', () => {
  it('prints every line a client needs: an SQS client made from them alone receives the event of a job moved through the control URL', async () => {
    const { base, demo } = await startDemoOnFreeBase();
    try {
      const env = Object.fromEntries(
        [...demo.output.stdout.matchAll(/^ {4}export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
      );
      // --port-base: the emulators on base + their offsets, as `jobgraph emulators` puts them.
      expect(env.AWS_ENDPOINT_URL_BATCH).toBe(
        `http://127.0.0.1:${base + EMULATOR_PORT_OFFSETS.batch}`,
      );
      expect(env.AWS_ENDPOINT_URL_SQS).toBe(`http://127.0.0.1:${base + EMULATOR_PORT_OFFSETS.sqs}`);
      // The CloudWatch Logs emulator (the AWS Batch jobs' log lines), under the AWS SDKs' own name.
      expect(env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS).toBe(
        `http://127.0.0.1:${base + EMULATOR_PORT_OFFSETS.logs}`,
      );
      expect(env).toMatchObject({ AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' });

      // Move the example Batch job through the control URL on the Batch emulator's printed address.
      const jobId = exampleGlobalIds().batch.split(':').at(-1) as string;
      const moved = await fetch(`${env.AWS_ENDPOINT_URL_BATCH}/__emulator/jobs/state`, {
        method: 'POST',
        body: JSON.stringify({ jobId, status: 'RUNNING' }),
      });
      expect(moved.status).toBe(200);

      const sqs = sqsClientOfEnv(env);
      try {
        const queueUrl = (env.JOBGRAPH_EVENT_QUEUES as string).split(',')[0] as string;
        // The AWS CLI's way in, printed with the emulator's address written out: v1 takes no SQS
        // endpoint from the variable, and an unset variable would send the keys to AWS.
        expect(demo.output.stdout).toContain(
          `aws sqs receive-message --endpoint-url ${env.AWS_ENDPOINT_URL_SQS as string} --queue-url ${queueUrl}`,
        );
        // Long polls until the moved job's event arrives (the progressing job's events may come first).
        type BatchEvent = { detail?: { jobId?: string; status?: string } };
        let found: BatchEvent | undefined;
        while (!found) {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              WaitTimeSeconds: 20,
              MaxNumberOfMessages: 10,
            }),
          );
          for (const m of Messages) {
            const event = JSON.parse(m.Body as string) as BatchEvent;
            if (event.detail?.jobId === jobId) found = event;
            await sqs.send(
              new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
            );
          }
        }
        expect(found.detail).toMatchObject({ jobId, status: 'RUNNING' });
      } finally {
        sqs.destroy();
      }
    } finally {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
  });
});
