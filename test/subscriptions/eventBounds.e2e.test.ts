import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { messagesIn } from '../support/sqsQueues.ts';
import { metricsOf, sample } from './clusterSupport.ts';
import { eventQueues } from './clusterEventSupport.ts';

// A replica with a small heap reading a backlog of large Batch events: each store an event feeds
// is bounded in bytes, so the replica applies them all, deletes them, and stays up. The heap limit
// is this harness's (NODE_OPTIONS): jobgraph itself sets no V8 flag.

const EVENTS = 800;
/** About how large each event's body is, in characters (EventBridge's limit is 256 KiB). */
const EVENT_CHARS = 200 * 1024;

let emulators: EmulatorSet;
let client: SQSClient;
let queueUrl = '';
let replica: LiveProcess | undefined;

beforeAll(async () => {
  emulators = await startEmulators();
  const sqs = eventQueues(emulators);
  client = sqs.client;
  queueUrl = await sqs.create('jobgraph-large-events');
});

afterAll(async () => {
  replica?.child.kill('SIGKILL');
  client?.destroy();
  await emulators?.close();
});

/**
 * A finished Batch job's event of about EVENT_CHARS, nearly all of it in its command (which a kept
 * finished job holds), a little in its environment (a secret: learned for scrubbing, never kept).
 */
function largeEvent(n: number): string {
  const secret = 8 * 1024;
  const base = batchDetail();
  const jobId = randomUUID();
  return batchEvent({
    ...base,
    jobId,
    jobArn: `arn:aws:batch:us-east-1:${DEMO_AWS_ACCOUNT_ID}:job/${jobId}`,
    jobName: `large-${n}`,
    status: 'SUCCEEDED',
    container: {
      ...(base.container as object),
      command: ['sh', '-c', `${n}`.padEnd(EVENT_CHARS - secret, 'c')],
      environment: [{ name: 'PAYLOAD', value: `${n}`.padEnd(secret, 'e') }],
    },
  });
}

/** Messages in the queue, visible or not. */
const messagesLeft = () => messagesIn(client, queueUrl);

describe('A replica with a 256 MB heap reading large job events', () => {
  it('applies a backlog of 800 Batch events of about 200 KB each, deletes them all, and stays up', async () => {
    // The backlog is there before the replica starts, as after a crash.
    for (let n = 0; n < EVENTS; n += 16)
      await Promise.all(
        Array.from({ length: Math.min(16, EVENTS - n) }, (_, i) =>
          client.send(
            new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: largeEvent(n + i) }),
          ),
        ),
      );
    expect(await messagesLeft()).toBe(EVENTS);
    replica = await startLiveProcess({
      ...emulatorEnvironment(emulators),
      JOBGRAPH_EVENT_QUEUES: queueUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      JOBGRAPH_JWT_SECRET: 'a-token-key-for-this-test-of-at-least-32-characters',
      NODE_OPTIONS: '--max-old-space-size=256',
    });
    const exited = replica.exited.then(() => true);
    let text = '';
    // Until every event is applied and deleted (or the replica exits, which fails below).
    for (;;) {
      if (await Promise.race([exited, Promise.resolve(false)])) break;
      text = await metricsOf(replica.url);
      const applied = sample(text, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}');
      if (applied >= EVENTS && (await messagesLeft()) === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(replica.child.exitCode, replica.output.stderr.slice(-2000)).toBeNull();
    expect(replica.child.signalCode).toBeNull();
    expect(await messagesLeft()).toBe(0);
    // Every event applied once (none rejected, none handed out again); the stores within their
    // bytes.
    expect(sample(text, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}')).toBe(
      EVENTS,
    );
    expect(sample(text, 'jobgraph_events_total{provider="none",outcome="rejected"}')).toBe(0);
    const bytes = sample(text, 'jobgraph_store_bytes{store="job_states"}');
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(sample(text, 'jobgraph_store_max_bytes{store="job_states"}'));
    // These jobs are known by events alone (no read confirmed them): none is written to the
    // history (test/subscriptions/eventApplier.test.ts holds which events are).
    expect(sample(text, 'jobgraph_history_writes_total{outcome="written"}')).toBe(0);
  }, 300_000);
});
