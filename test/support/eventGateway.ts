import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, expect, vi } from 'vitest';
import { EVENTUALLY } from './eventually.ts';
import { metricValue } from './metrics.ts';
import { useSqsEmulator } from './sqsQueues.ts';
import { useTestGateway } from './useTestGateway.ts';

/** The /metrics sample of AWS Batch job events the gateway applied. */
const APPLIED = 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}';

/**
 * A test gateway on the emulators that hears job events: the SQS emulator's `jobgraph-events`
 * queue (visibility 1 s) as its JOBGRAPH_EVENT_QUEUES, `env` beside it. `send` puts one event
 * (a message body, e.g. batchEvent's) on the queue; `options` the gateway's (a held timer); `applied` counts the Batch events applied;
 * `sendApplied` sends one and waits until the gateway applied it.
 */
export function useEventGateway(
  env: () => Record<string, string> = () => ({}),
  options: Parameters<typeof useTestGateway>[1] = {},
) {
  const sqs = useSqsEmulator();
  let queueUrl = '';
  beforeAll(async () => {
    queueUrl = await sqs.queue('jobgraph-events', { VisibilityTimeout: '1' });
  });
  const gw = useTestGateway(
    () => ({
      JOBGRAPH_EVENT_QUEUES: queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      ...env(),
    }),
    options,
  );
  const applied = () => metricValue(gw, APPLIED);
  const send = (body: string) =>
    sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  return {
    sqs,
    gw,
    queueUrl: () => queueUrl,
    applied,
    send,
    async sendApplied(body: string): Promise<void> {
      const before = await applied();
      await send(body);
      await vi.waitFor(async () => expect(await applied()).toBe(before + 1), EVENTUALLY);
    },
  };
}
