import { createHash } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsErrorAnswer } from '../shared/awsErrors.ts';
import { resolveAwsEndpoint, type AwsEndpointVariant } from '../shared/awsEndpoint.ts';
import { headerValue, httpOrigin, type Agents, type HttpOrigin } from '../shared/http.ts';
import { SigV4Signer, sendSignedPost } from '../shared/sigv4.ts';

/** One message of a ReceiveMessage answer, its body checked against its MD5. */
export interface SqsMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /**
   * Its body's MD5 is not `MD5OfBody`: the body was damaged on its way and must not be read. Only
   * this message is refused, not the whole answer (the SDK's default check fails the call, which
   * would hold back every other message received with it).
   */
  damaged: boolean;
  /** `ApproximateReceiveCount`: how many times SQS has handed it out (1 the first time). */
  receiveCount: number;
  /** `SentTimestamp`, epoch ms (0 when absent). */
  sentAt: number;
}

/**
 * A failed SQS call: `code` is SQS's error code (`AccessDenied`, `QueueDoesNotExist`, …) or, for
 * a call that got no answer, `Unreachable` / `Timeout` / `BadAnswer`. It carries no body, no
 * message of SQS's and no header: what it says is safe to log and to show in /readyz.
 */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number | null,
  ) {
    super(`SQS call failed: ${code}${status === null ? '' : ` (HTTP ${status})`}`);
    this.name = 'SqsError';
  }
}

/** How the client reaches SQS: credentials, endpoint override, sockets, timeouts. */
export interface SqsClientOptions {
  credentials(): Promise<AwsCredentialIdentity>;
  /** The queue's region: the endpoint's and the signature's. */
  region: string;
  /** AWS_ENDPOINT_URL_SQS; absent: the regional endpoint of the partition data. */
  endpoint?: string | undefined;
  variant?: AwsEndpointVariant;
  agents: Agents;
  /** Per call beyond the long poll's own wait, ms. */
  timeoutMs: number;
  now?: () => number;
}

/** At most 10 messages of at most 1 MiB each, and the envelope around them. */
const MAX_ANSWER_BYTES = 10 * 1024 * 1024 + 64 * 1024;

/**
 * SQS over the AWS JSON 1.0 protocol as `@aws-sdk/client-sqs` v3 speaks it (`POST /`,
 * `X-Amz-Target: AmazonSQS.<Operation>`, SigV4 `sqs`), with jobgraph's own signer and HTTP
 * exchange: the calls an event consumer makes. A received body whose MD5 differs from
 * `MD5OfBody` is marked `damaged` (the consumer leaves it in the queue, where it comes back after
 * its visibility timeout); the messages received with it are read as usual.
 */
export class SqsClient {
  readonly #signer = new SigV4Signer();
  #origin: Promise<HttpOrigin> | null = null;

  constructor(private readonly options: SqsClientOptions) {}

  /** Long-poll `queueUrl`: up to `max` messages, waiting up to `waitSeconds` for the first. */
  async receive(
    queueUrl: string,
    max: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<SqsMessage[]> {
    const out = await this.#call(
      'ReceiveMessage',
      {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      },
      waitSeconds * 1000,
      signal,
    );
    const messages = out.Messages;
    if (messages === undefined) return [];
    if (!Array.isArray(messages)) throw new SqsError('BadAnswer', null);
    return messages.map((m) => message(m));
  }

  /** Delete received messages by receipt handle (DeleteMessageBatch, 10 a call): the handles SQS did not delete. */
  async deleteBatch(queueUrl: string, handles: readonly string[]): Promise<string[]> {
    const failed: string[] = [];
    for (let i = 0; i < handles.length; i += 10) {
      const chunk = handles.slice(i, i + 10);
      const out = await this.#call('DeleteMessageBatch', {
        QueueUrl: queueUrl,
        Entries: chunk.map((h, j) => ({ Id: String(j), ReceiptHandle: h })),
      });
      const failures = Array.isArray(out.Failed) ? out.Failed : [];
      for (const f of failures) {
        const id = Number((f as { Id?: unknown }).Id);
        const handle = chunk[id];
        if (handle !== undefined) failed.push(handle);
      }
    }
    return failed;
  }

  async #call(
    operation: string,
    input: Record<string, unknown>,
    waitMs = 0,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { options } = this;
    this.#origin ??= (
      options.endpoint
        ? Promise.resolve(new URL(options.endpoint))
        : resolveAwsEndpoint('sqs', options.region, options.variant)
    ).then(httpOrigin);
    const origin = await this.#origin;
    const credentials = await options.credentials();
    const body = JSON.stringify(input);
    let answer;
    try {
      answer = await sendSignedPost(this.#signer, {
        origin,
        contentType: 'application/x-amz-json-1.0',
        headers: { 'x-amz-target': `AmazonSQS.${operation}` },
        body,
        credentials,
        service: 'sqs',
        region: options.region,
        date: new Date((options.now ?? Date.now)()),
        timeoutMs: waitMs + options.timeoutMs,
        maxBodyBytes: MAX_ANSWER_BYTES,
        agents: options.agents,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw new SqsError(
        err instanceof Error && err.name === 'TimeoutError' ? 'Timeout' : 'Unreachable',
        null,
      );
    }
    if (answer.status < 200 || answer.status > 299) {
      // SQS is query-compatible: its `x-amzn-query-error` names the code as the SDK reports it
      // (`AccessDenied`, `AWS.SimpleQueueService.NonExistentQueue`), else the body's `__type`.
      const query = headerValue(answer.headers, 'x-amzn-query-error')?.split(';')[0] ?? null;
      const code = query ?? new AwsErrorAnswer(answer).code;
      throw new SqsError(safeCode(code, answer.status), answer.status);
    }
    try {
      const out: unknown = JSON.parse(answer.body === '' ? '{}' : answer.body);
      if (out !== null && typeof out === 'object' && !Array.isArray(out))
        return out as Record<string, unknown>;
    } catch {
      // below
    }
    throw new SqsError('BadAnswer', answer.status);
  }
}

/** An error code fit for a log line and /readyz: SQS's own code when it looks like one. */
function safeCode(code: string | null, status: number): string {
  if (code !== null && /^[A-Za-z0-9.]{1,64}$/.test(code)) return code;
  return status === 403 ? 'AccessDenied' : `HTTP${status}`;
}

/** One received message, its MD5 checked. */
function message(raw: unknown): SqsMessage {
  const m = (raw ?? {}) as Record<string, unknown>;
  const { MessageId, ReceiptHandle, Body, MD5OfBody } = m;
  if (
    typeof MessageId !== 'string' ||
    typeof ReceiptHandle !== 'string' ||
    typeof Body !== 'string' ||
    typeof MD5OfBody !== 'string'
  )
    throw new SqsError('BadAnswer', null);
  const damaged = createHash('md5').update(Body, 'utf8').digest('hex') !== MD5OfBody.toLowerCase();
  const attributes = (m.Attributes ?? {}) as Record<string, unknown>;
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    damaged,
    receiveCount: Number(attributes.ApproximateReceiveCount ?? 1) || 1,
    sentAt: Number(attributes.SentTimestamp ?? 0) || 0,
  };
}
