import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
} from '../awsCaller.ts';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import {
  createQueueStore,
  SETTABLE_ATTRIBUTES,
  type EmulatedQueue,
  type QueueStore,
  type ReceivedMessage,
} from './queues.ts';
import { createEventBus, type EventBus, type EventSwitches } from './eventBus.ts';
import { sqsAnswers, SqsRefusal, TARGET_PREFIX, JSON_10 } from './wire.ts';

/** A message body's limit in bytes (1 MiB since August 2025; 256 KiB before). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** The most messages one ReceiveMessage answers, and entries one batch holds. */
export const SQS_MAX_BATCH = 10;
/** The longest long poll, in seconds. */
export const SQS_MAX_WAIT_SECONDS = 20;

const QUEUE_NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
/** The characters a message may hold (XML 1.0's, as SQS documents). */
const ALLOWED_CHARS_RE = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** The system attributes ReceiveMessage answers when asked (by name or `All`). */
const MESSAGE_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
] as const;

export interface SqsEmulatorOptions extends AwsAccountsOptions {
  /** Clock in ms for signature checks and the Date header (default Date.now). */
  now?: () => number;
  /**
   * The queues' clock in ms: send times, delays, visibility timeouts, long polls (default
   * Date.now, real time, whatever `now` is: a visibility timeout passes as it would).
   */
  queueClock?: () => number;
  /** The event bus's switches at start (`EventSwitches`; default none). */
  eventSwitches?: Partial<EventSwitches>;
  /** Random source of the bus's rates (default Math.random). */
  random?: () => number;
}

/** The SQS emulator: a provider emulator, and its queues for the emulators that publish into them. */
export interface SqsEmulator extends ProviderEmulator {
  readonly store: QueueStore;
  /**
   * EventBridge's delivery into these queues: the publishing emulators' events go to the
   * `jobgraph-events` queue of their account and region, through its switches (over HTTP: `GET`,
   * `POST` a patch, `DELETE` to reset, at `/__emulator/events`).
   */
  readonly bus: EventBus;
  /**
   * Refuse (or, with `denied` false, allow again) every call on the queue of `queueUrl` in
   * `region` with AccessDenied 403, as a queue policy that no longer lets the caller in would;
   * returns whether the queue exists. Over HTTP: `POST /__emulator/queues/denied` with
   * `{"queueUrl", "denied", "region"?}`.
   */
  deny(queueUrl: string, denied?: boolean, region?: string): boolean;
}

/** The region a queue is looked up in when a switch names none: the demo's. */
const DEFAULT_SWITCH_REGION = 'us-east-1';

type Body = Record<string, unknown>;
type Caller = { accountId: string; userId: string; region: string; origin: string };

/**
 * Amazon SQS as `@aws-sdk/client-sqs` v3 speaks it: AWS JSON 1.0, `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>`, SigV4 `sqs` in the region of the credential scope, the
 * queue named by `QueueUrl` in the body. Queue URLs are `http://<host>/<account>/<name>` on the
 * emulator's own address (the Host a request came to), so the SDK, which sends a call to its
 * QueueUrl's origin when no endpoint is configured, reaches the emulator either way.
 *
 * Operations: CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage,
 * SendMessageBatch, ReceiveMessage (long polls of up to 20 s answer as soon as a message is
 * visible), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, PurgeQueue. Standard
 * queues only. A queue is its owner account's in the region it was made in: another account's
 * caller (no queue policy is emulated) and a queue switched to `denied` are AccessDenied (403); a
 * queue of another region or none QueueDoesNotExist.
 */
export function createSqsEmulator(opts: SqsEmulatorOptions = {}): SqsEmulator {
  const now = opts.now ?? Date.now;
  const store = createQueueStore(opts.queueClock ?? Date.now);
  const bus = createEventBus(store, {
    ...(opts.eventSwitches ? { switches: opts.eventSwitches } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const callers = awsCallers(opts, { service: 'sqs', now });
  const answers = sqsAnswers(now);
  const { ok, error } = answers;

  const operations: Record<string, (caller: Caller, body: Body, req: EmulatorRequest) => unknown> =
    {
      CreateQueue: createQueue,
      GetQueueUrl: getQueueUrl,
      ListQueues: listQueues,
      GetQueueAttributes: (c, b) => getQueueAttributes(queueOf(c, b), b),
      SendMessage: (c, b) => sendMessage(c, queueOf(c, b), b),
      SendMessageBatch: (c, b) => sendMessageBatch(c, queueOf(c, b), b),
      ReceiveMessage: (c, b, req) => receiveMessage(queueOf(c, b), b, req.signal),
      DeleteMessage: (c, b) => deleteMessage(queueOf(c, b), b),
      DeleteMessageBatch: (c, b) => deleteMessageBatch(queueOf(c, b), b),
      ChangeMessageVisibility: (c, b) => changeVisibility(queueOf(c, b), b),
      PurgeQueue: (c, b) => void store.purge(queueOf(c, b)),
    };

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const auth = await callers.verify(req);
    if (!auth.ok) {
      const { status, code, message } = jsonAuthRefusal(auth, { tokenStatus: 403 });
      return answers.raw(status, `com.amazon.coral.service#${code}`, queryAuthCode(code), message);
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = operations[target.slice(TARGET_PREFIX.length)];
    if (
      req.method !== 'POST' ||
      req.rawPath !== '/' ||
      !target.startsWith(TARGET_PREFIX) ||
      !operation
    )
      return error('UnknownOperation', `Unknown operation ${target}`);
    if (!String(req.headers['content-type'] ?? '').startsWith(JSON_10))
      return error('SerializationException', `Content-Type must be ${JSON_10}`);
    let body: unknown;
    try {
      body = req.body.trim() === '' ? {} : JSON.parse(req.body);
    } catch {
      return error('SerializationException', 'The request body is not JSON.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return error('SerializationException', 'The request body must be a JSON object.');
    const caller: Caller = {
      accountId: auth.accountId,
      userId: auth.key.userId,
      region: signingRegionOf(req) ?? '',
      origin: `http://${req.headers.host ?? '127.0.0.1'}`,
    };
    try {
      return ok((await operation(caller, body as Body, req)) ?? {});
    } catch (err) {
      if (err instanceof SqsRefusal) return error(err.error, err.message);
      throw err;
    }
  }

  const urlOf = (caller: Caller, queue: EmulatedQueue) =>
    `${caller.origin}/${queue.accountId}/${queue.name}`;

  /** The queue a body's QueueUrl names, as the caller may use it; else the refusal SQS answers. */
  function queueOf(caller: Caller, body: Body): EmulatedQueue {
    const url = body.QueueUrl;
    if (typeof url !== 'string' || url === '')
      throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueUrl.');
    const parts = parseQueueUrl(url);
    if (!parts)
      throw new SqsRefusal('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    const queue = store.get(caller.region, parts.accountId, parts.name);
    if (!queue) throw new SqsRefusal('QueueDoesNotExist', 'The specified queue does not exist.');
    if (queue.denied || queue.accountId !== caller.accountId)
      throw new SqsRefusal('AccessDenied', `Access to the resource ${url} is denied.`);
    return queue;
  }

  function createQueue(caller: Caller, body: Body) {
    const name = body.QueueName;
    if (typeof name !== 'string' || name === '')
      throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueName.');
    if (name.endsWith('.fifo'))
      throw new SqsRefusal('InvalidParameterValue', 'FIFO queues are not emulated.');
    if (!QUEUE_NAME_RE.test(name))
      throw new SqsRefusal(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    const attributes = readAttributes(body.Attributes);
    const existing = store.get(caller.region, caller.accountId, name);
    if (existing) {
      const differs = Object.entries(attributes).some(([k, v]) => existing.attributes[k] !== v);
      if (differs)
        throw new SqsRefusal(
          'QueueNameExists',
          'A queue already exists with the same name and a different value for attribute(s)',
        );
      return { QueueUrl: urlOf(caller, existing) };
    }
    return {
      QueueUrl: urlOf(caller, store.create(caller.region, caller.accountId, name, attributes)),
    };
  }

  function getQueueUrl(caller: Caller, body: Body) {
    const name = body.QueueName;
    if (typeof name !== 'string' || name === '')
      throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueName.');
    const owner =
      typeof body.QueueOwnerAWSAccountId === 'string'
        ? body.QueueOwnerAWSAccountId
        : caller.accountId;
    const queue = store.get(caller.region, owner, name);
    if (!queue) throw new SqsRefusal('QueueDoesNotExist', 'The specified queue does not exist.');
    if (queue.denied || queue.accountId !== caller.accountId)
      throw new SqsRefusal(
        'AccessDenied',
        `Access to the resource ${urlOf(caller, queue)} is denied.`,
      );
    return { QueueUrl: urlOf(caller, queue) };
  }

  function listQueues(caller: Caller, body: Body) {
    const prefix = typeof body.QueueNamePrefix === 'string' ? body.QueueNamePrefix : '';
    const max = optionalInteger(body, 'MaxResults', 1, 1000);
    const token = body.NextToken;
    const all = store.list(caller.region, caller.accountId, prefix);
    let start = 0;
    if (token !== undefined && token !== null) {
      const after =
        typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
      if (typeof token !== 'string' || !after.startsWith('after:'))
        throw new SqsRefusal('InvalidParameterValue', 'Invalid NextToken value.');
      start = all.findIndex((q) => q.name > after.slice('after:'.length));
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, max === undefined ? undefined : start + max);
    const more = max !== undefined && start + page.length < all.length;
    const last = page[page.length - 1];
    return {
      ...(page.length > 0 ? { QueueUrls: page.map((q) => urlOf(caller, q)) } : {}),
      ...(more && last
        ? { NextToken: Buffer.from(`after:${last.name}`).toString('base64url') }
        : {}),
    };
  }

  function getQueueAttributes(queue: EmulatedQueue, body: Body) {
    const names = stringList(body.AttributeNames, 'AttributeNames');
    const counts = store.counts(queue);
    const all: Record<string, string> = {
      ...Object.fromEntries(Object.entries(queue.attributes).map(([k, v]) => [k, String(v)])),
      QueueArn: `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.name}`,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdMs / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.createdMs / 1000)),
      SqsManagedSseEnabled: 'true',
    };
    const wanted = names.includes('All') ? Object.keys(all) : names;
    const unknown = wanted.find((n) => !(n in all));
    if (unknown) throw new SqsRefusal('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    return wanted.length === 0
      ? {}
      : { Attributes: Object.fromEntries(wanted.map((n) => [n, all[n]])) };
  }

  function checkBody(queue: EmulatedQueue, body: unknown): string {
    if (typeof body !== 'string' || body === '')
      throw new SqsRefusal(
        'MissingParameter',
        'The request must contain the parameter MessageBody.',
      );
    const limit = queue.attributes.MaximumMessageSize ?? SQS_MAX_MESSAGE_BYTES;
    if (Buffer.byteLength(body, 'utf8') > limit)
      throw new SqsRefusal(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    if (!ALLOWED_CHARS_RE.test(body))
      throw new SqsRefusal(
        'InvalidMessageContents',
        'Invalid binary character was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    return body;
  }

  function sendMessage(caller: Caller, queue: EmulatedQueue, body: Body) {
    const text = checkBody(queue, body.MessageBody);
    const delay = optionalInteger(body, 'DelaySeconds', 0, 900);
    const sent = store.send(queue, text, delay, caller.userId);
    return { MD5OfMessageBody: sent.md5, MessageId: sent.id };
  }

  function sendMessageBatch(caller: Caller, queue: EmulatedQueue, body: Body) {
    const entries = batchEntries(body.Entries);
    const total = entries.reduce(
      (n, e) => n + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody) : 0),
      0,
    );
    if (total > SQS_MAX_MESSAGE_BYTES)
      throw new SqsRefusal(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${SQS_MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
      );
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries) {
      try {
        const text = checkBody(queue, entry.MessageBody);
        const delay = optionalInteger(entry, 'DelaySeconds', 0, 900);
        const sent = store.send(queue, text, delay, caller.userId);
        Successful.push({ Id: entry.Id, MessageId: sent.id, MD5OfMessageBody: sent.md5 });
      } catch (err) {
        if (!(err instanceof SqsRefusal)) throw err;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: err.error, Message: err.message });
      }
    }
    return { Successful, Failed };
  }

  async function receiveMessage(queue: EmulatedQueue, body: Body, signal?: AbortSignal) {
    const max = optionalInteger(body, 'MaxNumberOfMessages', 1, SQS_MAX_BATCH) ?? 1;
    const wait =
      optionalInteger(body, 'WaitTimeSeconds', 0, SQS_MAX_WAIT_SECONDS) ??
      queue.attributes.ReceiveMessageWaitTimeSeconds ??
      0;
    const visibility =
      optionalInteger(body, 'VisibilityTimeout', 0, 43_200) ??
      queue.attributes.VisibilityTimeout ??
      30;
    const asked = [
      ...stringList(body.AttributeNames, 'AttributeNames'),
      ...stringList(body.MessageSystemAttributeNames, 'MessageSystemAttributeNames'),
    ];
    const names = asked.includes('All')
      ? [...MESSAGE_ATTRIBUTES]
      : MESSAGE_ATTRIBUTES.filter((n) => asked.includes(n));
    const got = await store.receive(queue, max, visibility, wait, signal);
    if (got.length === 0) return {};
    return { Messages: got.map((m) => wireMessage(m, names)) };
  }

  function deleteMessage(queue: EmulatedQueue, body: Body) {
    const handle = receiptHandle(body);
    // A stale handle (the message was received again since, or is gone) succeeds without
    // deleting anything, as SQS documents for standard queues.
    if (store.delete(queue, handle) === 'invalid') throw invalidHandle(handle);
  }

  function deleteMessageBatch(queue: EmulatedQueue, body: Body) {
    const entries = batchEntries(body.Entries);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries) {
      const handle = entry.ReceiptHandle;
      const outcome =
        typeof handle === 'string' && handle !== '' ? store.delete(queue, handle) : 'invalid';
      if (outcome === 'invalid')
        Failed.push({
          Id: entry.Id,
          SenderFault: true,
          Code: 'ReceiptHandleIsInvalid',
          Message: invalidHandle(typeof handle === 'string' ? handle : '').message,
        });
      else Successful.push({ Id: entry.Id });
    }
    return { Successful, Failed };
  }

  function changeVisibility(queue: EmulatedQueue, body: Body) {
    const handle = receiptHandle(body);
    const seconds = optionalInteger(body, 'VisibilityTimeout', 0, 43_200);
    if (seconds === undefined)
      throw new SqsRefusal(
        'MissingParameter',
        'The request must contain the parameter VisibilityTimeout.',
      );
    const outcome = store.changeVisibility(queue, handle, seconds);
    if (outcome === 'invalid') throw invalidHandle(handle);
    if (outcome === 'stale')
      throw new SqsRefusal(
        'InvalidParameterValue',
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
      );
    if (outcome === 'not-in-flight')
      throw new SqsRefusal('MessageNotInflight', 'The message referred to is not in flight.');
  }

  function deny(queueUrl: string, denied = true, region = DEFAULT_SWITCH_REGION): boolean {
    const parts = parseQueueUrl(queueUrl);
    const queue = parts && store.get(region, parts.accountId, parts.name);
    if (!queue) return false;
    queue.denied = denied;
    return true;
  }

  function control(req: EmulatorRequest): EmulatorResponse | null {
    if (req.rawPath === '/__emulator/events') return eventControl(req);
    if (req.rawPath !== '/__emulator/queues/denied' || req.method !== 'POST') return null;
    const body = JSON.parse(req.body || '{}') as {
      queueUrl?: unknown;
      denied?: unknown;
      region?: unknown;
    };
    if (typeof body.queueUrl !== 'string') throw new Error('queueUrl must be a queue URL');
    const found = deny(
      body.queueUrl,
      body.denied !== false,
      typeof body.region === 'string' ? body.region : DEFAULT_SWITCH_REGION,
    );
    return found
      ? {
          status: 200,
          headers: {},
          body: JSON.stringify({ queueUrl: body.queueUrl, denied: body.denied !== false }),
        }
      : { status: 404, headers: {}, body: '{"error":"no such queue"}' };
  }

  /** The bus's switches: GET reads them, POST patches them, DELETE resets them. */
  function eventControl(req: EmulatorRequest): EmulatorResponse {
    if (req.method === 'POST')
      bus.setSwitches(JSON.parse(req.body || '{}') as Partial<EventSwitches>);
    else if (req.method === 'DELETE') bus.resetSwitches();
    return { status: 200, headers: {}, body: JSON.stringify(bus.switches) };
  }

  return {
    name: 'sqs',
    store,
    bus,
    deny,
    control,
    handle,
    describe(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : `${req.method} ${req.path}`;
      let job: string | null = null;
      try {
        const body = JSON.parse(req.body) as { QueueUrl?: unknown };
        const parts = typeof body.QueueUrl === 'string' ? parseQueueUrl(body.QueueUrl) : null;
        if (parts) job = `${signingRegionOf(req) ?? '?'}/${parts.accountId}/${parts.name}`;
      } catch {
        // No JSON body: no queue to name.
      }
      return { operation, job, ...callers.otherAccountOf(req) };
    },
    throttled: () => error('RequestThrottled', 'Rate exceeded'),
    serverError: () =>
      error('InternalFailure', 'We encountered an internal error. Please try again.'),
    errorAnswer: (_req, a) =>
      answers.raw(a.status, `com.amazonaws.sqs#${a.code}`, a.code, a.message, a.requestId),
    malformed: () => ({
      status: 200,
      headers: answers.headers(),
      body: '{"Messages":[{"MessageId":"',
    }),
    close() {
      bus.close();
      store.close();
    },
  };
}

/** The account and name of a queue URL (`<scheme>://<host>/<account>/<name>`), or null. */
export function parseQueueUrl(url: string): { accountId: string; name: string } | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const m = /^\/(\d{12})\/([A-Za-z0-9_.-]{1,80})$/.exec(path);
  return m ? { accountId: m[1] as string, name: m[2] as string } : null;
}

/** The query protocol's name of an auth refusal (the code query-compatible clients see). */
function queryAuthCode(code: string): string {
  const names: Record<string, string> = {
    MissingAuthenticationTokenException: 'MissingAuthenticationToken',
    IncompleteSignatureException: 'IncompleteSignature',
    UnrecognizedClientException: 'InvalidClientTokenId',
    ExpiredTokenException: 'ExpiredToken',
    InvalidSignatureException: 'SignatureDoesNotMatch',
  };
  return names[code] ?? code;
}

function wireMessage(m: ReceivedMessage, names: readonly string[]) {
  const values: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentMs),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveMs),
  };
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(names.length > 0
      ? { Attributes: Object.fromEntries(names.map((n) => [n, values[n]])) }
      : {}),
  };
}

/** An optional whole-number parameter within [min, max], or InvalidParameterValue. */
function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new SqsRefusal(
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  return value;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new SqsRefusal('InvalidParameterValue', `${name} must be a list of strings.`);
  return value as string[];
}

/** CreateQueue's `Attributes`, as numbers; the standard-queue attributes SQS bounds, others refused. */
function readAttributes(value: unknown): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SqsRefusal('InvalidParameterValue', 'Attributes must be a map.');
  const out: Record<string, number> = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const spec = SETTABLE_ATTRIBUTES[name];
    if (!spec) throw new SqsRefusal('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= spec.min && n <= spec.max))
      throw new SqsRefusal('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    out[name] = n;
  }
  return out;
}

/** A batch's entries: 1–10, distinct well-formed IDs; else the batch refusal SQS answers. */
function batchEntries(value: unknown): Body[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0))
    throw new SqsRefusal(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  if (!Array.isArray(value) || value.some((e) => e === null || typeof e !== 'object'))
    throw new SqsRefusal('InvalidParameterValue', 'Entries must be a list of entries.');
  if (value.length > SQS_MAX_BATCH)
    throw new SqsRefusal(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${SQS_MAX_BATCH}. You have sent ${value.length}.`,
    );
  const entries = value as Body[];
  const ids = entries.map((e) => e.Id);
  const bad = ids.find((id) => typeof id !== 'string' || !BATCH_ID_RE.test(id));
  if (bad !== undefined)
    throw new SqsRefusal(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    );
  if (new Set(ids).size !== ids.length)
    throw new SqsRefusal(
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  return entries;
}

function receiptHandle(body: Body): string {
  const handle = body.ReceiptHandle;
  if (typeof handle !== 'string' || handle === '')
    throw new SqsRefusal(
      'MissingParameter',
      'The request must contain the parameter ReceiptHandle.',
    );
  return handle;
}

const invalidHandle = (handle: string) =>
  new SqsRefusal(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
